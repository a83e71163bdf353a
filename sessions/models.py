"""Sessions of a group, who presents, leave, swaps and calendar feeds.

Times are stored in UTC and shown in the scheme's time zone. A session keeps
the date of the slot it was generated for (`slot_date`), so generating the same
term again, or after a session was moved, never creates a duplicate.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from balint.scheme_settings import PerSchemeSettings
from groups.models import BalintGroup, Scheme


class Session(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        HELD = "held", "Held"
        CANCELLED = "cancelled", "Cancelled"

    group = models.ForeignKey(BalintGroup, on_delete=models.PROTECT, related_name="sessions")
    slot_date = models.DateField(help_text="The meeting-pattern date this session fills.")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    presenter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="presentations",
    )
    location_override = models.CharField(
        max_length=200, blank=True, help_text="Leave empty to use the group's usual place."
    )
    cancel_reason = models.CharField(max_length=200, blank=True)
    # Combined with another group's session that day: one room, one register (the host's),
    # both groups' members expected there. This session then takes no register of its own.
    combined_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="combined_sessions",
    )
    # iCalendar SEQUENCE: rises whenever the time, place or status changes.
    sequence = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["group", "slot_date"], name="one_session_per_slot"),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="session_ends_after_start"
            ),
            models.CheckConstraint(
                condition=~Q(status="cancelled") | ~Q(cancel_reason=""),
                name="cancelled_session_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(combined_into=F("pk")), name="session_not_combined_into_itself"
            ),
        ]
        indexes = [
            models.Index(fields=["group", "starts_at"]),
            models.Index(fields=["presenter", "starts_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.group} on {self.slot_date:%d %b %Y}"

    @property
    def location(self) -> str:
        return self.location_override or self.group.location

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED


class Leave(models.Model):
    """A trainee's leave or other unavailability; shows as expected apologies."""

    class Kind(models.TextChoices):
        ANNUAL = "annual", "Annual leave"
        STUDY = "study", "Study leave"
        SICK = "sick", "Sick leave"
        PARENTAL = "parental", "Parental leave"
        OTHER = "other", "Other unavailability"

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="leave"
    )
    start_date = models.DateField()
    end_date = models.DateField(help_text="Inclusive.")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.ANNUAL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["start_date"]
        verbose_name_plural = "leave"
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")), name="leave_ends_after_it_starts"
            ),
        ]
        indexes = [models.Index(fields=["person", "start_date", "end_date"])]

    def __str__(self) -> str:
        return f"{self.person}: {self.get_kind_display()} {self.start_date}–{self.end_date}"

    def covers(self, day) -> bool:
        return self.start_date <= day <= self.end_date


class SwapRequest(models.Model):
    """One member asks another to exchange presenting dates."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        WITHDRAWN = "withdrawn", "Withdrawn"

    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="swaps_requested"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="swaps_received"
    )
    requester_session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="+")
    recipient_session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(requester=F("recipient")), name="swap_between_two_people"
            ),
            models.CheckConstraint(
                condition=~Q(requester_session=F("recipient_session")),
                name="swap_between_two_sessions",
            ),
            models.UniqueConstraint(
                fields=["requester_session", "recipient_session"],
                condition=Q(status="pending"),
                name="one_pending_swap_per_pair",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.requester} ↔ {self.recipient} ({self.status})"


class PresentingOffer(models.Model):
    """A member's offer to present: for a date that has no presenter yet, or "I have a
    case" for the group's next session. The rota planner honours it (sessions.rota).

    Only members of the group on the session's date may offer (sessions.rota.services:
    a role and a date range are beyond a database constraint)."""

    class Kind(models.TextChoices):
        VOLUNTEER = "volunteer", "Volunteered"
        HAVE_A_CASE = "have_a_case", "Has a case"

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="offers")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="presenting_offers"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "person"], name="one_presenting_offer_per_person_and_session"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["volunteer", "have_a_case"]),
                name="presenting_offer_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person}: {self.get_kind_display().lower()} for {self.session}"


class GuestRequest(models.Model):
    """A trainee's request to attend another group's session in their scheme as a guest.

    Accepted by one of that group's leaders, or at once where the scheme allows guests
    without approval (SchemeSettings.guests_need_approval). An accepted guest is on the
    session's register, marked as a guest (attendance.Attendance.Role.GUEST)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for the leader"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        WITHDRAWN = "withdrawn", "Withdrawn"

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="guest_requests")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="guest_requests"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "person"], name="one_guest_request_per_person_and_session"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "accepted", "declined", "withdrawn"]),
                name="guest_request_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} as a guest at {self.session} ({self.get_status_display()})"


def new_calendar_token() -> str:
    return secrets.token_urlsafe(24)


class CalendarToken(models.Model):
    """The secret in a person's private calendar-feed URL. Resetting replaces it."""

    person = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_token"
    )
    token = models.CharField(max_length=64, unique=True, default=new_calendar_token)
    created_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Calendar feed of {self.person}"


# --- On-call rosters, clashes and reminders ------------------------------------------


class RosterSource(models.Model):
    """Where a set of on-call shifts came from. Importing it again replaces its shifts.

    A trainee's own upload or feed belongs to them (`person`); an organiser's
    scheme-wide upload belongs to the scheme and holds shifts of many people.
    """

    class Kind(models.TextChoices):
        ICS_UPLOAD = "ics_upload", "iCalendar file"
        CSV_UPLOAD = "csv_upload", "CSV file"
        FEED = "feed", "Calendar feed"
        ORGANISER_UPLOAD = "organiser_upload", "Scheme-wide upload"

    PERSONAL_KINDS = (Kind.ICS_UPLOAD, Kind.CSV_UPLOAD, Kind.FEED)

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="roster_sources",
    )
    scheme = models.ForeignKey(
        Scheme,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="roster_sources",
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    name = models.CharField(max_length=200)
    feed_url = models.URLField(max_length=2000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    imported_at = models.DateTimeField(null=True, blank=True, help_text="Last good import.")
    last_refreshed_at = models.DateTimeField(
        null=True, blank=True, help_text="Last attempt to fetch a feed, good or bad."
    )
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="organiser_upload", scheme__isnull=False, person__isnull=True)
                    | (~Q(kind="organiser_upload") & Q(scheme__isnull=True, person__isnull=False))
                ),
                name="roster_source_owner_matches_kind",
            ),
            models.CheckConstraint(
                condition=~Q(kind="feed") | ~Q(feed_url=""), name="roster_feed_has_url"
            ),
            models.UniqueConstraint(
                fields=["person", "feed_url"],
                condition=Q(kind="feed"),
                name="one_subscription_per_feed",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_feed(self) -> bool:
        return self.kind == self.Kind.FEED

    @property
    def is_scheme_wide(self) -> bool:
        return self.kind == self.Kind.ORGANISER_UPLOAD

    @property
    def feed_display(self) -> str:
        """The feed's address without its query string, which often holds a secret."""
        return self.feed_url.split("?", 1)[0]


class OnCallShift(models.Model):
    """A period of on-call duty. All-day shifts span whole local days."""

    source = models.ForeignKey(RosterSource, on_delete=models.CASCADE, related_name="shifts")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="on_call_shifts"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    all_day = models.BooleanField(default=False)
    shift_type = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="shift_ends_after_start"
            ),
        ]
        # On PostgreSQL a GiST index on (person, time range) serves the clash scan:
        # migration 0003_shift_range_gist.
        indexes = [models.Index(fields=["person", "starts_at"])]

    def __str__(self) -> str:
        return f"{self.person}: on call {self.starts_at:%Y-%m-%d %H:%M}–{self.ends_at:%H:%M}"


class Clash(models.Model):
    """A member's on-call shift overlaps a session (with the scheme's travel margin).

    Open while `resolved_at` is empty; recomputing resolves a clash that no
    longer holds. One open clash per person and session, whatever the number
    of overlapping shifts; it points at the earliest of them.
    """

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="clashes")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="clashes"
    )
    shift = models.ForeignKey(
        OnCallShift, on_delete=models.SET_NULL, null=True, blank=True, related_name="clashes"
    )
    shift_starts_at = models.DateTimeField()
    shift_ends_at = models.DateTimeField()
    detected_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["session__starts_at", "pk"]
        verbose_name_plural = "clashes"
        constraints = [
            models.UniqueConstraint(
                fields=["session", "person"],
                condition=Q(resolved_at__isnull=True),
                name="one_open_clash_per_session_and_person",
            ),
        ]
        indexes = [models.Index(fields=["person", "resolved_at"])]

    def __str__(self) -> str:
        return f"{self.person} on call during {self.session}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class ReminderKind(models.TextChoices):
    PRESENTER_FIRST = "presenter_first", "Presenter, first reminder"
    PRESENTER_LAST = "presenter_last", "Presenter, last reminder"
    DAY_BEFORE = "day_before", "Session reminder"
    REGISTER = "register", "Register not taken"
    CLASH = "clash", "On-call clash"


class ReminderPreference(models.Model):
    """Which kinds of reminder a person wants. No row means all of them."""

    person = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminder_preference"
    )
    presenter = models.BooleanField(
        "before I present", default=True, help_text="A week and a day before, by default."
    )
    day_before = models.BooleanField("before every session", default=True)
    register = models.BooleanField(
        "register not taken",
        default=True,
        help_text="For leaders: the evening after a session whose register is not taken.",
    )
    clash = models.BooleanField(
        "on-call clashes",
        default=True,
        help_text="When a shift on my roster clashes with a session.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    FIELD_FOR_KIND = {
        ReminderKind.PRESENTER_FIRST: "presenter",
        ReminderKind.PRESENTER_LAST: "presenter",
        ReminderKind.DAY_BEFORE: "day_before",
        ReminderKind.REGISTER: "register",
        ReminderKind.CLASH: "clash",
    }

    def __str__(self) -> str:
        return f"Reminder choices of {self.person}"

    def wants(self, kind: str) -> bool:
        return getattr(self, self.FIELD_FOR_KIND[kind])


class RosterUpload(models.Model):
    """An organiser's scheme-wide file, kept between its preview and its application."""

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="roster_uploads")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    filename = models.CharField(max_length=200)
    content = models.BinaryField()
    replaces = models.ForeignKey(
        RosterSource, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    applied_at = models.DateTimeField(null=True, blank=True)
    source = models.ForeignKey(
        RosterSource, on_delete=models.SET_NULL, null=True, blank=True, related_name="uploads"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.filename} for {self.scheme}"


DEFAULT_TRAVEL_MARGIN_MINUTES = 30


class SchemeSettings(PerSchemeSettings, models.Model):
    """A scheme's settings for on-call clashes and reminders. They live here, not on
    groups.Scheme, so a feature of this app changes this app's tables only. Every scheme
    has a row from its creation (balint/scheme_settings.py)."""

    scheme = models.OneToOneField(
        Scheme, on_delete=models.CASCADE, primary_key=True, related_name="session_settings"
    )
    travel_margin_minutes = models.PositiveSmallIntegerField(
        default=DEFAULT_TRAVEL_MARGIN_MINUTES,
        help_text="An on-call shift ending or starting this close to a session clashes with it.",
    )
    presenter_first_reminder_days = models.PositiveSmallIntegerField(
        default=7, help_text="Days before a session that its presenter is first reminded."
    )
    presenter_last_reminder_days = models.PositiveSmallIntegerField(
        default=1, help_text="Days before a session that its presenter is reminded again."
    )
    member_reminder_days = models.PositiveSmallIntegerField(
        default=1, help_text="Days before a session that every member is reminded."
    )
    reminder_hour = models.PositiveSmallIntegerField(
        default=9, help_text="Local hour (0–23) at which reminders before a session go out."
    )
    below_minimum_notice_days = models.PositiveSmallIntegerField(
        default=7,
        help_text="Days before a session that its leaders and the organisers are told, "
        "once, when fewer members than the group's minimum are expected.",
    )
    guests_need_approval = models.BooleanField(
        default=True,
        help_text="A trainee's request to attend another group's session as a guest "
        "waits for that group's leader. Off: guests are accepted at once.",
    )
    register_reminder_hour = models.PositiveSmallIntegerField(
        default=19,
        help_text="Local hour (0–23) on the day of a session after which its leaders are "
        "reminded of a register not yet taken.",
    )

    class Meta:
        verbose_name = "clash and reminder settings"
        verbose_name_plural = "clash and reminder settings"
        constraints = [
            models.CheckConstraint(
                condition=Q(travel_margin_minutes__lte=720),
                name="session_settings_travel_margin_sensible",
            ),
            models.CheckConstraint(
                condition=Q(presenter_first_reminder_days__lte=28)
                & Q(presenter_last_reminder_days__lte=F("presenter_first_reminder_days"))
                & Q(member_reminder_days__lte=28)
                & Q(below_minimum_notice_days__lte=56),
                name="session_settings_reminder_days_sensible",
            ),
            models.CheckConstraint(
                condition=Q(reminder_hour__lte=23) & Q(register_reminder_hour__lte=23),
                name="session_settings_reminder_hours_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"Clash and reminder settings of {self.scheme}"

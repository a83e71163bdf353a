"""Sessions of a group, who presents, leave, swaps, guests and calendar feeds.

Times are stored in UTC and shown in the scheme's time zone. A session keeps
the date of the slot it was generated for (`slot_date`), so generating the same
term again, or after a session was moved, never creates a duplicate.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from groups.models import BalintGroup


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
            # Sessions still scheduled, by time: the reminders to send, and the registers
            # not taken (those past), without reading every held session of a scheme.
            models.Index(
                fields=["starts_at"],
                condition=Q(status="scheduled"),
                name="session_scheduled_by_start",
            ),
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

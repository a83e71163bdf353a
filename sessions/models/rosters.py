"""On-call rosters: their sources, their shifts, the clashes found with sessions, and the
files organisers upload for a preview."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from groups.models import Scheme
from sessions.models.schedule import Session


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

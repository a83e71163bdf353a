"""Privacy records: erasures, the access log and retention runs.

Importable as groups.models.X like every model of the app. They point at schemes by
name ("groups.Scheme"), so this module imports nothing of groups.models.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class PersonErasure(models.Model):
    """That a person's record was erased: when, in which scheme's name, by whom.

    The person's row stays (anonymised) so the attendance and memberships that
    point at it keep every figure unchanged. One erasure per person; it cannot
    be undone because nothing of what was erased is kept.
    """

    class Reason(models.TextChoices):
        ORGANISER = "organiser", "By a scheme organiser"
        STAFF = "staff", "By staff"
        RETENTION = "retention", "Retention period ended"

    person = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="erasure"
    )
    scheme = models.ForeignKey(
        "groups.Scheme",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="erasures",
    )
    erased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(max_length=10, choices=Reason.choices)
    erased_at = models.DateTimeField()

    class Meta:
        ordering = ["-erased_at", "-pk"]
        constraints = [
            # The retention task erases on its own; everyone else is named.
            models.CheckConstraint(
                condition=Q(reason="retention", erased_by__isnull=True)
                | (~Q(reason="retention") & Q(erased_by__isnull=False)),
                name="erasure_names_who_unless_retention",
            ),
            models.CheckConstraint(
                condition=Q(reason__in=["organiser", "staff", "retention"]),
                name="erasure_reason_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"Person #{self.person_id} erased on {self.erased_at:%Y-%m-%d}"


class AccessLogEntry(models.Model):
    """Someone exported or opened other people's data: who, what, when, in which scheme.

    The description names groups, schemes and certificate codes, never people:
    `subject` points at the one person concerned, when there is one, so an
    erasure leaves no name behind in the log.
    """

    class Action(models.TextChoices):
        OVERVIEW_EXPORT = "overview_export", "Scheme overview export"
        REGISTER_EXPORT = "register_export", "Group register export"
        LEADING_LOG_EXPORT = "leading_log_export", "Leading log export"
        CERTIFICATE_PDF = "certificate_pdf", "Certificate PDF download"
        CERTIFICATE_ZIP = "certificate_zip", "Certificates ZIP download"
        FEEDBACK_SUMMARY = "feedback_summary", "Session feedback summary"
        EVALUATION_SUMMARY = "evaluation_summary", "Term evaluation summary"
        EVALUATION_EXPORT = "evaluation_export", "Term evaluation export"
        PROGRESS_VIEW = "progress_view", "A trainee's progress"
        SECOND_FACTOR_RESET = "second_factor_reset", "Second factor removed"

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=30, choices=Action.choices)
    scheme = models.ForeignKey(
        "groups.Scheme",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="access_log",
    )
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The one person whose data it was, if it was one person's.",
    )
    description = models.CharField(max_length=200)
    accessed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-accessed_at", "-pk"]
        verbose_name_plural = "access log entries"
        indexes = [models.Index(fields=["scheme", "-accessed_at"])]

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.description}"


class RetentionRun(models.Model):
    """One run of the daily retention task and what it removed, per kind."""

    ran_at = models.DateTimeField()
    removed = models.JSONField(default=dict, help_text="A count per kind of record removed.")

    class Meta:
        ordering = ["-ran_at", "-pk"]

    def __str__(self) -> str:
        return f"Retention run of {self.ran_at:%Y-%m-%d %H:%M}"

    @property
    def total(self) -> int:
        return sum(self.removed.values())

    @property
    def summary(self) -> str:
        """Like "2 clashes, 5 on-call shifts", sorted: PostgreSQL keeps no key order in JSON."""
        return ", ".join(f"{count} {kind}" for kind, count in sorted(self.removed.items()))

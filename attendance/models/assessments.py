"""Workplace assessments: forms a scheme defines, and the assessments leaders complete.

A trainee asks a leader of a group they attended to assess them at one session
(usually one they presented at); the leader rates the form's domains on its scale,
writes strengths and suggestions and gives a global judgement; the trainee
acknowledges it with a reflection. Free text passes the patient-identifier guard
(balint.guard), as themes do: assessments are about the doctor, never a patient.
The flow lives in attendance.assessments.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from balint.guard import no_patient_identifier
from groups.models import Membership, Scheme
from sessions.models import Session

TEXT_LIMIT = 2000


def default_scale() -> list[str]:
    return [
        "Below the standard expected",
        "Borderline",
        "Meets the standard expected",
        "Above the standard expected",
    ]


def default_judgements() -> list[str]:
    return [
        "Below the standard for this stage of training",
        "At the standard for this stage of training",
        "Above the standard for this stage of training",
    ]


class AssessmentForm(models.Model):
    """One kind of assessment in a scheme, its wording the scheme's own. Once an
    assessment uses it, its domains, scale and judgements are fixed (old ratings keep
    their meaning); a scheme that wants new wording retires it and starts another."""

    class Assessor(models.TextChoices):
        LEADER = "leader", "The group’s leader"
        LEADING = "leading", "The leader or a co-leader"

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="assessment_forms")
    name = models.CharField(max_length=100)
    introduction = models.TextField(
        max_length=1000, blank=True, help_text="What the form is for, as assessors read it."
    )
    scale = models.JSONField(default=default_scale, help_text="Rating labels, lowest first.")
    judgements = models.JSONField(
        default=default_judgements, help_text="Global judgement labels, lowest first."
    )
    required_per_year = models.PositiveSmallIntegerField(
        default=1, help_text="How many each trainee needs in a training year (0: optional)."
    )
    assessor = models.CharField(max_length=10, choices=Assessor.choices, default=Assessor.LEADING)
    days_to_complete = models.PositiveSmallIntegerField(
        default=14, help_text="Days a leader has to complete a requested assessment."
    )
    retired_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "name"], name="assessment_form_name_unique"),
            models.CheckConstraint(
                condition=Q(days_to_complete__gte=1, days_to_complete__lte=90),
                name="assessment_days_in_range",
            ),
            models.CheckConstraint(
                condition=Q(required_per_year__lte=12), name="assessment_required_in_range"
            ),
            models.CheckConstraint(
                condition=Q(assessor__in=["leader", "leading"]), name="assessment_assessor_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def assessor_roles(self) -> tuple[str, ...]:
        """The membership roles that may complete it."""
        if self.assessor == self.Assessor.LEADER:
            return (Membership.Role.LEADER,)
        return Membership.LEADING_ROLES


class AssessmentDomain(models.Model):
    """One thing the form rates, with the descriptor assessors rate it against."""

    form = models.ForeignKey(AssessmentForm, on_delete=models.CASCADE, related_name="domains")
    position = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=100)
    descriptor = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["form", "position"]
        constraints = [
            models.UniqueConstraint(fields=["form", "position"], name="assessment_domain_position"),
            models.UniqueConstraint(fields=["form", "name"], name="assessment_domain_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Assessment(models.Model):
    """A trainee's request for an assessment at one session, and the leader's answer."""

    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested"
        COMPLETED = "completed", "Completed"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        WITHDRAWN = "withdrawn", "Withdrawn"

    DONE = (Status.COMPLETED, Status.ACKNOWLEDGED)
    # The free text: the assessor's two fields and the trainee's reflection.
    TEXT_FIELDS = ("strengths", "suggestions", "reflection")

    form = models.ForeignKey(AssessmentForm, on_delete=models.PROTECT, related_name="assessments")
    trainee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assessments"
    )
    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="assessments")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.REQUESTED)
    requested_at = models.DateTimeField()
    due_on = models.DateField()
    reminded_at = models.DateTimeField(null=True, blank=True)
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assessments_given",
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    judgement = models.PositiveSmallIntegerField(null=True, blank=True)
    strengths = models.TextField(
        max_length=TEXT_LIMIT, blank=True, validators=[no_patient_identifier]
    )
    suggestions = models.TextField(
        max_length=TEXT_LIMIT, blank=True, validators=[no_patient_identifier]
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    reflection = models.TextField(
        max_length=TEXT_LIMIT, blank=True, validators=[no_patient_identifier]
    )

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["form", "trainee", "session"],
                condition=~Q(status="withdrawn"),
                name="one_open_assessment_per_form_and_session",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["requested", "completed", "acknowledged", "withdrawn"]),
                name="assessment_status_valid",
            ),
            # Completed (or acknowledged) exactly when an assessor, a time and a judgement
            # are recorded; acknowledged exactly when the trainee's time is.
            models.CheckConstraint(
                condition=(
                    Q(
                        status__in=["completed", "acknowledged"],
                        assessor__isnull=False,
                        completed_at__isnull=False,
                        judgement__isnull=False,
                    )
                    | Q(
                        status__in=["requested", "withdrawn"],
                        completed_at__isnull=True,
                        judgement__isnull=True,
                    )
                ),
                name="assessment_completed_consistent",
            ),
            models.CheckConstraint(
                condition=Q(status="acknowledged", acknowledged_at__isnull=False)
                | (~Q(status="acknowledged") & Q(acknowledged_at__isnull=True)),
                name="assessment_acknowledged_consistent",
            ),
            models.CheckConstraint(
                condition=~Q(assessor=models.F("trainee")), name="assessment_not_self"
            ),
        ]
        indexes = [
            models.Index(fields=["trainee", "status"]),
            models.Index(fields=["status", "due_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.form} for {self.trainee} at {self.session}"

    @property
    def is_done(self) -> bool:
        return self.status in self.DONE

    @property
    def is_overdue(self) -> bool:
        return self.status == self.Status.REQUESTED and self.due_on < timezone.localdate()

    @property
    def judgement_label(self) -> str:
        if self.judgement is None:
            return ""
        return self.form.judgements[self.judgement]


class AssessmentRating(models.Model):
    """A domain's rating in one assessment: an index into the form's scale, or none
    when the assessor did not see enough to rate it."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="ratings")
    domain = models.ForeignKey(AssessmentDomain, on_delete=models.PROTECT, related_name="+")
    level = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["assessment", "domain__position"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "domain"], name="one_rating_per_domain"),
        ]

    def __str__(self) -> str:
        return f"{self.domain}: {self.label}"

    @property
    def label(self) -> str:
        if self.level is None:
            return "Not observed"
        return self.assessment.form.scale[self.level]

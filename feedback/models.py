"""Session feedback, case themes and end-of-term evaluations.

Nothing here holds clinical content. Themes are short, non-identifying tags
("frequent attender") checked by balint.guard; comments are about how the
session went, checked by the same guard.

Anonymity is kept in two ways. Session feedback belongs to its author (they
may change it for a week) but leaders only ever see aggregates of three or
more answers. Term-evaluation answers are stored with no link to anyone: a
receipt records *that* a member answered, the answer row records *what*, and
nothing (no foreign key, no timestamp, no sequential key) joins the two.
"""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower

from balint.guard import no_patient_identifier
from groups.models import BalintGroup, Scheme
from sessions.models import Session

RATING_MIN, RATING_MAX = 1, 5
COMMENT_MAX_LENGTH = 300
THEME_MAX_LENGTH = 40


def rating_field(verbose_name: str) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        verbose_name,
        validators=[MinValueValidator(RATING_MIN), MaxValueValidator(RATING_MAX)],
    )


def rating_checks(prefix: str, fields: list[str]) -> list[models.CheckConstraint]:
    return [
        models.CheckConstraint(
            condition=Q(**{f"{name}__gte": RATING_MIN, f"{name}__lte": RATING_MAX}),
            name=f"{prefix}_{name}_in_range",
        )
        for name in fields
    ]


def comment_field() -> models.CharField:
    return models.CharField(
        max_length=COMMENT_MAX_LENGTH,
        blank=True,
        validators=[no_patient_identifier],
        help_text="Optional. About the session, never about the patient.",
    )


FEEDBACK_RATINGS = {
    "safe_to_speak": "I felt safe to speak",
    "stayed_on_relationship": "The discussion stayed on the doctor–patient relationship",
    "useful_for_practice": "It was useful for my practice",
}
EVALUATION_QUESTIONS = {
    "safe_group": "The group was a safe place to talk about difficult cases",
    "leadership": "The leaders held the group well",
    "understanding": "The group helped me understand my relationships with patients",
    "recommend": "I would recommend the group to a colleague",
}


class SessionFeedback(models.Model):
    """One attendee's answer about one held session."""

    RATINGS = FEEDBACK_RATINGS

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="feedback")
    # Empty once its author's record was erased: the ratings stay in the aggregates.
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="session_feedback",
    )
    safe_to_speak = rating_field(FEEDBACK_RATINGS["safe_to_speak"])
    stayed_on_relationship = rating_field(FEEDBACK_RATINGS["stayed_on_relationship"])
    useful_for_practice = rating_field(FEEDBACK_RATINGS["useful_for_practice"])
    comment = comment_field()

    class Meta:
        verbose_name_plural = "session feedback"
        constraints = [
            models.UniqueConstraint(
                fields=["session", "person"], name="one_feedback_per_person_per_session"
            ),
            *rating_checks("feedback", list(FEEDBACK_RATINGS)),
        ]

    def __str__(self) -> str:
        return f"Feedback on {self.session}"


class Theme(models.Model):
    """A short, non-identifying case theme in a scheme's list."""

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="themes")
    name = models.CharField(
        max_length=THEME_MAX_LENGTH,
        validators=[no_patient_identifier],
        help_text="A kind of case, e.g. “frequent attender”. Never a patient’s details.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = [Lower("name")]
        constraints = [
            models.UniqueConstraint("scheme", Lower("name"), name="theme_name_ci_unique_in_scheme"),
            models.CheckConstraint(condition=~Q(name=""), name="theme_has_a_name"),
        ]

    def __str__(self) -> str:
        return self.name


class SessionTheme(models.Model):
    """A theme tagged on a session. The theme's scheme is the session group's scheme."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="theme_tags")
    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="session_tags")
    tagged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "theme"], name="theme_once_per_session"),
        ]

    def __str__(self) -> str:
        return f"{self.theme} on {self.session}"


class TermEvaluation(models.Model):
    """An end-of-term questionnaire an organiser opens for one group."""

    QUESTIONS = EVALUATION_QUESTIONS

    group = models.ForeignKey(
        BalintGroup, on_delete=models.PROTECT, related_name="term_evaluations"
    )
    title = models.CharField(max_length=80, help_text="e.g. “Autumn term 2026”.")
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["group"],
                condition=Q(closed_at__isnull=True),
                name="one_open_evaluation_per_group",
            ),
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True) | Q(closed_at__gte=F("opened_at")),
                name="evaluation_closes_after_it_opens",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} · {self.group}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class EvaluationReceipt(models.Model):
    """That a person has answered an evaluation: nothing about what they said.

    The key is random and there is no timestamp, so receipts sort in no order
    that lines up with the answers.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    evaluation = models.ForeignKey(
        TermEvaluation, on_delete=models.CASCADE, related_name="receipts"
    )
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "person"], name="one_answer_per_member"),
        ]

    def __str__(self) -> str:
        return f"{self.person} answered {self.evaluation}"


class EvaluationAnswer(models.Model):
    """What someone answered, with no way back to who: no person, no time, a random key."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    evaluation = models.ForeignKey(TermEvaluation, on_delete=models.CASCADE, related_name="answers")
    safe_group = rating_field(EVALUATION_QUESTIONS["safe_group"])
    leadership = rating_field(EVALUATION_QUESTIONS["leadership"])
    understanding = rating_field(EVALUATION_QUESTIONS["understanding"])
    recommend = rating_field(EVALUATION_QUESTIONS["recommend"])
    comment = comment_field()

    class Meta:
        constraints = rating_checks("evaluation", list(EVALUATION_QUESTIONS))

    def __str__(self) -> str:
        return f"An answer to {self.evaluation}"

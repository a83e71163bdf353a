"""Reads for term evaluations: which a member may answer, and the organisers' summaries.

Like feedback.selectors: a fixed number of queries, aggregates only, and comments
in a fresh random order.
"""

from dataclasses import dataclass, field

from django.db.models import Avg, Count, Exists, OuterRef, Q, QuerySet

from feedback import permissions
from feedback.models import EvaluationAnswer, EvaluationReceipt, TermEvaluation
from feedback.permissions import evaluation_member_days, evaluation_members_q
from feedback.selectors import ShownFromMinAnswers, comments_in_order
from groups.models import Membership, Scheme, User


def my_open_evaluations(person: User) -> list[TermEvaluation]:
    """Open term evaluations of the person's groups that they may answer or have. Two queries."""
    memberships = list(Membership.objects.filter(person=person, role=Membership.Role.MEMBER))
    evaluations = (
        TermEvaluation.objects.filter(
            closed_at__isnull=True, group__in={m.group_id for m in memberships}
        )
        .annotate(
            answered=Exists(
                EvaluationReceipt.objects.filter(evaluation=OuterRef("pk"), person=person)
            )
        )
        .select_related("group")
        .order_by("group__name")
    )
    return [
        evaluation
        for evaluation in evaluations
        if any(
            m.group_id == evaluation.group_id and m.covers(day)
            for m in memberships
            for day in evaluation_member_days(evaluation)
        )
    ]


@dataclass
class QuestionSummary:
    question: str
    answers: int
    average: float | None
    counts: list[int]  # how many answered 1, 2, 3, 4, 5


@dataclass
class EvaluationSummary(ShownFromMinAnswers):
    evaluation: TermEvaluation
    answers: int
    closed: bool
    members: int
    questions: list[QuestionSummary] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)


def evaluation_summary(evaluation: TermEvaluation) -> EvaluationSummary:
    """How many answered; averages, counts and comments once the evaluation is closed with
    at least MIN_ANSWERS answers. Three queries at most."""
    members = (
        Membership.objects.filter(evaluation_members_q(evaluation))
        .values("person")
        .distinct()
        .count()
    )
    answers = EvaluationAnswer.objects.filter(evaluation=evaluation)
    figures = answers.aggregate(
        answers=Count("pk"),
        **{f"{name}_avg": Avg(name) for name in TermEvaluation.QUESTIONS},
        **{
            f"{name}_{value}": Count("pk", filter=Q(**{name: value}))
            for name in TermEvaluation.QUESTIONS
            for value in range(1, 6)
        },
    )
    summary = EvaluationSummary(
        evaluation=evaluation,
        answers=figures["answers"],
        closed=not evaluation.is_open,
        members=members,
    )
    if summary.is_visible:
        summary.questions = [
            QuestionSummary(
                question=question,
                answers=figures["answers"],
                average=figures[f"{name}_avg"],
                counts=[figures[f"{name}_{value}"] for value in range(1, 6)],
            )
            for name, question in TermEvaluation.QUESTIONS.items()
        ]
        summary.comments = comments_in_order(answers)
    return summary


def evaluations_of(scheme: Scheme) -> QuerySet[TermEvaluation]:
    """The scheme's evaluations, newest first, each with its group and how many answered."""
    return (
        TermEvaluation.objects.filter(group__scheme=scheme)
        .select_related("group")
        .annotate(answered=Count("receipts"))
        .order_by("-opened_at", "-pk")
    )


def managed_evaluations(user: User) -> QuerySet[TermEvaluation]:
    """The evaluations the user may read the summary of and close, with group and scheme."""
    return permissions.evaluations_managed_by(user).select_related("group__scheme")


def visible_evaluations(user: User) -> QuerySet[TermEvaluation]:
    """The evaluations of the groups the user may see, each with its group."""
    return permissions.evaluations_visible_to(user).select_related("group")

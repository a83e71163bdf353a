"""The feedback app's share of personal data: session feedback a person gave, receipts of
the term evaluations they answered, themes they tagged and evaluations they opened.

Term-evaluation answers are not personal data here: nothing links an answer to
its author, so neither the export nor the erasure can find them.
"""

from collections.abc import Sequence
from datetime import datetime

from balint.privacy import PersonalDataPart, mentions_of, row, scrub_mentions
from feedback.models import (
    EvaluationAnswer,
    EvaluationReceipt,
    SessionFeedback,
    SessionTheme,
    TermEvaluation,
)
from groups.models import User


class FeedbackPart(PersonalDataPart):
    name = "feedback"
    covers = frozenset(
        {
            (SessionFeedback, "person"),
            (SessionTheme, "tagged_by"),
            (TermEvaluation, "opened_by"),
            (EvaluationReceipt, "person"),
        }
    )
    held = (
        "Your feedback on sessions (three ratings and an optional comment); leaders see "
        "only summaries of three or more answers.",
        "That you answered an end-of-term evaluation. Your answers themselves are stored "
        "with no link to you.",
    )

    def export(self, person: User) -> dict[str, list[dict]]:
        feedback = SessionFeedback.objects.filter(person=person).select_related(
            "session__group__scheme"
        )
        return {
            "session_feedback": [
                row(
                    session_id=f.session_id,
                    scheme=f.session.group.scheme.name,
                    group=f.session.group.name,
                    date=f.session.slot_date,
                    **{name: getattr(f, name) for name in SessionFeedback.RATINGS},
                    comment=f.comment,
                )
                for f in feedback.order_by("session__starts_at")
            ],
            "evaluations_answered": [
                row(
                    evaluation=r.evaluation.title,
                    group=r.evaluation.group.name,
                    opened_at=r.evaluation.opened_at,
                    closed_at=r.evaluation.closed_at,
                )
                for r in EvaluationReceipt.objects.filter(person=person).select_related(
                    "evaluation__group"
                )
            ],
            # Actions taken.
            "themes_you_tagged": [
                row(
                    session_id=t.session_id,
                    group=t.session.group.name,
                    date=t.session.slot_date,
                    theme=t.theme.name,
                    tagged_at=t.created_at,
                )
                for t in SessionTheme.objects.filter(tagged_by=person).select_related(
                    "session__group", "theme"
                )
            ],
            "evaluations_you_opened": [
                row(
                    evaluation=e.title,
                    group=e.group.name,
                    opened_at=e.opened_at,
                    closed_at=e.closed_at,
                )
                for e in TermEvaluation.objects.filter(opened_by=person).select_related("group")
            ],
        }

    def erase_many(self, people: Sequence[User], *, when: datetime) -> None:
        ids = [person.pk for person in people]
        # Only the link to the author goes: the ratings and the comment stay in the
        # aggregates, because a summary that changed when someone is erased would show,
        # by comparing it before and after, exactly what that person answered.
        SessionFeedback.objects.filter(person__in=ids).update(person=None)
        EvaluationReceipt.objects.filter(person__in=ids).delete()
        words = mentions_of(people)
        scrub_mentions(SessionFeedback.objects.all(), "comment", words)
        scrub_mentions(EvaluationAnswer.objects.all(), "comment", words)
        # Kept, pointing at the anonymised person: themes tagged, evaluations opened.


part = FeedbackPart()

"""Test data for feedback, themes and term evaluations.

Built on tests/attendance_factories.py: the sessions are held on Wednesdays
before NOW (Monday 2 March 2026 in Dublin), so the latest, LAST_WEDNESDAY,
is still inside its week of feedback.
"""

import factory
from django.utils import timezone

from attendance.models import Attendance
from feedback.models import EvaluationAnswer, SessionFeedback, SessionTheme, TermEvaluation, Theme
from tests import factories
from tests.factories.attendance import AttendanceFactory, HeldSessionFactory


class SessionFeedbackFactory(factory.django.DjangoModelFactory):
    """An answer written directly (the service would check attendance and the window)."""

    class Meta:
        model = SessionFeedback

    session = factory.SubFactory(HeldSessionFactory)
    person = factory.SubFactory(factories.UserFactory)
    safe_to_speak = 4
    stayed_on_relationship = 4
    useful_for_practice = 4
    comment = ""


class ThemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Theme

    scheme = factory.SubFactory(factories.SchemeFactory)
    name = factory.Sequence(lambda n: f"theme {n}")


class SessionThemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SessionTheme

    session = factory.SubFactory(HeldSessionFactory)
    theme = factory.SubFactory(ThemeFactory, scheme=factory.SelfAttribute("..session.group.scheme"))


class TermEvaluationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TermEvaluation

    group = factory.SubFactory(factories.GroupFactory)
    title = "Spring term 2026"
    opened_by = factory.SubFactory(factories.UserFactory)
    opened_at = factory.LazyFunction(timezone.now)


class EvaluationAnswerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EvaluationAnswer

    evaluation = factory.SubFactory(TermEvaluationFactory)
    safe_group = 4
    leadership = 4
    understanding = 4
    recommend = 4
    comment = ""


def attendee(session, status=Attendance.Status.PRESENT, **person):
    """A member of the session's group with a register record for it."""
    member = factories.MembershipFactory(group=session.group, **person).person
    AttendanceFactory(session=session, person=member, status=status)
    return member


def answers(session, ratings, comments=None) -> list[SessionFeedback]:
    """One attendee per (safe, relationship, useful) triple, each with their answer."""
    comments = comments or [""] * len(ratings)
    made = []
    for (safe, relationship, useful), comment in zip(ratings, comments, strict=True):
        made.append(
            SessionFeedbackFactory(
                session=session,
                person=attendee(session),
                safe_to_speak=safe,
                stayed_on_relationship=relationship,
                useful_for_practice=useful,
                comment=comment,
            )
        )
    return made


def tag(session, *themes) -> None:
    for theme in themes:
        SessionThemeFactory(session=session, theme=theme)


def close(evaluation: TermEvaluation) -> TermEvaluation:
    """The organiser closes the evaluation now: its summary may show."""
    evaluation.closed_at = timezone.now()
    evaluation.save(update_fields=["closed_at"])
    return evaluation

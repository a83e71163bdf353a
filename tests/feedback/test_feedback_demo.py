"""feedback/demo.py through `manage.py seed_demo`: feedback, themes with repeats, an evaluation."""

import io

from django.core.management import call_command
from django.db.models import Count

from feedback import briefing, repetition, selectors
from feedback.demo import RECURRING
from feedback.models import (
    EvaluationAnswer,
    EvaluationReceipt,
    SessionFeedback,
    SessionTheme,
    TermEvaluation,
    Theme,
)
from feedback.permissions import ATTENDED, MIN_ANSWERS
from groups.models import BalintGroup, User


def seed():
    call_command("seed_demo", stdout=io.StringIO())


def counts():
    return [
        model.objects.count()
        for model in (
            SessionFeedback,
            Theme,
            SessionTheme,
            TermEvaluation,
            EvaluationReceipt,
            EvaluationAnswer,
        )
    ]


def test_the_demo_shows_every_feedback_feature_and_is_idempotent(seeded_demo, db, settings):
    # Several sessions with enough answers for a summary, all from people who attended.
    answered = SessionFeedback.objects.values("session").annotate(n=Count("pk"))
    assert len([row for row in answered if row["n"] >= MIN_ANSWERS]) >= 3
    for feedback in SessionFeedback.objects.select_related("session"):
        assert feedback.session.attendance.filter(
            person=feedback.person_id, role="member", status__in=ATTENDED
        ).exists()

    # Themes on past sessions, with a repeat within four weeks and a presenter repeat.
    group = BalintGroup.objects.order_by("pk").first()
    marks = [mark for row in selectors.group_timeline(group) for mark in row.marks]
    assert any(mark.recurs for mark in marks)
    assert any(mark.presented_before for mark in marks)
    kinds = {r.repeat.kind for r in selectors.scheme_repetition(group.scheme).repeats}
    assert kinds == {repetition.RECURS, repetition.PRESENTER}

    # An open term evaluation with a few answers, as many receipts as answers.
    evaluation = TermEvaluation.objects.get()
    assert evaluation.is_open
    assert 3 <= evaluation.answers.count() == evaluation.receipts.count()

    before = counts()
    settings.DEBUG = True
    seed()
    assert counts() == before


def test_the_demo_leaders_next_session_looks_back_on_themed_sessions(seeded_demo, client, db):
    client.force_login(User.objects.get(email="leader@example.com"))
    (card,) = client.get("/").context["home"].groups
    session = card.next.session

    brief = client.get(f"/sessions/{session.pk}/before/").context["brief"]

    assert len(brief.rows) == briefing.BRIEF_SESSIONS
    assert all(row.themes for row in brief.rows)
    assert RECURRING in [mark.theme.name for mark in brief.recurring]
    assert session.presenter_id and brief.presented

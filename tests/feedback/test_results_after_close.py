"""No answer can be traced by comparing two views (issue 21).

Session feedback, term evaluations, group health and the evaluation export show their
aggregates only once answering has closed, and only from three answers: while answers
may still come or change, any number of them gives the same view except the count, and
after it closes the view is fixed, also through an erasure. The differencing test walks
a session's feedback through its whole life and keeps every view a leader could get.
"""

import re
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from feedback import privacy as feedback_privacy
from feedback import services
from tests import factories
from tests.factories.attendance import HeldSessionFactory
from tests.factories.feedback import TermEvaluationFactory, attendee
from tests.factories.sessions import NOW

pytestmark = pytest.mark.usefixtures("frozen_now")

RATINGS = [(5, 4, 3), (1, 2, 5), (4, 4, 4), (2, 5, 1), (3, 1, 2), (5, 5, 5)]
COMMENTS = ["Calm room", "", "Too quick", "Good case", "", "Felt heard"]
# Session of 25 February, 09:00–10:00: its week of feedback closes on 4 March at 10:00.
CLOSES = NOW + timedelta(days=2)


def without_counts(html: str) -> str:
    """The page with every number of answers taken out, and the CSRF token."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    html = re.sub(r'<p class="fs-5" id="answer-count">[^<]*</p>', "", html)
    html = re.sub(r'<span id="answered">[^<]*</span>', "", html)
    return re.sub(r"<td>\d+</td>", "<td>n</td>", html)


@pytest.fixture
def session(group):
    return HeldSessionFactory(group=group)


@pytest.fixture
def attendees(session) -> list:
    """Everyone on the register first, so only the answers change between two looks."""
    return [attendee(session) for _ in RATINGS]


def give(session, person, index: int):
    safe, relationship, useful = RATINGS[index]
    services.feedback_save(
        actor=person,
        session=session,
        safe_to_speak=safe,
        stayed_on_relationship=relationship,
        useful_for_practice=useful,
        comment=COMMENTS[index],
    )
    return person


def summary_view(client, session) -> tuple:
    """What the leader's summary page shows: (answers, averages, comments)."""
    summary = client.get(f"/sessions/{session.pk}/feedback/summary/").context["summary"]
    averages = tuple(round(a.value, 6) for a in summary.averages)
    return summary.answers, averages, tuple(sorted(summary.comments))


# --- Session feedback ------------------------------------------------------------------


def test_while_open_any_number_of_answers_gives_the_same_page_but_the_count(
    client, session, leader, attendees
):
    client.force_login(leader)
    pages = set()
    for index, person in enumerate(attendees):
        give(session, person, index)
        for url in (
            f"/sessions/{session.pk}/feedback/summary/",
            f"/groups/{session.group_id}/health/",
        ):
            pages.add((url, without_counts(client.get(url).content.decode())))

    assert len(pages) == 2  # one page per address, whatever the number of answers
    summary = dict(pages)[f"/sessions/{session.pk}/feedback/summary/"]
    assert "Feedback is open until Wed 4 Mar, 10:00" in summary
    assert "Calm room" not in summary


def test_after_the_week_the_summary_shows_and_no_answer_can_be_given_or_changed(
    client, session, leader, frozen_now, attendees
):
    people = [give(session, person, index) for index, person in enumerate(attendees[:3])]
    frozen_now.move_to(CLOSES + timedelta(hours=1))
    client.force_login(leader)
    shown = summary_view(client, session)
    health_url = f"/groups/{session.group_id}/health/"
    health = without_counts(client.get(health_url).content.decode())
    assert "feedback still open" not in health

    for person in [people[0], attendees[3]]:  # a change, and a late first answer
        with pytest.raises(PermissionDenied):
            services.feedback_save(
                actor=person,
                session=session,
                safe_to_speak=1,
                stayed_on_relationship=1,
                useful_for_practice=1,
                comment="Later",
            )

    averages = tuple(round(value, 6) for value in (10 / 3, 10 / 3, 4.0))
    assert shown == (3, averages, ("Calm room", "Too quick"))
    assert without_counts(client.get(health_url).content.decode()) == health
    frozen_now.move_to(CLOSES + timedelta(days=30))
    client.force_login(leader)  # a new sign-in a month later
    assert summary_view(client, session) == shown


def test_no_answer_can_be_worked_out_from_any_two_views(
    client, session, leader, frozen_now, attendees
):
    """Every view a leader can get over the life of a session's feedback: after each
    answer and change while open, after it closes, and after an answerer is erased."""
    client.force_login(leader)
    views = []
    people = attendees[:5]
    for index, person in enumerate(people):
        give(session, person, index)
        views.append(summary_view(client, session))
    services.feedback_save(  # someone changes their mind within the week
        actor=people[1],
        session=session,
        safe_to_speak=3,
        stayed_on_relationship=3,
        useful_for_practice=3,
        comment="On reflection, fine",
    )
    views.append(summary_view(client, session))
    frozen_now.move_to(CLOSES)
    views.append(summary_view(client, session))
    feedback_privacy.part.erase_many([people[0]], when=CLOSES)  # the link to an answer goes
    frozen_now.move_to(CLOSES + timedelta(days=1))
    views.append(summary_view(client, session))

    with_figures = {view for view in views if view[1] or view[2]}
    # Differencing needs two different views with figures in them: there is one.
    assert len(with_figures) == 1
    ((answers, _, _),) = with_figures
    assert answers == 5
    # And it comes only after the last answer could have been given or changed.
    first_shown = next(i for i, view in enumerate(views) if view[1])
    assert first_shown == len(views) - 2
    assert all(view[1:] == ((), ()) for view in views[:first_shown])


# --- Term evaluations and their export ------------------------------------------------


@pytest.fixture
def evaluation(group, organiser):
    return TermEvaluationFactory(group=group, opened_by=organiser, opened_at=NOW)


def answer(evaluation, index: int) -> None:
    safe, relationship, useful = RATINGS[index]
    member = factories.MembershipFactory(group=evaluation.group).person
    services.evaluation_answer(
        actor=member,
        evaluation=evaluation,
        safe_group=safe,
        leadership=relationship,
        understanding=useful,
        recommend=safe,
        comment=COMMENTS[index],
    )


def test_an_open_evaluation_shows_only_how_many_answered_in_page_and_export(
    client, evaluation, organiser
):
    client.force_login(organiser)
    pages, exports = set(), set()
    for index in range(len(RATINGS)):
        answer(evaluation, index)
        pages.add(without_counts(client.get(f"/evaluations/{evaluation.pk}/").content.decode()))
        csv = client.get(f"/evaluations/{evaluation.pk}.csv").content.decode()
        exports.add(re.sub(r"Members answered,,\d+", "Members answered,,n", csv))

    assert len(pages) == 1 and len(exports) == 1
    assert "The summary shows once the evaluation is closed" in pages.pop()
    assert "Rating" not in exports.pop()


def test_a_closed_evaluation_shows_its_summary_and_takes_no_more_answers(
    client, evaluation, organiser
):
    for index in range(3):
        answer(evaluation, index)
    services.evaluation_close(actor=organiser, evaluation=evaluation)
    client.force_login(organiser)
    shown = client.get(f"/evaluations/{evaluation.pk}.csv").content

    with pytest.raises(ValidationError):
        answer(evaluation, 3)

    assert b"Rating,The group was a safe place" in shown
    assert client.get(f"/evaluations/{evaluation.pk}.csv").content == shown

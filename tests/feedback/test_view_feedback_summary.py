"""`/sessions/<pk>/feedback/summary/`: leaders see aggregates only, once the week of feedback
has closed with at least three answers; until then the count and when results show."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from feedback import selectors
from tests.access import GROUP_LEADERS_AND_ORGANISERS, assert_sign_in_first
from tests.factories.attendance import HeldSessionFactory
from tests.factories.feedback import SessionFeedbackFactory, answers, attendee

pytestmark = pytest.mark.usefixtures("frozen_now")


@pytest.fixture
def session(group):
    return HeldSessionFactory(group=group)


def url(session):
    return f"/sessions/{session.pk}/feedback/summary/"


def test_anonymous_is_sent_to_sign_in(client, session):
    assert_sign_in_first(client, url(session))


@pytest.mark.parametrize(("role", "status"), GROUP_LEADERS_AND_ORGANISERS)
def test_access_by_role(session, status, signed_in):
    assert signed_in.get(url(session)).status_code == status


def test_an_attendee_who_answered_still_cannot_see_the_summary(client, session):
    [mine, *_] = answers(session, [(5, 5, 5), (1, 1, 1), (3, 3, 3)])
    client.force_login(mine.person)
    assert client.get(url(session)).status_code == 403


@pytest.mark.parametrize("count", [0, 1, 2])
def test_aggregates_are_hidden_below_three_answers(client, session, leader, count, feedback_closed):
    answers(session, [(1, 2, 3)] * count, ["A telling comment"] * count)
    client.force_login(leader)

    response = client.get(url(session))

    summary = response.context["summary"]
    assert summary.answers == count
    assert not summary.is_visible
    assert summary.averages == [] and summary.comments == []
    content = response.content.decode()
    assert "A telling comment" not in content
    assert "Averages" not in content
    assert "Fewer than 3 people answered, so there is no summary" in content


def test_from_three_answers_the_leader_sees_averages_and_counts(
    client, session, leader, feedback_closed
):
    answers(session, [(5, 4, 3), (4, 4, 3), (3, 1, 3)])
    client.force_login(leader)

    response = client.get(url(session))

    summary = response.context["summary"]
    assert summary.answers == 3
    assert [round(a.value, 2) for a in summary.averages] == [4.0, 3.0, 3.0]
    content = response.content.decode()
    assert "3 answers" in content
    assert "<td>4.0</td>" in content


def test_comments_carry_no_name(client, session, leader, feedback_closed):
    made = answers(
        session,
        [(3, 3, 3)] * 4,
        ["Zest in the room", "", "another view", "Better than last week"],
    )
    client.force_login(leader)

    response = client.get(url(session))

    assert sorted(response.context["summary"].comments) == [
        "Better than last week",
        "Zest in the room",
        "another view",
    ]
    content = response.content.decode()
    for answer in made:
        assert answer.person.full_name not in content
        assert answer.person.email not in content


def test_comments_come_in_alphabetical_order_not_the_order_written(session, feedback_closed):
    answers(session, [(3, 3, 3)] * 3, ["a long comment", "Short", "a comment"])

    assert selectors.feedback_summary(session).comments == ["a comment", "a long comment", "Short"]


def test_another_sessions_answers_do_not_count(client, session, leader):
    other = HeldSessionFactory(group=session.group, slot_date=session.slot_date.replace(day=18))
    answers(other, [(1, 1, 1)] * 3)
    SessionFeedbackFactory(session=session, person=attendee(session))
    client.force_login(leader)

    assert client.get(url(session)).context["summary"].answers == 1


def test_a_fixed_number_of_queries(client, session, leader):
    answers(session, [(3, 3, 3)] * 3, ["x"] * 3)
    client.force_login(leader)
    with CaptureQueriesContext(connection) as few:
        client.get(url(session))

    answers(session, [(4, 4, 4)] * 30, ["y"] * 30)
    with CaptureQueriesContext(connection) as many:
        client.get(url(session))
    assert len(many) == len(few)

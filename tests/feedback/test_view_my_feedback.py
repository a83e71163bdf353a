"""`/feedback/`: a trainee's recent sessions to give feedback on, and open questionnaires."""

from datetime import timedelta

import pytest

from feedback.models import EvaluationReceipt
from tests import factories
from tests.access import assert_sign_in_first
from tests.factories.attendance import AttendanceFactory, HeldSessionFactory, past_wednesdays
from tests.factories.feedback import SessionFeedbackFactory, TermEvaluationFactory, attendee

URL = "/feedback/"


pytestmark = pytest.mark.usefixtures("frozen_now")


def test_anonymous_is_sent_to_sign_in(client, db):
    assert_sign_in_first(client, URL)


def test_it_is_in_the_main_navigation(client, trainee):
    client.force_login(trainee)
    content = client.get("/").content.decode()
    assert f'href="{URL}">Feedback</a>' in content


@pytest.mark.parametrize("role", ["trainee", "leader", "organiser", "stranger"])
def test_anyone_signed_in_sees_their_own_page(client, request, role):
    client.force_login(request.getfixturevalue(role))
    response = client.get(URL)
    assert response.status_code == 200
    assert "Nothing to give feedback on" in response.content.decode()


def test_lists_held_sessions_attended_within_the_week(client, group):
    earlier, last = (HeldSessionFactory(group=group, slot_date=d) for d in past_wednesdays(2))
    person = attendee(last)
    AttendanceFactory(session=earlier, person=person)  # a week too old
    # A session of the group they have no register record for.
    missed = HeldSessionFactory(group=group, slot_date=last.slot_date - timedelta(days=1))
    client.force_login(person)

    rows = client.get(URL).context["rows"]

    assert [row.session for row in rows] == [last]
    assert missed not in [row.session for row in rows]


def test_give_then_change(client, group):
    session = HeldSessionFactory(group=group)
    person = attendee(session, status="late")
    client.force_login(person)

    content = client.get(URL).content.decode()
    assert f'href="/sessions/{session.pk}/feedback/">Give feedback' in content

    SessionFeedbackFactory(session=session, person=person)
    content = client.get(URL).content.decode()
    assert f'href="/sessions/{session.pk}/feedback/">Change your feedback' in content


def test_someone_elses_answer_does_not_count_as_mine(client, group):
    session = HeldSessionFactory(group=group)
    person, other = attendee(session), attendee(session)
    SessionFeedbackFactory(session=session, person=other)
    client.force_login(person)

    [row] = client.get(URL).context["rows"]
    assert row.answered is False


def test_absent_members_see_nothing_to_answer(client, group):
    session = HeldSessionFactory(group=group)
    person = attendee(session, status="absent")
    client.force_login(person)
    assert client.get(URL).context["rows"] == []


def test_open_questionnaires_of_my_groups(client, group, other_group):
    person = factories.MembershipFactory(group=group).person
    mine = TermEvaluationFactory(group=group)
    TermEvaluationFactory(group=other_group)
    client.force_login(person)

    response = client.get(URL)
    assert response.context["evaluations"] == [mine]
    assert f'href="/evaluations/{mine.pk}/answer/">Answer the questionnaire' in (
        response.content.decode()
    )

    EvaluationReceipt.objects.create(evaluation=mine, person=person)
    response = client.get(URL)
    assert "Answered, thank you" in response.content.decode()


def test_a_leader_has_no_questionnaire_to_answer(client, group, leader):
    TermEvaluationFactory(group=group)
    client.force_login(leader)
    assert client.get(URL).context["evaluations"] == []

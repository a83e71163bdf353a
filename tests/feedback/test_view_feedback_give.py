"""`/sessions/<pk>/feedback/`: an attendee gives or changes their feedback for a week."""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from feedback import services
from feedback.models import SessionFeedback
from tests import factories
from tests.access import access, assert_sign_in_first
from tests.factories.attendance import AttendanceFactory, HeldSessionFactory
from tests.factories.feedback import SessionFeedbackFactory, attendee
from tests.factories.sessions import DUBLIN, NOW, SessionFactory

ANSWER = {
    "safe_to_speak": "4",
    "stayed_on_relationship": "5",
    "useful_for_practice": "3",
    "comment": "A good space to think.",
}


pytestmark = pytest.mark.usefixtures("frozen_now")


@pytest.fixture
def session(group):
    return HeldSessionFactory(group=group)


@pytest.fixture
def member(session):
    return attendee(session)


def url(session):
    return f"/sessions/{session.pk}/feedback/"


def test_anonymous_is_sent_to_sign_in(client, session):
    assert_sign_in_first(client, url(session))


@pytest.mark.parametrize(
    ("role", "status"),
    access(
        member=200,
        trainee=403,  # in the group, but no register record
        leader=403,
        organiser=403,
    ),
)
def test_access_by_role(session, status, signed_in):
    assert signed_in.get(url(session)).status_code == status


@pytest.mark.parametrize(
    ("status", "code"), [("present", 200), ("late", 200), ("apologies", 403), ("absent", 403)]
)
def test_only_those_present_or_late_may_answer(client, session, status, code):
    person = attendee(session, status=status)
    client.force_login(person)

    assert client.get(url(session)).status_code == code
    assert client.post(url(session), ANSWER).status_code == (302 if code == 200 else 403)
    assert SessionFeedback.objects.filter(person=person).exists() == (code == 200)


def test_a_leader_who_attended_does_not_answer(client, session, leader):
    AttendanceFactory(session=session, person=leader, role="leader")
    client.force_login(leader)
    assert client.get(url(session)).status_code == 403


def test_a_session_not_held_takes_no_feedback(client, group):
    session = SessionFactory(group=group, slot_date=NOW.date() - timedelta(days=5))
    person = attendee(session)
    client.force_login(person)
    assert client.get(url(session)).status_code == 403


def test_saving_stores_one_answer_and_says_until_when(client, session, member):
    client.force_login(member)

    response = client.post(url(session), ANSWER, follow=True)

    feedback = SessionFeedback.objects.get(session=session, person=member)
    assert (
        feedback.safe_to_speak,
        feedback.stayed_on_relationship,
        feedback.useful_for_practice,
    ) == (
        4,
        5,
        3,
    )
    assert feedback.comment == "A good space to think."
    assert response.redirect_chain == [("/feedback/", 302)]
    # The session ended at 10:00 on 25 February: the answer can change for a week.
    assert "You can change it until 4 March, 10:00." in response.content.decode()


def test_answering_again_changes_the_one_answer(client, session, member):
    client.force_login(member)
    client.post(url(session), ANSWER)

    response = client.get(url(session))
    assert response.context["title"] == "Change your feedback"
    assert response.context["form"].initial["stayed_on_relationship"] == 5

    client.post(url(session), {**ANSWER, "safe_to_speak": "2", "comment": ""})
    feedback = SessionFeedback.objects.get(session=session, person=member)
    assert (feedback.safe_to_speak, feedback.comment) == (2, "")
    assert SessionFeedback.objects.filter(session=session).count() == 1


def test_the_service_keeps_one_answer_per_person(session, member):
    for value in (1, 5):
        services.feedback_save(
            actor=member,
            session=session,
            safe_to_speak=value,
            stayed_on_relationship=value,
            useful_for_practice=value,
        )
    assert list(SessionFeedback.objects.values_list("person", "safe_to_speak")) == [(member.pk, 5)]


def test_the_week_ends_seven_days_after_the_session(client, session, member):
    client.force_login(member)
    closes = session.ends_at + timedelta(days=7)

    with time_machine.travel(closes - timedelta(minutes=1), tick=False):
        assert client.get(url(session)).status_code == 200
    with time_machine.travel(closes, tick=False):
        assert client.get(url(session)).status_code == 403
        assert client.post(url(session), ANSWER).status_code == 403
    assert not SessionFeedback.objects.exists()


def test_after_the_week_the_service_refuses_too(session, member):
    later = datetime(2026, 3, 5, 12, 0, tzinfo=DUBLIN)
    with time_machine.travel(later, tick=False), pytest.raises(PermissionDenied):
        services.feedback_save(
            actor=member,
            session=session,
            safe_to_speak=3,
            stayed_on_relationship=3,
            useful_for_practice=3,
        )


def test_a_trainee_never_sees_anyone_elses_answer(client, session, member):
    other = SessionFeedbackFactory(
        session=session, person=attendee(session), safe_to_speak=1, comment="Someone else's words"
    )
    client.force_login(member)

    response = client.get(url(session))

    assert response.context["form"].initial == {}
    content = response.content.decode()
    assert other.comment not in content
    assert "checked" not in content


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({**ANSWER, "safe_to_speak": "6"}, "safe_to_speak"),
        ({**ANSWER, "useful_for_practice": ""}, "useful_for_practice"),
        ({**ANSWER, "comment": "Mrs Murphy was hard to discuss"}, "comment"),
        ({**ANSWER, "comment": "x" * 301}, "comment"),
    ],
)
def test_invalid_answers_are_refused(client, session, member, data, field):
    client.force_login(member)

    response = client.post(url(session), data)

    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not SessionFeedback.objects.exists()


def test_the_comment_guard_names_what_it_refused(client, session, member):
    client.force_login(member)
    response = client.post(url(session), {**ANSWER, "comment": "the one with DOB 1980-03-12"})
    assert "“DOB” looks like a date of birth" in response.content.decode()


def test_the_service_refuses_an_identifier_in_the_comment(session, member):
    with pytest.raises(ValidationError) as caught:
        services.feedback_save(
            actor=member,
            session=session,
            safe_to_speak=3,
            stayed_on_relationship=3,
            useful_for_practice=3,
            comment="MRN 123456",
        )
    assert "comment" in caught.value.message_dict


def test_another_schemes_session_is_not_found(client, member):
    elsewhere = HeldSessionFactory(group=factories.GroupFactory())
    client.force_login(member)
    assert client.get(url(elsewhere)).status_code == 404

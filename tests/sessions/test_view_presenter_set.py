"""`/sessions/<pk>/presenter/`: a leader sets or clears a session's presenter by hand."""

from datetime import date

import pytest

from tests import factories
from tests.access import access, assert_sign_in_first
from tests.factories.sessions import SessionFactory

pytestmark = pytest.mark.usefixtures("frozen_now")


@pytest.fixture
def session(group):
    return SessionFactory(group=group, slot_date=date(2026, 3, 18))


def url(session):
    return f"/sessions/{session.pk}/presenter/"


def presenter_of(session):
    session.refresh_from_db()
    return session.presenter


def test_anonymous_is_sent_to_sign_in(client, session, trainee):
    assert_sign_in_first(client, url(session), method="post", data={"presenter": trainee.pk})
    assert presenter_of(session) is None


@pytest.mark.parametrize(("role", "status"), access(trainee=403, leader=302, organiser=302))
def test_access_by_role(session, trainee, status, signed_in):
    response = signed_in.post(url(session), {"presenter": trainee.pk})

    assert response.status_code == status
    assert presenter_of(session) == (trainee if status == 302 else None)


def test_setting_needs_a_post(client, session, leader):
    client.force_login(leader)
    assert client.get(url(session)).status_code == 405


def test_a_leader_sets_and_clears_the_presenter(client, group, session, leader, trainee):
    client.force_login(leader)

    response = client.post(url(session), {"presenter": trainee.pk})
    assert response["Location"] == f"/groups/{group.pk}/sessions/"
    assert presenter_of(session) == trainee

    client.post(url(session), {"presenter": ""})
    assert presenter_of(session) is None


def test_only_members_can_be_chosen(client, session, leader, other_group):
    outsider = factories.MembershipFactory(group=other_group).person
    client.force_login(leader)

    for person in (leader, outsider):
        response = client.post(url(session), {"presenter": person.pk}, follow=True)
        assert "Choose a member of the group." in response.content.decode()
        assert presenter_of(session) is None


def test_a_member_who_has_left_by_then_is_refused(client, group, session, leader):
    leaving = factories.MembershipFactory(
        group=group, start_date=date(2026, 1, 5), end_date=date(2026, 3, 10)
    ).person
    client.force_login(leader)

    response = client.post(url(session), {"presenter": leaving.pk}, follow=True)

    assert f"{leaving.full_name} is not a member of {group.name} then." in response.content.decode()
    assert presenter_of(session) is None

"""`/groups/<pk>/rota/assign/`: a leader fills the rota, or rebuilds the future rota."""

from collections import Counter

import pytest

from sessions.rota import services
from tests import factories
from tests.access import access, assert_sign_in_first
from tests.factories.sessions import SessionFactory, wednesdays

pytestmark = pytest.mark.usefixtures("frozen_now")


@pytest.fixture
def sessions(group, trainee):
    return [SessionFactory(group=group, slot_date=when) for when in wednesdays(4)]


def url(group):
    return f"/groups/{group.pk}/rota/assign/"


def presenters(group):
    return list(group.sessions.values_list("presenter_id", flat=True))


def test_anonymous_is_sent_to_sign_in(client, group, sessions):
    assert_sign_in_first(client, url(group), method="post")
    assert presenters(group) == [None] * 4


@pytest.mark.parametrize(("role", "status"), access(trainee=403, leader=302, organiser=302))
def test_access_by_role(group, sessions, trainee, status, signed_in):
    response = signed_in.post(url(group))

    assert response.status_code == status
    assigned = status == 302
    assert presenters(group) == ([trainee.pk] * 4 if assigned else [None] * 4)


def test_assign_needs_a_post(client, group, sessions, leader):
    client.force_login(leader)
    assert client.get(url(group)).status_code == 405
    assert presenters(group) == [None] * 4


def test_assigning_fills_the_gaps_and_says_how_many(client, group, sessions, leader):
    colleague = factories.MembershipFactory(group=group).person
    services.presenter_set(actor=leader, session=sessions[0], presenter=colleague)
    client.force_login(leader)

    response = client.post(url(group), follow=True)

    assert response.redirect_chain == [(f"/groups/{group.pk}/sessions/", 302)]
    assert "Presenters assigned to 3 sessions." in response.content.decode()
    assert presenters(group)[0] == colleague.pk
    assert None not in presenters(group)


def test_assigning_again_changes_nothing(client, group, sessions, leader):
    factories.MembershipFactory(group=group)
    client.force_login(leader)
    client.post(url(group))
    before = presenters(group)

    response = client.post(url(group), follow=True)

    assert presenters(group) == before
    assert "No session needed a presenter" in response.content.decode()


def test_rebuild_replans_the_future_rota(client, group, sessions, leader, trainee):
    colleague = factories.MembershipFactory(group=group).person
    for session in sessions:
        services.presenter_set(actor=leader, session=session, presenter=trainee)
    client.force_login(leader)

    client.post(url(group))
    assert presenters(group) == [trainee.pk] * 4

    client.post(url(group), {"rebuild": "1"})
    assert Counter(presenters(group)) == {trainee.pk: 2, colleague.pk: 2}

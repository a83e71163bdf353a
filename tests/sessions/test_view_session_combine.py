"""`/sessions/<pk>/combine/` and `/sessions/<pk>/separate/`: a leader combines a
shrunken session with another group's on the same date, and separates them again."""

import pytest

from sessions.models import Session
from tests.access import GROUP_LEADERS_AND_ORGANISERS, access, assert_sign_in_first
from tests.factories.sessions import SessionFactory, wednesdays

pytestmark = pytest.mark.usefixtures("frozen_now")
DAY = wednesdays(1)[0]


@pytest.fixture
def own(group):
    return SessionFactory(group=group, slot_date=DAY)


@pytest.fixture
def host(other_group):
    return SessionFactory(group=other_group, slot_date=DAY)


def test_anonymous_is_sent_to_sign_in(client, own):
    assert_sign_in_first(client, f"/sessions/{own.pk}/combine/")


@pytest.mark.parametrize(("role", "status"), GROUP_LEADERS_AND_ORGANISERS)
def test_the_groups_leaders_and_organisers_open_the_page(own, host, role, status, signed_in):
    response = signed_in.get(f"/sessions/{own.pk}/combine/")

    assert response.status_code == status
    if status == 200:
        assert host.group.name in response.content.decode()


@pytest.mark.parametrize(("role", "status"), access(trainee=403, leader=302, organiser=302))
def test_the_groups_leaders_and_organisers_combine(own, host, role, status, signed_in):
    response = signed_in.post(f"/sessions/{own.pk}/combine/", {"host": host.pk})

    assert response.status_code == status
    assert (Session.objects.get(pk=own.pk).combined_into == host) == (status == 302)


def test_combined_the_sessions_page_says_so_and_offers_to_separate(client, leader, own, host):
    client.force_login(leader)
    response = client.post(f"/sessions/{own.pk}/combine/", {"host": host.pk}, follow=True)

    page = response.content.decode()
    assert f"Meets with {host.group.name}" in page
    assert f"/sessions/{own.pk}/separate/" in page

    client.post(f"/sessions/{own.pk}/separate/")
    assert Session.objects.get(pk=own.pk).combined_into is None


def test_no_session_on_that_date_says_what_else_to_do(client, leader, own):
    client.force_login(leader)

    page = client.get(f"/sessions/{own.pk}/combine/").content.decode()

    assert "No other group of the scheme meets on that date" in page
    assert "accept guests" in page


def test_a_session_outside_the_choice_is_refused(client, leader, own, other_group):
    later = SessionFactory(group=other_group, slot_date=wednesdays(2)[1])
    client.force_login(leader)

    response = client.post(f"/sessions/{own.pk}/combine/", {"host": later.pk})

    assert "Choose a session to meet with." in response.content.decode()
    assert Session.objects.get(pk=own.pk).combined_into is None


def test_the_hosts_sessions_page_expects_the_combined_group_too(
    client, leader, trainee, own, host, other_group_leader
):
    client.force_login(leader)
    client.post(f"/sessions/{own.pk}/combine/", {"host": host.pk})
    client.force_login(other_group_leader)

    page = client.get(f"/groups/{host.group_id}/sessions/").content.decode()

    assert "1 of 1" in page  # the combined group's trainee; the host group has no members

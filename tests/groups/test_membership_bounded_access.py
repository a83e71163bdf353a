"""Membership-bounded access to a group (issue 19, point 2): `/groups/<pk>/` and the group's
leader pages. Its people are read only while a membership is current: a former member is
told when theirs ended, with links to their own history; someone joining later is
welcomed with their start date and first session, and reads the group from that day.

Sessions, the calendar feed and feedback: tests/sessions/test_membership_bounded_sessions.py.
"""

from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from groups import permissions
from groups.models import Membership
from sessions import services as session_services
from tests import factories
from tests.access import access
from tests.factories.sessions import SessionFactory
from tests.groups.bounded import (
    FIRST_DAY,
    FORMER_END,
    FORMER_START,
    FUTURE_START,
    former_member,
    future_member,
    morning,
    upcoming_sessions,
)

pytestmark = pytest.mark.usefixtures("frozen_now")


@pytest.fixture
def former(group):
    return former_member(group)


@pytest.fixture
def future(group):
    return future_member(group)


def url(group):
    return f"/groups/{group.pk}/"


def reads_members(response, *people) -> bool:
    """Whether the page shows the group's member list, with each of `people` on it."""
    content = response.content.decode()
    return "Current members" in content and all(p.full_name in content for p in people)


# Another scheme's organiser, another group's leader, a stranger: 404, as before.
@pytest.mark.parametrize(
    ("role", "status"), access(trainee=200, leader=200, organiser=200, former=200, future=200)
)
def test_the_group_page_is_found_by_everyone_who_ever_belonged(group, status, signed_in):
    assert signed_in.get(url(group)).status_code == status


@pytest.mark.parametrize(
    ("role", "reads"),
    [
        ("trainee", True),
        ("leader", True),
        ("organiser", True),
        ("former", False),
        ("future", False),
    ],
)
def test_only_current_members_and_organisers_read_the_members(
    group, trainee, leader, reads, signed_in
):
    assert reads_members(signed_in.get(url(group)), trainee, leader) is reads


def test_a_former_member_is_told_when_it_ended_with_links_to_their_own_history(
    client, group, trainee, former
):
    client.force_login(former)
    response = client.get(url(group))

    content = response.content.decode()
    assert f"Your membership of {group.name} ended on Sunday 1 March 2026." in content
    for own in ("/progress/", "/feedback/", "/my-data/"):
        assert f'href="{own}"' in content
    assert trainee.full_name not in content
    assert f"/groups/{group.pk}/sessions/" not in content
    assert 'id="welcome"' not in content
    assert not reads_members(response)


def test_a_former_leader_is_also_pointed_to_their_leading_log(client, group):
    former = factories.LeaderFactory(group=group, start_date=FORMER_START, end_date=FORMER_END)
    client.force_login(former.person)

    assert 'href="/leading/"' in client.get(url(group)).content.decode()


def test_someone_joining_is_welcomed_with_the_first_session_not_the_members(
    client, group, trainee, future, leader
):
    _, on_the_start_day = upcoming_sessions(group)
    session_services.session_cancel(actor=leader, session=on_the_start_day, reason="Leader away")
    first = SessionFactory(group=group, slot_date=FIRST_DAY + timedelta(weeks=1))
    client.force_login(future)

    response = client.get(url(group))

    content = response.content.decode()
    assert "You join on Wednesday 11 March 2026:" in content
    assert f"your first session is on <strong>{first.slot_date:%A %-d %B %Y}</strong>" in content
    assert not reads_members(response, trainee)


def test_a_welcome_before_any_session_is_planned(client, group, future):
    client.force_login(future)
    assert "not planned yet" in client.get(url(group)).content.decode()


def test_the_day_after_the_membership_ends_the_page_changes_no_page_cache_in_between(
    client, group, trainee, former, frozen_now
):
    """The same signed-in browser, the page asked on the last day and the next: nothing
    may serve the earlier page (no page cache remains: balint/pagecache.py was retired)."""
    assert not [m for m in settings.MIDDLEWARE if "cache" in m.lower()]
    client.force_login(former)

    frozen_now.move_to(morning(FORMER_END))
    assert reads_members(client.get(url(group)), trainee)

    frozen_now.move_to(morning(FORMER_END + timedelta(days=1)))
    response = client.get(url(group))
    assert not reads_members(response, trainee)
    assert 'id="membership-ended"' in response.content.decode()


def test_someone_joining_reads_the_group_from_their_start_day(
    client, group, trainee, future, frozen_now
):
    client.force_login(future)

    frozen_now.move_to(morning(FUTURE_START - timedelta(days=1)))
    assert not reads_members(client.get(url(group)), trainee)

    frozen_now.move_to(morning(FUTURE_START))
    response = client.get(url(group))
    assert reads_members(response, trainee, future)
    assert 'id="welcome"' not in response.content.decode()


def test_rejoining_later_is_a_welcome_not_a_goodbye(client, group, former):
    factories.MembershipFactory(group=group, person=former, start_date=FUTURE_START)
    client.force_login(former)

    content = client.get(url(group)).content.decode()

    assert 'id="welcome"' in content and 'id="membership-ended"' not in content


# --- The leaders' pages follow the leading membership -------------------------------------


def sessions_url(group):
    return f"/groups/{group.pk}/sessions/"


def test_a_leader_leads_until_the_end_day_and_no_longer_finds_the_group_after(
    client, group, frozen_now
):
    leader = factories.LeaderFactory(group=group, end_date=FORMER_END).person
    client.force_login(leader)

    frozen_now.move_to(morning(FORMER_END))
    assert client.get(sessions_url(group)).status_code == 200
    frozen_now.move_to(morning(FORMER_END + timedelta(days=1)))
    assert client.get(sessions_url(group)).status_code == 404


def test_a_new_leader_leads_from_the_start_day(client, group, frozen_now):
    leader = factories.LeaderFactory(group=group, start_date=FUTURE_START).person
    client.force_login(leader)

    assert client.get(sessions_url(group)).status_code == 404
    frozen_now.move_to(morning(FUTURE_START))
    assert client.get(sessions_url(group)).status_code == 200


def test_the_organiser_needs_no_membership(client, group, organiser):
    client.force_login(organiser)
    assert client.get(sessions_url(group)).status_code == 200


# --- Scopes ----------------------------------------------------------------------------------


def test_the_scopes_of_former_and_future_members(group, former, future):
    for person in (former, future):
        assert not permissions.groups_visible_to(person).exists()
        assert list(permissions.groups_known_to(person)) == [group]
    assert list(permissions.groups_visible_to(future, FUTURE_START)) == [group]
    assert list(permissions.groups_visible_to(former, FORMER_END)) == [group]


def test_standing_reads_no_database(group, former, future, django_assert_num_queries):
    memberships = list(group.memberships.all())
    with django_assert_num_queries(0):
        left = permissions.place_in_group(former, memberships, FUTURE_START, organiser=False)
        joining = permissions.place_in_group(future, memberships, FORMER_END, organiser=False)
        organising = permissions.place_in_group(former, memberships, FUTURE_START, organiser=True)
    assert (left.reads_group, left.ended.end_date, left.joining) == (False, FORMER_END, None)
    assert (joining.reads_group, joining.joining.start_date) == (False, FUTURE_START)
    assert organising.reads_group


# --- Queries -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["trainee", "former", "future"])
def test_the_page_runs_the_same_queries_whatever_the_group_size(
    client, group, request, role, django_assert_max_num_queries
):
    upcoming_sessions(group)
    client.force_login(request.getfixturevalue(role))
    client.get(url(group))  # the session and user are read once per browser
    with CaptureQueriesContext(connection) as few:
        client.get(url(group))
    for _ in range(12):
        factories.MembershipFactory(group=group)
        factories.MembershipFactory(group=group, role=Membership.Role.MEMBER, end_date=FORMER_END)

    with django_assert_max_num_queries(len(few)):
        client.get(url(group))


def test_a_former_or_future_member_costs_no_more_than_a_member(
    client, group, trainee, former, future
):
    upcoming_sessions(group)
    counts = {}
    for person in (trainee, former, future):
        client.force_login(person)
        client.get(url(group))
        with CaptureQueriesContext(connection) as queries:
            client.get(url(group))
        counts[person] = len(queries)
    assert counts[former] <= counts[trainee] and counts[future] <= counts[trainee]

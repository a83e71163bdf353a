"""`/groups/<pk>/sessions/`: a leader's view of upcoming sessions and expected attendance."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from groups.models import Membership
from sessions import services
from tests import factories
from tests.access import GROUP_LEADERS_AND_ORGANISERS, assert_sign_in_first
from tests.factories.sessions import LeaveFactory, SessionFactory, wednesdays

pytestmark = pytest.mark.usefixtures("frozen_now")


def url(group):
    return f"/groups/{group.pk}/sessions/"


def test_anonymous_is_sent_to_sign_in(client, group):
    assert_sign_in_first(client, url(group))


@pytest.mark.parametrize(("role", "status"), GROUP_LEADERS_AND_ORGANISERS)
def test_access_by_role(group, status, signed_in):
    assert signed_in.get(url(group)).status_code == status


def test_a_co_leader_may_see_it_but_a_former_leader_may_not(client, group):
    co_leader = factories.LeaderFactory(group=group, role=Membership.Role.CO_LEADER).person
    former = factories.LeaderFactory(
        group=group, start_date=date(2025, 9, 1), end_date=date(2026, 2, 28)
    ).person

    client.force_login(co_leader)
    assert client.get(url(group)).status_code == 200
    client.force_login(former)  # membership-bounded: the group is no longer theirs to find
    assert client.get(url(group)).status_code == 404


def test_lists_upcoming_scheduled_sessions_with_their_presenter(client, group, leader, trainee):
    SessionFactory(group=group, slot_date=date(2026, 2, 25))
    first, second, third = (SessionFactory(group=group, slot_date=d) for d in wednesdays(3))
    services.presenter_set(actor=leader, session=first, presenter=trainee)
    services.session_cancel(actor=leader, session=third, reason="Leader away")
    client.force_login(leader)

    response = client.get(url(group))

    assert [row.session for row in response.context["rows"]] == [first, second]
    assert response.context["members"] == [trainee]
    content = response.content.decode()
    assert f'<option value="{trainee.pk}" selected>' in content
    assert "Wed 4 Mar 2026" in content


def test_links_to_the_presenter_rota_with_its_counts_and_offers(client, group, leader):
    client.force_login(leader)

    content = client.get(url(group)).content.decode()

    assert f'<a href="/groups/{group.pk}/rota/">Presenter rota</a>' in content


def test_expected_attendance_is_members_minus_leave(client, group, leader):
    min_size = 3
    group.min_members = min_size
    group.save()
    days = wednesdays(3)
    staying = [factories.MembershipFactory(group=group).person for _ in range(3)]
    factories.MembershipFactory(group=group, start_date=date(2026, 1, 5), end_date=days[1])
    LeaveFactory(person=staying[0], start_date=days[0], end_date=days[0])
    LeaveFactory(person=staying[1], start_date=days[2] - timedelta(days=3), end_date=days[2])
    for when in days:
        SessionFactory(group=group, slot_date=when)
    client.force_login(leader)

    rows = client.get(url(group)).context["rows"]

    assert [(len(r.members), r.expected) for r in rows] == [(4, 3), (4, 4), (3, 2)]
    assert [r.on_leave for r in rows] == [[staying[0]], [], [staying[1]]]
    assert [r.below_minimum for r in rows] == [False, False, True]


def test_a_session_below_the_minimum_is_flagged(client, group, leader):
    members = [factories.MembershipFactory(group=group).person for _ in range(6)]
    first, second = wednesdays(2)
    LeaveFactory(person=members[0], start_date=second, end_date=second)
    LeaveFactory(person=members[1], start_date=second, end_date=second, kind="study")
    SessionFactory(group=group, slot_date=first)
    SessionFactory(group=group, slot_date=second)
    client.force_login(leader)

    content = client.get(url(group)).content.decode()

    assert content.count("Below minimum of 6") == 1
    assert content.count('class="table-warning"') == 1
    assert "4 of 6" in content
    assert "6 of 6" in content
    apologies = content.split("Apologies: ", 1)[1].split("</span>", 1)[0]
    assert set(apologies.split(", ")) == {members[0].full_name, members[1].full_name}


def test_a_session_combined_into_another_groups_is_not_flagged_below_the_minimum(
    client, group, other_group, leader
):
    factories.MembershipFactory.create_batch(2, group=group)  # far below its minimum of 6
    day = wednesdays(1)[0]
    host = SessionFactory(group=other_group, slot_date=day)
    SessionFactory(group=group, slot_date=day, combined_into=host)
    client.force_login(leader)

    content = client.get(url(group)).content.decode()

    assert f"Meets with {other_group.name}" in content
    assert "Below minimum" not in content
    assert 'class="table-warning"' not in content


def test_another_groups_sessions_are_not_listed(client, group, leader, other_group):
    SessionFactory(group=other_group)
    client.force_login(leader)
    response = client.get(url(group))
    assert response.context["rows"] == []
    assert "No upcoming sessions." in response.content.decode()


def test_a_fixed_number_of_queries_whatever_the_number_of_sessions(
    client, group, leader, django_assert_num_queries
):
    members = [factories.MembershipFactory(group=group).person for _ in range(4)]
    factories.MembershipFactory(group=group, start_date=date(2026, 1, 5), end_date=date(2026, 4, 1))
    factories.LeaderFactory(group=group, role=Membership.Role.CO_LEADER)
    client.force_login(leader)

    def add_sessions(count, first):
        for i in range(count):
            when = first + timedelta(weeks=i)
            SessionFactory(group=group, slot_date=when, presenter=members[i % 4])
            LeaveFactory(person=members[(i + 1) % 4], start_date=when, end_date=when)

    add_sessions(3, date(2026, 3, 4))
    with CaptureQueriesContext(connection) as few:
        assert len(client.get(url(group)).context["rows"]) == 3

    add_sessions(16, date(2026, 3, 25))
    with django_assert_num_queries(len(few)):
        assert len(client.get(url(group)).context["rows"]) == 19

    add_sessions(11, date(2026, 7, 15))
    with django_assert_num_queries(len(few)):
        assert len(client.get(url(group)).context["rows"]) == 20  # a page of 30


def test_the_organiser_query_count_is_fixed_too(
    client, group, organiser, django_assert_num_queries
):
    member = factories.MembershipFactory(group=group).person
    client.force_login(organiser)
    SessionFactory(group=group, slot_date=date(2026, 3, 4), presenter=member)
    with CaptureQueriesContext(connection) as few:
        client.get(url(group))

    for when in wednesdays(12, first=date(2026, 3, 11)):
        SessionFactory(group=group, slot_date=when, presenter=member)
    with django_assert_num_queries(len(few)):
        client.get(url(group))


# --- On-call clashes ------------------------------------------------------------------------


def _on_call(person, day):
    from tests.factories.rosters import OnCallShiftFactory, dublin

    return OnCallShiftFactory(
        source__person=person,
        person=person,
        starts_at=dublin(day.year, day.month, day.day, 8),
        ends_at=dublin(day.year, day.month, day.day, 20),
    )


def test_who_is_on_call_shows_and_counts_as_away(client, group, leader):
    members = [factories.MembershipFactory(group=group).person for _ in range(3)]
    first, second = wednesdays(2)
    _on_call(members[0], first)
    _on_call(members[1], first)
    LeaveFactory(person=members[1], start_date=first, end_date=first)  # away once, not twice
    SessionFactory(group=group, slot_date=first)
    SessionFactory(group=group, slot_date=second)
    services.clashes_recompute()
    client.force_login(leader)

    response = client.get(url(group))

    rows = response.context["rows"]
    assert [(r.expected, sorted(p.pk for p in r.on_call)) for r in rows] == [
        (1, sorted([members[0].pk, members[1].pk])),
        (3, []),
    ]
    content = response.content.decode()
    assert "1 of 3" in content
    on_call = content.split("On call: ", 1)[1].split("</span>", 1)[0]
    assert set(on_call.split(", ")) == {members[0].full_name, members[1].full_name}


def test_a_fixed_number_of_queries_with_clashes_too(
    client, group, leader, django_assert_num_queries
):
    members = [factories.MembershipFactory(group=group).person for _ in range(4)]
    client.force_login(leader)

    def add_sessions(count, first):
        for i in range(count):
            when = first + timedelta(weeks=i)
            SessionFactory(group=group, slot_date=when, presenter=members[i % 4])
            _on_call(members[(i + 1) % 4], when)
            _on_call(members[(i + 2) % 4], when)
            LeaveFactory(person=members[(i + 3) % 4], start_date=when, end_date=when)
        services.clashes_recompute()

    add_sessions(2, date(2026, 3, 4))
    with CaptureQueriesContext(connection) as few:
        rows = client.get(url(group)).context["rows"]
    assert [r.expected for r in rows] == [1, 1]

    add_sessions(18, date(2026, 3, 18))
    with django_assert_num_queries(len(few)):
        rows = client.get(url(group)).context["rows"]
    assert len(rows) == 20
    assert all(len(r.on_call) == 2 for r in rows)


def test_a_past_session_combined_into_another_groups_opens_the_hosts_register(
    client, group, other_group, leader, django_assert_num_queries
):
    def combine(day):
        host = SessionFactory(group=other_group, slot_date=day)
        return host, SessionFactory(group=group, slot_date=day, combined_into=host)

    host, combined = combine(date(2026, 2, 25))
    own = SessionFactory(group=group, slot_date=date(2026, 2, 18))
    client.force_login(leader)

    with CaptureQueriesContext(connection) as one:
        content = client.get(url(group)).content.decode()

    assert f"Met with {other_group.name}" in content
    assert f'href="/sessions/{host.pk}/register/">Open that register' in content
    assert f'href="/sessions/{combined.pk}/register/"' not in content
    # Its own past session still waits for its register.
    assert f'href="/sessions/{own.pk}/register/">Take register' in content
    combine(date(2026, 2, 11))
    combine(date(2026, 2, 4))
    with django_assert_num_queries(len(one)):  # each host's group read with the sessions
        assert client.get(url(group)).content.decode().count("Open that register") == 3

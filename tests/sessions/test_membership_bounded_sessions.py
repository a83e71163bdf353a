"""Membership-bounded access to sessions (issue 19, point 2): a session's file, the calendar
feed, My rota, feedback and the register. A group's sessions are read while a membership is
current; after it ends its holder keeps their own (dated within it) and nothing later;
someone joining later reads none before their start date.

The group's page: tests/groups/test_membership_bounded_access.py.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from icalendar import Calendar

from sessions import services
from sessions.models import Session
from tests import factories
from tests.access import access
from tests.factories.attendance import AttendanceFactory
from tests.factories.sessions import SessionFactory
from tests.groups.bounded import (
    FORMER_END,
    FUTURE_START,
    former_member,
    future_member,
    morning,
    own_session,
    upcoming_sessions,
)

pytestmark = pytest.mark.usefixtures("frozen_now")


@pytest.fixture
def former(group):
    return former_member(group)


@pytest.fixture
def future(group):
    return future_member(group)


@pytest.fixture
def own(group, former):
    return own_session(group, former)


@pytest.fixture
def upcoming(group):
    """(the group's next session, 4 March; the future member's first, 11 March)"""
    return upcoming_sessions(group)


def ics_url(session):
    return f"/sessions/{session.pk}.ics"


# --- A session's file ---------------------------------------------------------------------


# Another scheme's organiser, another group's leader, a stranger: 404.
@pytest.mark.parametrize(
    ("role", "status"), access(trainee=200, leader=200, organiser=200, former=404, future=404)
)
def test_the_groups_next_session_by_role(upcoming, former, future, status, signed_in):
    assert signed_in.get(ics_url(upcoming[0])).status_code == status


def test_a_former_member_keeps_their_own_past_session(client, own, former):
    client.force_login(former)
    assert client.get(ics_url(own)).status_code == 200


def test_the_session_after_the_end_is_gone_the_next_day(client, upcoming, former, frozen_now):
    client.force_login(former)
    frozen_now.move_to(morning(FORMER_END))
    assert client.get(ics_url(upcoming[0])).status_code == 200
    frozen_now.move_to(morning(FORMER_END + timedelta(days=1)))
    assert client.get(ics_url(upcoming[0])).status_code == 404


def test_someone_joining_reads_their_first_session_from_the_start_day(
    client, upcoming, future, frozen_now
):
    client.force_login(future)
    assert client.get(ics_url(upcoming[1])).status_code == 404
    frozen_now.move_to(morning(FUTURE_START))
    assert client.get(ics_url(upcoming[1])).status_code == 200


def test_a_date_someone_presents_is_theirs_before_they_start(client, upcoming, future):
    """Planned ahead by the rota: they can put it in their diary, or ask to swap it."""
    first = upcoming[1]
    first.presenter = future
    first.save()
    client.force_login(future)

    assert client.get(ics_url(first)).status_code == 200
    assert client.get(f"/sessions/{first.pk}/swap/").status_code == 200


# --- The calendar feed -------------------------------------------------------------------


def feed(client, person) -> set[Session]:
    response = client.get(f"/calendar/{services.calendar_token_for(person).token}.ics")
    assert response.status_code == 200
    uids = {str(e["UID"]) for e in Calendar.from_ical(response.content).walk("VEVENT")}
    return {s for s in Session.objects.all() if f"balint-session-{s.pk}@127.0.0.1" in uids}


def test_a_former_members_feed_holds_their_own_sessions_only(client, own, upcoming, former):
    assert feed(client, former) == {own}


def test_a_feed_holds_a_new_membership_from_its_start_day(client, upcoming, future, frozen_now):
    later = SessionFactory(group=upcoming[0].group, slot_date=FUTURE_START + timedelta(weeks=1))
    assert feed(client, future) == set()
    frozen_now.move_to(morning(FUTURE_START))
    assert feed(client, future) == {upcoming[1], later}


def test_the_feed_costs_the_same_for_a_former_member(client, own, upcoming, former, trainee):
    def queries(person):
        with CaptureQueriesContext(connection) as captured:
            feed(client, person)
        return len([q for q in captured if "calendartoken" not in q["sql"].lower()])

    assert queries(former) == queries(trainee)


# --- My rota ----------------------------------------------------------------------------------


def test_my_rota_lists_the_new_groups_sessions_from_the_start_day(
    client, upcoming, future, frozen_now
):
    client.force_login(future)
    assert list(client.get("/rota/").context["sessions"]) == []
    frozen_now.move_to(morning(FUTURE_START))
    assert list(client.get("/rota/").context["sessions"]) == [upcoming[1]]


def test_my_rota_stops_at_the_end_of_a_membership(client, upcoming, former, frozen_now):
    client.force_login(former)
    frozen_now.move_to(morning(FORMER_END))
    assert list(client.get("/rota/").context["sessions"]) == []  # none left before the end


# --- Feedback: for sessions within their membership only --------------------------------------


def feedback_url(session):
    return f"/sessions/{session.pk}/feedback/"


@pytest.mark.parametrize(
    ("role", "status"), access(former=200, trainee=403, organiser=403, leader=403)
)
def test_a_former_member_gives_feedback_on_their_last_session_after_leaving(own, status, signed_in):
    assert signed_in.get(feedback_url(own)).status_code == status


def test_no_feedback_on_a_session_after_they_left(client, group, former, frozen_now):
    later = SessionFactory(group=group, slot_date=FORMER_END + timedelta(days=3))
    later.status = Session.Status.HELD
    later.save()
    AttendanceFactory(session=later, person=former)  # a mark made in error
    frozen_now.move_to(morning(FORMER_END + timedelta(days=4)))
    client.force_login(former)

    assert client.get(feedback_url(later)).status_code == 404


def test_a_current_member_gives_none_on_a_session_outside_their_membership(
    client, group, own, former
):
    """Rejoined since; a mark survives from a session between the two memberships."""
    factories.MembershipFactory(
        group=group, person=former, start_date=FORMER_END + timedelta(days=1)
    )
    between = own  # re-dated into the gap: the first membership ends before it
    membership = former.memberships.get(end_date=FORMER_END)
    membership.end_date = between.slot_date - timedelta(days=1)
    membership.save()
    client.force_login(former)

    assert client.get(feedback_url(between)).status_code == 403
    assert client.get("/feedback/").context["rows"] == []


# --- The register: the leaders' page follows the leading membership ---------------------------


def test_a_former_leader_finds_only_the_registers_of_their_own_term(client, group, own, upcoming):
    leader = factories.LeaderFactory(
        group=group, start_date=own.slot_date - timedelta(weeks=4), end_date=FORMER_END
    ).person
    client.force_login(leader)

    assert client.get(f"/sessions/{own.pk}/register/").status_code == 403  # theirs, not now
    assert client.get(f"/sessions/{upcoming[0].pk}/register/").status_code == 404

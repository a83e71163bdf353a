"""The early warning of a session expected below its group's minimum (issue 19): who is
told, when, and that they are told once (sessions/schedule/below_minimum.py).

"Now" is Monday 2 March 2026, 10:00 Dublin; the group meets on Wednesdays at 09:00 and
needs three members; the scheme warns 7 days ahead unless a test says otherwise.
"""

from datetime import date, time, timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from balint.models import OutboundEmail
from groups.models import Membership
from sessions import services
from sessions.models import SchemeSettings, Session
from sessions.schedule import below_minimum
from sessions.schedule.below_minimum import below_minimum_warnings_queue, sessions_below_minimum
from sessions.tasks import warn_below_minimum
from tests import factories
from tests.factories.rosters import ClashFactory
from tests.factories.sessions import FIRST_WEDNESDAY, NOW, LeaveFactory, SessionFactory

pytestmark = pytest.mark.usefixtures("frozen_now")

NEXT_WEEK = FIRST_WEDNESDAY + timedelta(weeks=1)  # 11 March: 9 days ahead


@pytest.fixture
def group(scheme):
    return factories.GroupFactory(scheme=scheme, min_members=3)


@pytest.fixture
def members(group):
    return [
        factories.MembershipFactory(group=group, person__full_name=name).person
        for name in ("Dr Aoife Byrne", "Dr Cian Murphy", "Dr Niamh Kelly")
    ]


@pytest.fixture
def session(group):
    return SessionFactory(group=group, slot_date=FIRST_WEDNESDAY)


def notice_days(scheme, days: int) -> None:
    SchemeSettings.objects.filter(scheme=scheme).update(below_minimum_notice_days=days)


def warned() -> list[tuple[str, str]]:
    """(recipient, object key) of every warning queued."""
    return sorted(
        OutboundEmail.objects.filter(kind=below_minimum.KIND).values_list("to", "object_key")
    )


def warned_sessions() -> set[str]:
    return {key for _, key in warned()}


def key(session) -> str:
    return f"session:{session.pk}"


# --- The threshold -----------------------------------------------------------------------


def test_exactly_the_minimum_is_not_warned(leader, organiser, members, session):
    assert below_minimum_warnings_queue() == 0
    assert warned() == []


def test_one_below_the_minimum_is_warned(leader, organiser, members, session):
    members[2].memberships.update(end_date=date(2026, 3, 3))  # leaves before it

    assert below_minimum_warnings_queue() == 2
    assert warned() == sorted([(leader.email, key(session)), (organiser.email, key(session))])


def test_leave_counts_as_away(leader, organiser, members, session):
    LeaveFactory(person=members[0], start_date=date(2026, 3, 3), end_date=date(2026, 3, 5))
    below_minimum_warnings_queue()
    assert warned_sessions() == {key(session)}


def test_on_call_counts_as_away(leader, organiser, members, session):
    ClashFactory(session=session, person=members[1])
    below_minimum_warnings_queue()
    assert warned_sessions() == {key(session)}


def test_a_resolved_clash_does_not(leader, organiser, members, session):
    ClashFactory(session=session, person=members[1], resolved_at=NOW)
    below_minimum_warnings_queue()
    assert warned() == []


def test_someone_on_leave_and_on_call_counts_once(group, leader, organiser, members, session):
    factories.MembershipFactory(group=group)  # four members: one away leaves the minimum
    LeaveFactory(person=members[0])
    ClashFactory(session=session, person=members[0])
    below_minimum_warnings_queue()
    assert warned() == []


# --- Which sessions ------------------------------------------------------------------------


def test_cancelled_past_held_and_combined_sessions_are_not_warned(
    scheme, group, leader, organiser, session
):
    # No members at all: every session of the group is below its minimum.
    Session.objects.filter(pk=session.pk).update(
        status=Session.Status.CANCELLED, cancel_reason="Room closed"
    )
    SessionFactory(group=group, slot_date=date(2026, 3, 2))  # began at 09:00 today
    SessionFactory(group=group, slot_date=date(2026, 2, 25), status=Session.Status.HELD)
    host = SessionFactory(group=factories.GroupFactory(scheme=scheme), slot_date=date(2026, 3, 5))
    SessionFactory(group=group, slot_date=date(2026, 3, 5), combined_into=host)

    below_minimum_warnings_queue()

    assert warned_sessions() == {key(host)}  # its own group has no members either


def test_a_session_later_today_is_warned(scheme, leader):
    evening = factories.GroupFactory(scheme=scheme, start_time=time(18, 0), min_members=1)
    today = SessionFactory(group=evening, slot_date=date(2026, 3, 2))
    factories.LeaderFactory(group=evening, person=leader)
    notice_days(scheme, 1)

    below_minimum_warnings_queue()

    assert warned_sessions() == {key(today)}


def test_a_session_past_the_notice_is_not_warned(leader, organiser, group):
    SessionFactory(group=group, slot_date=NEXT_WEEK)  # 9 days ahead, notice 7
    below_minimum_warnings_queue()
    assert warned() == []


@pytest.mark.parametrize(("days", "told"), [(8, False), (9, True)])
def test_the_notice_counts_days_ahead_in_the_schemes_time_zone(
    scheme, group, leader, organiser, days, told
):
    later = SessionFactory(group=group, slot_date=NEXT_WEEK)
    notice_days(scheme, days)

    below_minimum_warnings_queue()

    assert warned_sessions() == ({key(later)} if told else set())


def test_a_session_coming_into_the_notice_is_warned_that_day(frozen_now, group, leader, organiser):
    later = SessionFactory(group=group, slot_date=NEXT_WEEK)
    assert below_minimum_warnings_queue() == 0

    frozen_now.shift(timedelta(days=2))  # Wednesday 4 March: 7 days ahead

    assert below_minimum_warnings_queue() == 2
    assert warned_sessions() == {key(later)}


# --- Who is told, and once -----------------------------------------------------------------


def test_each_leader_and_organiser_is_told_once(scheme, group, leader, organiser, session):
    co_leader = factories.LeaderFactory(group=group, role=Membership.Role.CO_LEADER).person
    # A leader who also organises the scheme gets one email, not two.
    factories.OrganiserFactory(scheme=scheme, person=co_leader)
    factories.LeaderFactory(group=group, start_date=date(2025, 9, 1), end_date=date(2026, 2, 1))
    member = factories.MembershipFactory(group=group).person
    factories.LeaderFactory(group=factories.GroupFactory(scheme=scheme))  # another group's

    below_minimum_warnings_queue()

    assert warned() == sorted(
        (person.email, key(session)) for person in (leader, co_leader, organiser)
    )
    assert member.email not in {to for to, _ in warned()}


def test_other_schemes_organisers_are_not_told(leader, organiser, other_scheme_organiser, session):
    below_minimum_warnings_queue()
    assert other_scheme_organiser.email not in {to for to, _ in warned()}
    assert {to for to, _ in warned()} == {leader.email, organiser.email}


def test_a_second_run_and_the_next_days_send_nothing_new(
    frozen_now, group, leader, organiser, session
):
    later = SessionFactory(group=group, slot_date=NEXT_WEEK)
    assert below_minimum_warnings_queue() == 2  # this week's

    assert below_minimum_warnings_queue() == 0
    frozen_now.shift(timedelta(days=1))
    assert below_minimum_warnings_queue() == 0  # next week's is 8 days ahead
    frozen_now.shift(timedelta(days=1))
    assert below_minimum_warnings_queue() == 2  # next week's, once
    assert below_minimum_warnings_queue() == 0

    assert warned() == sorted(
        (person.email, key(s)) for person in (leader, organiser) for s in (session, later)
    )


def test_the_daily_task_queues_the_warnings_once(leader, organiser, session):
    assert warn_below_minimum() == 2
    assert warn_below_minimum() == 0


def test_a_session_cancelled_while_the_run_reads_the_list_is_not_warned_about(
    leader, organiser, session, monkeypatch
):
    read = below_minimum.sessions_below_minimum

    def read_then_cancelled(now=None):
        rows = read(now)
        services.session_cancel(actor=leader, session=session, reason="Snow")
        return rows

    monkeypatch.setattr(below_minimum, "sessions_below_minimum", read_then_cancelled)

    assert below_minimum_warnings_queue() == 0
    assert warned() == []


def test_cancelling_withdraws_the_warnings_not_sent_yet(leader, organiser, session):
    below_minimum_warnings_queue()

    services.session_cancel(actor=leader, session=session, reason="Snow")

    states = OutboundEmail.objects.filter(kind=below_minimum.KIND).values_list("state", flat=True)
    assert list(states) == [OutboundEmail.State.CANCELLED] * 2


def test_beat_runs_the_task_every_day():
    entries = [
        e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == warn_below_minimum.name
    ]
    assert len(entries) == 1
    schedule = entries[0]["schedule"]
    assert (schedule.hour, schedule.minute, schedule.day_of_week) == ({7}, {30}, set(range(7)))


# --- The email -----------------------------------------------------------------------------


def test_the_email_names_the_session_who_is_away_and_what_to_do(
    group, leader, organiser, members, session
):
    LeaveFactory(person=members[0], kind="sick")
    ClashFactory(session=session, person=members[1])

    below_minimum_warnings_queue()

    email = OutboundEmail.objects.get(to=leader.email)
    assert email.subject == f"Below the minimum: {group.name} on 4 Mar, 1 of 3 expected"
    sessions_url = f"{settings.SITE_URL}/groups/{group.pk}/sessions/"
    register_url = f"{settings.SITE_URL}/sessions/{session.pk}/register/"
    for body in (email.body_text, email.body_html):
        assert group.name in body
        assert "Wednesday 4 March 2026, 09:00" in body
        assert "1 of the 3 members" in body
        assert "Dr Aoife Byrne: on leave" in body
        assert "Dr Cian Murphy: on call" in body
        assert "Dr Niamh Kelly" not in body  # expected
        assert "sick" not in body.lower()  # the kind of leave is theirs to tell
        assert sessions_url in body
        assert register_url in body
        assert "Ask members to come" in body
        assert "accept guests" in body.lower()
        assert "combine with another group" in body
        assert "Move or cancel the session" in body
    assert "Dr Aoife Byrne: on leave</li>" in email.body_html
    assert f"Dear {leader.full_name}" in email.body_text
    assert email.scheme_id == group.scheme_id and email.person == leader


def test_one_person_on_leave_and_on_call_is_named_once_with_both(group, leader, members, session):
    LeaveFactory(person=members[0])
    ClashFactory(session=session, person=members[0])
    group.memberships.filter(person=members[1]).delete()

    below_minimum_warnings_queue()

    body = OutboundEmail.objects.get(to=leader.email).body_text
    assert body.count("Dr Aoife Byrne") == 1
    assert "Dr Aoife Byrne: on leave and on call" in body


# --- A fixed number of reads -----------------------------------------------------------------


def test_finding_the_sessions_takes_seven_queries_whatever_the_data(
    scheme, django_assert_num_queries
):
    def add(groups: int) -> None:
        for _ in range(groups):
            group = factories.GroupFactory(scheme=scheme, min_members=3)
            people = [factories.MembershipFactory(group=group).person for _ in range(3)]
            for week in range(2):
                session = SessionFactory(
                    group=group, slot_date=FIRST_WEDNESDAY + timedelta(weeks=week)
                )
                LeaveFactory(person=people[week], start_date=session.slot_date)
                ClashFactory(session=session, person=people[2])

    notice_days(scheme, 14)
    factories.SchemeFactory(time_zone="America/New_York")  # another zone, another clause
    add(1)
    with CaptureQueriesContext(connection) as few:
        assert len(sessions_below_minimum()) == 2
    assert len(few) == 7

    add(4)
    with django_assert_num_queries(len(few)):
        assert len(sessions_below_minimum()) == 10

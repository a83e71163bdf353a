"""The presenter rota: `rota.plan_rota` (pure, as properties) and `services.rota_assign`."""

from collections import Counter
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from groups.models import Membership
from sessions import services
from sessions.models import Session
from sessions.rota.planning import RotaMember, RotaSlot, eligible, plan_rota
from tests import factories
from tests.factories.sessions import (
    TODAY,
    LeaveFactory,
    SessionFactory,
    wednesdays,
)

TERM_START = date(2026, 3, 2)
TERM_DAYS = 120


pytestmark = pytest.mark.usefixtures("frozen_now")


# --- Random groups for the pure planner ------------------------------------------------


def day(offset: int) -> date:
    return TERM_START + timedelta(days=offset)


@st.composite
def memberships(draw, person: int) -> RotaMember:
    start = draw(st.integers(-30, TERM_DAYS))
    length = draw(st.none() | st.integers(0, TERM_DAYS))
    end = None if length is None else day(start + length)
    return RotaMember(person=person, start=day(start), end=end, order=person)


@st.composite
def rota_cases(draw, *, prefilled: bool = False, with_counts: bool = False):
    """Members with random membership spans, leave, and session dates in one term."""
    people = range(1, draw(st.integers(1, 8)) + 1)
    members = [draw(memberships(p)) for p in people]
    leave = draw(
        st.lists(
            st.tuples(
                st.sampled_from(list(people)),
                st.integers(-7, TERM_DAYS),
                st.integers(0, 28),
            ),
            max_size=12,
        )
    )
    offsets = draw(st.lists(st.integers(0, TERM_DAYS), max_size=30, unique=True))
    slots = []
    for key, offset in enumerate(offsets):
        when = day(offset)
        away = frozenset(
            p for p, first, length in leave if day(first) <= when <= day(first + length)
        )
        presenter = None
        if prefilled and draw(st.booleans()):
            presenter = draw(st.sampled_from(list(people)))
        slots.append(RotaSlot(key=key, day=when, presenter=presenter, unavailable=away))
    counts = {}
    if with_counts:
        counts = draw(st.dictionaries(st.sampled_from(list(people)), st.integers(0, 4)))
    return members, slots, counts


def in_date_order(slots):
    return sorted(slots, key=lambda s: (s.day, s.key))


def eligible_people(members, slot) -> set[int]:
    return {m.person for m in members if eligible(m, slot)}


@given(rota_cases(prefilled=True))
def test_nobody_is_assigned_outside_their_membership_or_during_leave(case):
    members, slots, counts = case
    by_key = {s.key: s for s in slots}

    plan = plan_rota(slots=slots, members=members, counts=counts)

    for key, person in plan.items():
        slot = by_key[key]
        assert person not in slot.unavailable
        assert any(m.person == person and m.covers(slot.day) for m in members)


@given(rota_cases(prefilled=True, with_counts=True))
def test_each_open_slot_goes_to_an_eligible_member_with_fewest_presentations(case):
    members, slots, counts = case

    plan = plan_rota(slots=slots, members=members, counts=counts)

    running = Counter(counts)
    for slot in in_date_order(slots):
        if slot.presenter is not None:
            assert slot.key not in plan  # filled slots are left alone
            continue
        candidates = eligible_people(members, slot)
        if not candidates:
            assert slot.key not in plan
            continue
        chosen = plan[slot.key]  # an open slot with an eligible member is always filled
        assert chosen in candidates
        assert running[chosen] == min(running[p] for p in candidates)
        running[chosen] += 1


@given(rota_cases())
def test_members_eligible_for_every_session_differ_by_at_most_one(case):
    members, slots, _ = case
    always = {
        p
        for p in {m.person for m in members}
        if all(p in eligible_people(members, s) for s in slots)
    }

    plan = plan_rota(slots=slots, members=members, counts={})

    presented = Counter(plan.values())
    if len(always) >= 2:
        tallies = [presented[p] for p in always]
        assert max(tallies) - min(tallies) <= 1


@given(rota_cases(prefilled=True, with_counts=True))
def test_planning_again_with_the_plan_applied_changes_nothing(case):
    members, slots, counts = case
    plan = plan_rota(slots=slots, members=members, counts=counts)

    applied = [
        RotaSlot(s.key, s.day, presenter=plan.get(s.key, s.presenter), unavailable=s.unavailable)
        for s in slots
    ]
    after = Counter(counts) + Counter(plan.values())

    assert plan_rota(slots=applied, members=members, counts=dict(after)) == {}


def test_ties_go_to_whoever_presented_least_recently():
    members = [RotaMember(1, day(0), None, order=0), RotaMember(2, day(0), None, order=1)]
    slots = [RotaSlot(key=1, day=day(10))]

    never = plan_rota(slots=slots, members=members, counts={1: 1, 2: 1})
    recent = plan_rota(
        slots=slots,
        members=members,
        counts={1: 1, 2: 1},
        last_presented={1: day(5), 2: day(2)},
    )

    assert never == {1: 1}  # same tally, neither presented: the first in order
    assert recent == {1: 2}


def test_slots_are_planned_in_date_order_whatever_their_keys():
    members = [RotaMember(1, day(0), None, order=0), RotaMember(2, day(0), day(7), order=1)]
    # Key 1 is later: member 2 has left by then, so the earlier slot must go to member 2.
    slots = [RotaSlot(key=1, day=day(14)), RotaSlot(key=2, day=day(7))]

    assert plan_rota(slots=slots, members=members, counts={}) == {2: 1, 1: 1}


# --- The service, against the database ----------------------------------------------------


def member(group, start=None, end=None, **kwargs):
    return factories.MembershipFactory(
        group=group, start_date=start or date(2026, 1, 5), end_date=end, **kwargs
    ).person


def presenters(group):
    return dict(group.sessions.values_list("slot_date", "presenter_id"))


def test_fills_the_upcoming_sessions_fairly(group, leader):
    a, b, c = member(group), member(group), member(group)
    factories.LeaderFactory(group=group, role=Membership.Role.CO_LEADER)
    for when in wednesdays(6):
        SessionFactory(group=group, slot_date=when)

    plan = services.rota_assign(actor=leader, group=group)

    assert len(plan) == 6
    tallies = Counter(group.sessions.values_list("presenter_id", flat=True))
    assert tallies == {a.pk: 2, b.pk: 2, c.pk: 2}


def test_leaders_are_never_assigned(group, leader):
    co_leader = factories.LeaderFactory(group=group, role=Membership.Role.CO_LEADER).person
    only = member(group)
    first, second = wednesdays(2)
    SessionFactory(group=group, slot_date=first)
    SessionFactory(group=group, slot_date=second)
    LeaveFactory(person=only, start_date=second, end_date=second)

    plan = services.rota_assign(actor=leader, group=group)

    assert presenters(group) == {first: only.pk, second: None}
    assert leader.pk not in plan.values()
    assert co_leader.pk not in plan.values()


def test_no_one_is_assigned_outside_their_membership_or_during_leave(group, leader):
    days = wednesdays(6)
    early = member(group, end=days[1])  # leaves after the second session
    late = member(group, start=days[4])  # joins for the fifth
    away = member(group)
    LeaveFactory(person=away, start_date=days[0], end_date=days[3])
    for when in days:
        SessionFactory(group=group, slot_date=when)

    services.rota_assign(actor=leader, group=group)

    assert presenters(group) == {
        days[0]: early.pk,
        days[1]: early.pk,
        days[2]: None,  # early has left, late not yet joined, away is on leave
        days[3]: None,
        # away and late both have none yet: the earlier membership goes first.
        days[4]: away.pk,
        days[5]: late.pk,
    }


def test_running_again_changes_no_existing_assignment(group, leader):
    for _ in range(3):
        member(group)
    days = wednesdays(8)
    for when in days[:5]:
        SessionFactory(group=group, slot_date=when)
    services.rota_assign(actor=leader, group=group)
    before = presenters(group)

    assert services.rota_assign(actor=leader, group=group) == {}
    assert presenters(group) == before

    for when in days[5:]:
        SessionFactory(group=group, slot_date=when)
    plan = services.rota_assign(actor=leader, group=group)

    after = presenters(group)
    assert {when: after[when] for when in before} == before
    assert set(plan) == set(
        group.sessions.filter(slot_date__in=days[5:]).values_list("pk", flat=True)
    )
    assert all(after[when] is not None for when in days)


def test_hand_set_presenters_are_kept_and_rebuild_replans_them(group, leader):
    a, b = member(group), member(group)
    sessions = [SessionFactory(group=group, slot_date=when) for when in wednesdays(4)]
    for session in sessions[:3]:
        services.presenter_set(actor=leader, session=session, presenter=a)

    services.rota_assign(actor=leader, group=group)
    assert list(presenters(group).values()) == [a.pk, a.pk, a.pk, b.pk]

    plan = services.rota_assign(actor=leader, group=group, rebuild=True)

    assert len(plan) == 4
    assert Counter(presenters(group).values()) == {a.pk: 2, b.pk: 2}


def test_rebuild_leaves_past_sessions_alone_and_counts_them(group, leader):
    a, b = member(group), member(group)
    past = SessionFactory(
        group=group, slot_date=date(2026, 2, 25), status=Session.Status.HELD, presenter=a
    )
    for when in wednesdays(3):
        SessionFactory(group=group, slot_date=when, presenter=a)

    services.rota_assign(actor=leader, group=group, rebuild=True)

    past.refresh_from_db()
    assert past.presenter == a
    # a has presented once already: b takes two of the three upcoming dates.
    upcoming = group.sessions.filter(slot_date__gte=TODAY)
    assert Counter(upcoming.values_list("presenter_id", flat=True)) == {b.pk: 2, a.pk: 1}


def test_past_presentations_count_toward_fairness(group, leader):
    a, b = member(group), member(group)
    for when in (date(2026, 2, 11), date(2026, 2, 18)):
        SessionFactory(group=group, slot_date=when, status=Session.Status.HELD, presenter=a)

    for when in wednesdays(3):
        SessionFactory(group=group, slot_date=when)
    services.rota_assign(actor=leader, group=group)

    upcoming = group.sessions.filter(slot_date__gte=TODAY).order_by("slot_date")
    assert list(upcoming.values_list("presenter_id", flat=True)) == [b.pk, b.pk, a.pk]


def test_a_rejoining_member_starts_a_fresh_tally(group, leader):
    back = member(group, start=date(2025, 9, 1), end=date(2025, 12, 19))
    for when in (date(2025, 10, 1), date(2025, 11, 5)):
        SessionFactory(group=group, slot_date=when, status=Session.Status.HELD, presenter=back)
    factories.MembershipFactory(group=group, person=back, start_date=date(2026, 1, 1))
    newcomer = member(group, start=date(2026, 1, 5))
    for when in wednesdays(3):
        SessionFactory(group=group, slot_date=when)

    services.rota_assign(actor=leader, group=group)

    # Both start this membership at zero: back comes first in membership order.
    upcoming = group.sessions.filter(slot_date__gte=TODAY).order_by("slot_date")
    assert list(upcoming.values_list("presenter_id", flat=True)) == [back.pk, newcomer.pk, back.pk]


def test_cancelled_sessions_get_no_presenter(group, leader):
    member(group)
    kept, dropped = (SessionFactory(group=group, slot_date=when) for when in wednesdays(2))
    services.session_cancel(actor=leader, session=dropped, reason="Leader away")

    plan = services.rota_assign(actor=leader, group=group)

    assert list(plan) == [kept.pk]
    dropped.refresh_from_db()
    assert dropped.presenter is None


def test_another_groups_sessions_are_untouched(group, leader, other_group):
    member(group)
    theirs = SessionFactory(group=other_group)
    factories.MembershipFactory(group=other_group)
    SessionFactory(group=group)

    services.rota_assign(actor=leader, group=group)

    theirs.refresh_from_db()
    assert theirs.presenter is None


@pytest.mark.parametrize("role", ["trainee", "other_group_leader", "other_scheme_organiser"])
def test_only_leaders_and_organisers_may_assign(request, group, role):
    member(group)
    session = SessionFactory(group=group)
    with pytest.raises(PermissionDenied):
        services.rota_assign(actor=request.getfixturevalue(role), group=group)
    session.refresh_from_db()
    assert session.presenter is None


def test_the_organiser_may_assign(group, organiser):
    person = member(group)
    session = SessionFactory(group=group)
    assert services.rota_assign(actor=organiser, group=group) == {session.pk: person.pk}


# Random groups through the database: the same properties hold end to end.


@st.composite
def group_cases(draw):
    people = draw(
        st.lists(
            st.tuples(
                st.integers(-30, 60),  # membership start, days from today
                st.none() | st.integers(0, 90),  # length, or open-ended
                st.none() | st.tuples(st.integers(0, 70), st.integers(0, 14)),  # leave
            ),
            min_size=1,
            max_size=6,
        )
    )
    session_days = draw(st.lists(st.integers(1, 84), min_size=1, max_size=12, unique=True))
    return people, session_days


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(case=group_cases())
def test_rota_assign_properties_on_random_groups(db, case):
    people, session_days = case
    group = factories.GroupFactory()
    leader = factories.LeaderFactory(group=group).person
    spans = {}
    for start, length, leave in people:
        first = TODAY + timedelta(days=start)
        last = None if length is None else first + timedelta(days=length)
        person = member(group, start=first, end=last)
        spans[person.pk] = (first, last, None)
        if leave:
            leave_start = TODAY + timedelta(days=leave[0])
            leave_end = leave_start + timedelta(days=leave[1])
            LeaveFactory(person=person, start_date=leave_start, end_date=leave_end)
            spans[person.pk] = (first, last, (leave_start, leave_end))
    for offset in session_days:
        SessionFactory(group=group, slot_date=TODAY + timedelta(days=offset))

    def can_present(person_id, when):
        first, last, leave = spans[person_id]
        on_leave = leave is not None and leave[0] <= when <= leave[1]
        return first <= when and (last is None or when <= last) and not on_leave

    services.rota_assign(actor=leader, group=group)
    assigned = presenters(group)

    for when, person_id in assigned.items():
        if person_id is None:
            assert not any(can_present(p, when) for p in spans)
        else:
            assert can_present(person_id, when)
    always = [p for p in spans if all(can_present(p, when) for when in assigned)]
    tallies = Counter(assigned.values())
    if len(always) >= 2:
        assert max(tallies[p] for p in always) - min(tallies[p] for p in always) <= 1

    assert services.rota_assign(actor=leader, group=group) == {}
    assert presenters(group) == assigned

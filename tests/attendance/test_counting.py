"""The counting rule: which records count toward a scheme's requirement, and the status it gives.

progress_for (one trainee, in Python) and scheme_overview (every trainee, in SQL)
encode the same rule twice, so most tests here check that both agree.
"""

from datetime import date, timedelta

import pytest

from attendance.models import Attendance
from attendance.progress import progress_for, scheme_overview
from attendance.selectors import leading_log
from groups.models import Membership
from sessions.models import Session
from tests import factories
from tests.factories.attendance import (
    AttendanceFactory,
    HeldSessionFactory,
    attend,
    held_sessions,
    past_wednesdays,
)
from tests.factories.sessions import SessionFactory, wednesdays

PRESENT, LATE, APOLOGIES, ABSENT = "present", "late", "apologies", "absent"


pytestmark = pytest.mark.usefixtures("frozen_now")


def overview_row(scheme, person, **filters):
    return next(row for row in scheme_overview(scheme, **filters) if row.pk == person.pk)


def assert_agree(scheme, person):
    """progress_for and scheme_overview give the same count, rate, last attended and status."""
    progress = progress_for(person, scheme)
    row = overview_row(scheme, person)
    last = progress.counted_records[-1].session.starts_at if progress.counted_records else None
    assert row.counted == progress.count
    assert row.recorded == progress.recorded
    if progress.rate is None:
        assert row.rate is None
    else:
        assert row.rate == pytest.approx(progress.rate)
    assert row.last_attended == last
    assert row.status == progress.status
    return progress


# --- Statuses -----------------------------------------------------------------------------


def test_present_and_late_count_by_default_apologies_and_absent_do_not(scheme, group, trainee):
    sessions = held_sessions(group, past_wednesdays(4))
    attend(trainee, sessions, [PRESENT, LATE, APOLOGIES, ABSENT])

    progress = assert_agree(scheme, trainee)

    assert progress.count == 2
    assert progress.recorded == 4
    assert progress.rate == 0.5
    assert [r.status for r in progress.counted_records] == [PRESENT, LATE]


def test_a_scheme_that_also_counts_apologies(scheme, group, trainee):
    scheme.requirement.counted_statuses = [PRESENT, LATE, APOLOGIES]
    scheme.requirement.save()
    attend(trainee, held_sessions(group, past_wednesdays(4)), [PRESENT, LATE, APOLOGIES, ABSENT])

    progress = assert_agree(scheme, trainee)

    assert progress.count == 3
    assert progress.rate == 0.75


def test_a_scheme_that_counts_only_present(scheme, group, trainee):
    scheme.requirement.counted_statuses = [PRESENT]
    scheme.requirement.save()
    sessions = held_sessions(group, past_wednesdays(4))
    attend(trainee, sessions, [LATE, PRESENT, APOLOGIES, LATE])

    progress = assert_agree(scheme, trainee)

    assert progress.count == 1
    assert progress.counted_records[0].session == sessions[1]
    assert overview_row(scheme, trainee).last_attended == sessions[1].starts_at


# --- Sessions -----------------------------------------------------------------------------


def test_only_held_sessions_count(scheme, group, trainee):
    held, cancelled, scheduled = past_wednesdays(3)
    AttendanceFactory(person=trainee, session=HeldSessionFactory(group=group, slot_date=held))
    AttendanceFactory(
        person=trainee,
        session=SessionFactory(
            group=group,
            slot_date=cancelled,
            status=Session.Status.CANCELLED,
            cancel_reason="Leader unwell",
        ),
    )
    AttendanceFactory(person=trainee, session=SessionFactory(group=group, slot_date=scheduled))

    progress = assert_agree(scheme, trainee)

    assert progress.count == 1
    assert progress.recorded == 1
    assert progress.counted_records[0].session.slot_date == held


# --- Groups and schemes -------------------------------------------------------------------


def test_a_transfer_between_groups_of_the_scheme_keeps_the_count(scheme, group, other_group):
    first, second = date(2026, 2, 4), date(2026, 2, 25)
    person = factories.MembershipFactory(
        group=group, start_date=date(2026, 1, 5), end_date=date(2026, 2, 10)
    ).person
    factories.MembershipFactory(group=other_group, person=person, start_date=date(2026, 2, 11))
    attend(person, [HeldSessionFactory(group=group, slot_date=first)], [PRESENT])
    attend(person, [HeldSessionFactory(group=other_group, slot_date=second)], [LATE])

    progress = assert_agree(scheme, person)

    assert progress.count == 2
    assert {r.session.group for r in progress.counted_records} == {group, other_group}
    # Filtering the overview by the new group still shows the whole count.
    assert overview_row(scheme, person, group=other_group).counted == 2


def test_a_group_of_another_scheme_does_not_add_to_the_count(scheme, group, trainee):
    elsewhere = factories.GroupFactory()
    factories.MembershipFactory(group=elsewhere, person=trainee)
    attend(trainee, held_sessions(group, past_wednesdays(1)), [PRESENT])
    attend(trainee, held_sessions(elsewhere, past_wednesdays(3)), [PRESENT] * 3)

    assert assert_agree(scheme, trainee).count == 1
    assert assert_agree(elsewhere.scheme, trainee).count == 3


def test_a_scheme_requiring_ten_is_complete_at_ten(scheme, group, trainee):
    scheme.requirement.sessions_required = 10
    scheme.requirement.save()
    sessions = held_sessions(group, past_wednesdays(10))
    attend(trainee, sessions[:9], [PRESENT] * 9)
    before = assert_agree(scheme, trainee)
    attend(trainee, sessions[9:], [LATE])

    after = assert_agree(scheme, trainee)

    assert (before.count, before.required, before.is_complete) == (9, 10, False)
    assert before.status != "complete"
    assert (after.count, after.required, after.is_complete) == (10, 10, True)
    assert after.status == "complete"
    assert after.percent == 100
    assert after.projected_date is None


# --- Leaders ------------------------------------------------------------------------------


def test_leaders_records_never_count_but_make_their_leading_log(scheme, group, leader, trainee):
    co_leader = factories.MembershipFactory(group=group, role=Membership.Role.CO_LEADER).person
    sessions = held_sessions(group, past_wednesdays(3))
    attend(leader, sessions, [PRESENT, LATE, APOLOGIES], role=Attendance.Role.LEADER)
    attend(co_leader, sessions[:1], [PRESENT], role=Attendance.Role.CO_LEADER)
    attend(trainee, sessions, [PRESENT] * 3)

    assert progress_for(leader, scheme).count == 0
    assert progress_for(leader, scheme).recorded == 0
    assert progress_for(co_leader, scheme).count == 0
    assert {leader.pk, co_leader.pk}.isdisjoint(row.pk for row in scheme_overview(scheme))
    assert overview_row(scheme, trainee).counted == 3

    log = list(leading_log(scheme))
    assert {(r.person, r.session, r.role) for r in log} == {
        (leader, sessions[0], "leader"),
        (leader, sessions[1], "leader"),  # late still led the session
        (co_leader, sessions[0], "co_leader"),
    }
    assert [r.session for r in leading_log(scheme, leader)] == [sessions[1], sessions[0]]


def test_a_leader_who_is_also_a_trainee_elsewhere_counts_only_as_a_member(
    scheme, group, other_group, leader
):
    factories.MembershipFactory(group=other_group, person=leader)
    attend(leader, held_sessions(group, past_wednesdays(2)), [PRESENT] * 2, role="leader")
    attend(leader, held_sessions(other_group, past_wednesdays(1)), [PRESENT])

    assert assert_agree(scheme, leader).count == 1
    assert len(leading_log(scheme, leader)) == 2


# --- Status -------------------------------------------------------------------------------


def _scheme_of_five(scheme):
    scheme.requirement.sessions_required = 5
    scheme.requirement.save()
    return scheme


def _fixed_term_trainee(group, *, until):
    return factories.MembershipFactory(group=group, end_date=until).person


def test_on_track_when_the_sessions_scheduled_in_the_membership_suffice(scheme, group):
    _scheme_of_five(scheme)
    future = wednesdays(4)
    person = _fixed_term_trainee(group, until=future[2])
    for day in future:
        SessionFactory(group=group, slot_date=day)
    attend(person, held_sessions(group, past_wednesdays(3)), [PRESENT, PRESENT, ABSENT])

    progress = assert_agree(scheme, person)

    assert progress.upcoming_dates == future[:3]  # the fourth is after the membership ends
    assert progress.status == "on_track"
    assert progress.projected_date == future[2]  # 2 counted + 3 to come
    assert overview_row(scheme, person).upcoming == 3


def test_at_risk_when_a_fixed_term_cannot_reach_the_requirement(scheme, group):
    _scheme_of_five(scheme)
    future = wednesdays(4)
    person = _fixed_term_trainee(group, until=future[0])
    for day in future:
        SessionFactory(group=group, slot_date=day)
    # A cancelled session within the membership is no chance to attend.
    SessionFactory(
        group=group, slot_date=future[0] - timedelta(days=1), status="cancelled", cancel_reason="x"
    )
    attend(person, held_sessions(group, past_wednesdays(3)), [PRESENT] * 3)

    progress = assert_agree(scheme, person)

    assert progress.status == "at_risk"
    assert progress.status_reason == (
        "Needs 2 more; at most 1 possible before the membership ends on 4 March 2026"
    )
    assert progress.projected_date is None


@pytest.mark.parametrize(
    ("statuses", "status"),
    [
        ([PRESENT, PRESENT, PRESENT, ABSENT], "on_track"),  # 0.75
        ([PRESENT, PRESENT, ABSENT, APOLOGIES], "at_risk"),  # 0.5
        ([], "not_started"),  # no registers yet
    ],
)
def test_an_open_ended_member_is_judged_by_their_rate(scheme, group, trainee, statuses, status):
    _scheme_of_five(scheme)
    sessions = held_sessions(group, past_wednesdays(len(statuses)))
    attend(trainee, sessions, statuses)

    progress = assert_agree(scheme, trainee)

    assert progress.open_ended is True
    assert progress.status == status


def test_the_overview_filters_by_status_with_the_same_rule(scheme, group, trainee):
    _scheme_of_five(scheme)
    at_risk = factories.MembershipFactory(group=group).person
    complete = factories.MembershipFactory(group=group).person
    sessions = held_sessions(group, past_wednesdays(5))
    attend(at_risk, sessions, [PRESENT, ABSENT, ABSENT, ABSENT, PRESENT])
    attend(complete, sessions, [PRESENT] * 5)

    def who(status):
        return {row.pk for row in scheme_overview(scheme, status=status)}

    assert who("complete") == {complete.pk}
    assert who("on_track") == {trainee.pk}
    assert who("at_risk") == {at_risk.pk}
    assert [p.status for p in scheme_overview(scheme, sort="status")] == [
        "at_risk",
        "on_track",
        "complete",
    ]


def test_progress_for_runs_three_queries(django_assert_num_queries, scheme, group, trainee):
    attend(trainee, held_sessions(group, past_wednesdays(6)), [PRESENT] * 6)
    for day in wednesdays(3):
        SessionFactory(group=group, slot_date=day)

    with django_assert_num_queries(3):
        progress = progress_for(trainee, scheme)
        assert [r.session.group.name for r in progress.counted_records] == [group.name] * 6

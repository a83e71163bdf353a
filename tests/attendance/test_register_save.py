"""attendance.services.register_save and the register lines it is fed from."""

from datetime import date, datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from attendance.models import Attendance, AttendanceChange
from attendance.selectors import register_lines
from attendance.services import Entry, RegisterConflict, register_save
from groups.models import Membership
from sessions.models import Session
from tests import factories
from tests.factories.attendance import LAST_WEDNESDAY
from tests.factories.sessions import DUBLIN, NOW, LeaveFactory, SessionFactory

LATER = datetime(2026, 3, 5, 16, 30, tzinfo=DUBLIN)


pytestmark = pytest.mark.usefixtures("frozen_now")


@pytest.fixture
def session(group):
    """Last Wednesday's session, its register not yet taken."""
    return SessionFactory(group=group, slot_date=LAST_WEDNESDAY)


@pytest.fixture
def members(group, trainee):
    return [trainee, *(factories.MembershipFactory(group=group).person for _ in range(2))]


@pytest.fixture
def co_leader(group):
    return factories.MembershipFactory(group=group, role=Membership.Role.CO_LEADER).person


def entries_from(session, **changes):
    """A register as the page submits it: every line, with `changes` by person pk."""
    return [
        Entry(
            person_id=line.person.pk,
            was=line.recorded,
            status=changes.get(f"p{line.person.pk}", line.status),
        )
        for line in register_lines(session)
    ]


def take(actor, session, **changes):
    return register_save(actor=actor, session=session, entries=entries_from(session, **changes))


def statuses(session):
    return dict(session.attendance.values_list("person_id", "status"))


# --- Taking the register ----------------------------------------------------------------


def test_one_submit_saves_everyone_and_marks_the_session_held(session, leader, members):
    absent = members[1]

    changes = take(leader, session, **{f"p{absent.pk}": "absent"})

    session.refresh_from_db()
    assert session.status == Session.Status.HELD
    assert changes == 4
    assert statuses(session) == {
        leader.pk: "present",
        members[0].pk: "present",
        members[1].pk: "absent",
        members[2].pk: "present",
    }
    roles = dict(session.attendance.values_list("person_id", "role"))
    assert roles[leader.pk] == Attendance.Role.LEADER
    assert {roles[m.pk] for m in members} == {Attendance.Role.MEMBER}
    history = AttendanceChange.objects.filter(attendance__session=session)
    assert {(c.attendance.person_id, c.before, c.after) for c in history} == {
        (leader.pk, "", "present"),
        (members[0].pk, "", "present"),
        (members[1].pk, "", "absent"),
        (members[2].pk, "", "present"),
    }
    assert {c.changed_by for c in history} == {leader}


def test_a_co_leader_is_recorded_as_co_leading(session, leader, co_leader, members):
    take(co_leader, session)

    record = session.attendance.get(person=co_leader)
    assert record.role == Attendance.Role.CO_LEADER
    assert record.updated_by == co_leader


def test_the_scheme_organiser_may_take_the_register(session, organiser, members):
    assert take(organiser, session) == 3
    assert set(statuses(session)) == {m.pk for m in members}


def test_an_edit_later_records_who_when_before_and_after(session, leader, organiser, members):
    take(leader, session)
    late = members[0]

    with time_machine.travel(LATER, tick=False):
        changes = take(organiser, session, **{f"p{late.pk}": "late"})

    assert changes == 1
    record = session.attendance.get(person=late)
    assert (record.status, record.updated_by, record.updated_at) == ("late", organiser, LATER)
    change = record.changes.last()
    assert (change.changed_by, change.changed_at, change.before, change.after) == (
        organiser,
        LATER,
        "present",
        "late",
    )
    assert record.changes.count() == 2  # taken, then edited
    assert record.changes.first().changed_at == NOW


def test_saving_an_unchanged_register_records_nothing(session, leader, members):
    take(leader, session)
    before = AttendanceChange.objects.count()

    assert take(leader, session) == 0

    assert AttendanceChange.objects.count() == before == 4


def test_changing_back_is_two_changes(session, leader, members):
    take(leader, session)
    person = members[2]
    take(leader, session, **{f"p{person.pk}": "absent"})
    take(leader, session, **{f"p{person.pk}": "present"})

    history = session.attendance.get(person=person).changes.all()
    assert [(c.before, c.after) for c in history] == [
        ("", "present"),
        ("present", "absent"),
        ("absent", "present"),
    ]


# --- Lines and defaults -------------------------------------------------------------------


def test_a_member_on_leave_defaults_to_apologies(session, leader, members):
    on_leave, other = members[0], members[1]
    LeaveFactory(person=on_leave, start_date=date(2026, 2, 23), end_date=date(2026, 2, 27))
    LeaveFactory(person=other, start_date=date(2026, 2, 26), end_date=date(2026, 3, 1))

    lines = {line.person: line for line in register_lines(session)}

    assert (lines[on_leave].status, lines[on_leave].on_leave) == ("apologies", True)
    assert (lines[other].status, lines[other].on_leave) == ("present", False)
    assert {line.recorded for line in lines.values()} == {""}
    take(leader, session)
    assert statuses(session)[on_leave.pk] == "apologies"


def test_lines_list_who_is_in_the_group_on_the_day_leaders_first(session, group, leader, members):
    factories.MembershipFactory(group=group, start_date=date(2026, 2, 26))  # joined after
    factories.MembershipFactory(
        group=group, start_date=date(2026, 1, 1), end_date=date(2026, 2, 24)
    )  # left before
    factories.MembershipFactory(group=factories.GroupFactory(scheme=group.scheme))

    lines = register_lines(session)

    assert lines[0].person == leader and lines[0].is_leading
    assert [line.person for line in lines[1:]] == sorted(members, key=lambda p: p.full_name)


def test_lines_show_the_recorded_status_once_taken(session, leader, members):
    take(leader, session, **{f"p{members[0].pk}": "late"})

    lines = {line.person: line for line in register_lines(session)}

    assert (lines[members[0]].status, lines[members[0]].recorded) == ("late", "late")
    assert (lines[members[1]].status, lines[members[1]].recorded) == ("present", "present")


# --- When and by whom ---------------------------------------------------------------------


def test_the_register_is_not_open_before_the_day(group, leader, members):
    session = SessionFactory(group=group, slot_date=date(2026, 3, 4))
    entries = [Entry(person_id=m.pk, was="", status="present") for m in members]

    with pytest.raises(ValidationError, match="opens on the day"):
        register_save(actor=leader, session=session, entries=entries)

    assert not Attendance.objects.exists()
    session.refresh_from_db()
    assert session.status == Session.Status.SCHEDULED


def test_the_register_opens_on_the_morning_of_the_day(group, leader, members):
    session = SessionFactory(group=group, slot_date=date(2026, 3, 4))
    entries = [Entry(person_id=m.pk, was="", status="present") for m in members]

    with time_machine.travel(datetime(2026, 3, 4, 7, 0, tzinfo=DUBLIN), tick=False):
        assert register_save(actor=leader, session=session, entries=entries) == 3


def test_the_register_is_not_open_for_a_cancelled_session(group, leader, members):
    session = SessionFactory(
        group=group, slot_date=LAST_WEDNESDAY, status="cancelled", cancel_reason="Snow"
    )
    entries = [Entry(person_id=m.pk, was="", status="present") for m in members]

    with pytest.raises(ValidationError, match="not for cancelled"):
        register_save(actor=leader, session=session, entries=entries)

    assert not Attendance.objects.exists()


@pytest.mark.parametrize("who", ["trainee", "other_group_leader", "other_scheme_organiser"])
def test_only_leaders_and_organisers_take_registers(request, session, members, who):
    with pytest.raises(PermissionDenied):
        take(request.getfixturevalue(who), session)

    assert not Attendance.objects.exists()


def test_a_former_leader_may_not_take_the_register(session, group, members):
    former = factories.LeaderFactory(
        group=group, start_date=date(2026, 1, 1), end_date=date(2026, 2, 28)
    ).person

    with pytest.raises(PermissionDenied):
        take(former, session)


def _outsider(kind, group, other_group):
    if kind == "stranger":
        return factories.UserFactory()
    if kind == "other_group_member":
        return factories.MembershipFactory(group=other_group).person
    left = factories.MembershipFactory(
        group=group, start_date=date(2026, 1, 1), end_date=date(2026, 2, 24)
    )
    return left.person


@pytest.mark.parametrize("kind", ["stranger", "other_group_member", "former_member"])
def test_a_person_outside_the_group_on_the_day_is_refused(
    session, group, other_group, leader, members, kind
):
    person = _outsider(kind, group, other_group)
    entries = [*entries_from(session), Entry(person_id=person.pk, was="", status="present")]

    with pytest.raises(ValidationError, match="not in the group"):
        register_save(actor=leader, session=session, entries=entries)

    assert not Attendance.objects.exists()
    assert not AttendanceChange.objects.exists()


def test_an_unknown_status_is_refused(session, leader, members):
    with pytest.raises(ValidationError, match="not an attendance status"):
        take(leader, session, **{f"p{members[0].pk}": "asleep"})

    assert not Attendance.objects.exists()


# --- Two people editing the same register -------------------------------------------------


def test_a_record_changed_meanwhile_to_something_else_is_a_conflict(
    session, leader, co_leader, members
):
    take(leader, session)
    x, y = members[0], members[1]
    mine = entries_from(session, **{f"p{x.pk}": "late", f"p{y.pk}": "absent"})
    take(co_leader, session, **{f"p{x.pk}": "apologies"})  # saved while mine was open
    history = AttendanceChange.objects.count()

    with pytest.raises(RegisterConflict, match=x.full_name):
        register_save(actor=leader, session=session, entries=mine)

    assert statuses(session)[x.pk] == "apologies"
    assert statuses(session)[y.pk] == "present"  # nothing of mine was saved
    assert AttendanceChange.objects.count() == history


def test_two_first_registers_that_disagree_conflict(session, leader, co_leader, members):
    x = members[0]
    mine = entries_from(session, **{f"p{x.pk}": "absent"})
    take(co_leader, session)

    with pytest.raises(RegisterConflict):
        register_save(actor=leader, session=session, entries=mine)

    assert statuses(session)[x.pk] == "present"
    assert set(session.attendance.values_list("updated_by", flat=True)) == {co_leader.pk}


def test_agreeing_changes_both_go_through(session, leader, co_leader, members):
    take(leader, session)
    x, y = members[0], members[1]
    mine = entries_from(session, **{f"p{x.pk}": "late", f"p{y.pk}": "absent"})
    take(co_leader, session, **{f"p{x.pk}": "late"})

    assert register_save(actor=leader, session=session, entries=mine) == 1

    assert statuses(session)[x.pk] == "late"
    assert statuses(session)[y.pk] == "absent"
    assert [c.changed_by for c in session.attendance.get(person=x).changes.all()[1:]] == [co_leader]


def test_disjoint_changes_both_go_through(session, leader, co_leader, members):
    take(leader, session)
    x, y = members[0], members[1]
    mine = entries_from(session, **{f"p{y.pk}": "absent"})  # the whole page, x untouched
    take(co_leader, session, **{f"p{x.pk}": "late"})

    assert register_save(actor=leader, session=session, entries=mine) == 1

    assert statuses(session)[x.pk] == "late"  # the other change is not undone
    assert statuses(session)[y.pk] == "absent"
    latest = AttendanceChange.objects.order_by("-pk")[:2]
    assert {(c.attendance.person, c.changed_by, c.after) for c in latest} == {
        (x, co_leader, "late"),
        (y, leader, "absent"),
    }


def test_disjoint_partial_registers_both_go_through(session, leader, co_leader, members):
    take(leader, session)
    x, y = members[0], members[1]

    register_save(actor=co_leader, session=session, entries=[Entry(x.pk, "present", "late")])
    register_save(actor=leader, session=session, entries=[Entry(y.pk, "present", "absent")])

    assert statuses(session)[x.pk] == "late"
    assert statuses(session)[y.pk] == "absent"

"""attendance.services.register_save and the register lines it is fed from (two people
saving the same register: test_register_concurrency.py)."""

from datetime import date, datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from attendance.models import Attendance, AttendanceChange
from attendance.selectors import register_lines
from attendance.services import Entry, RegisterSaved, register_save
from sessions.models import Session
from tests import factories
from tests.factories.attendance import LAST_WEDNESDAY
from tests.factories.sessions import DUBLIN, NOW, LeaveFactory, SessionFactory

LATER = datetime(2026, 3, 5, 16, 30, tzinfo=DUBLIN)
# The evening of LAST_WEDNESDAY: still the day of the session.
SAME_DAY = datetime(2026, 2, 25, 20, 0, tzinfo=DUBLIN)
REASON = "Marked on the wrong line."


pytestmark = pytest.mark.usefixtures("frozen_now")


@pytest.fixture
def session(group):
    """Last Wednesday's session, its register not yet taken."""
    return SessionFactory(group=group, slot_date=LAST_WEDNESDAY)


@pytest.fixture
def members(group, trainee):
    return [trainee, *(factories.MembershipFactory(group=group).person for _ in range(2))]


def entries_from(session, **changes):
    """A register as the page submits it after "Everyone present": every line, those not
    marked yet present, with `changes` by person pk ("" leaves a line unmarked)."""
    return [
        Entry(
            person_id=line.person.pk,
            was=line.recorded,
            status=changes.get(f"p{line.person.pk}", line.status or "present"),
        )
        for line in register_lines(session)
    ]


def take(actor, session, reason=REASON, **changes) -> int:
    """Save the page; how many records changed. Corrections give a reason by default."""
    entries = entries_from(session, **changes)
    return register_save(actor=actor, session=session, entries=entries, reason=reason).changes


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


# --- Not marked yet ------------------------------------------------------------------------


def test_unmarked_lines_get_no_record_and_the_result_counts_them(session, leader, members):
    unmarked, away = members[0], members[1]

    saved = register_save(
        actor=leader,
        session=session,
        entries=entries_from(session, **{f"p{unmarked.pk}": "", f"p{away.pk}": "absent"}),
    )

    assert saved == RegisterSaved(changes=3, marked={"present": 2, "absent": 1}, unmarked=1)
    assert unmarked.pk not in statuses(session)
    assert not AttendanceChange.objects.filter(attendance__person=unmarked).exists()


def test_an_unmarked_line_leaves_a_saved_record_as_it_is(session, leader, members):
    take(leader, session)
    person = members[0]

    saved = register_save(actor=leader, session=session, entries=[Entry(person.pk, "present", "")])

    assert (saved.changes, saved.unmarked) == (0, 0)
    assert statuses(session)[person.pk] == "present"


def test_a_register_with_nobody_marked_is_refused(session, leader, members):
    with pytest.raises(ValidationError, match="Mark at least one person"):
        register_save(
            actor=leader,
            session=session,
            entries=entries_from(
                session, **{f"p{line.person.pk}": "" for line in register_lines(session)}
            ),
        )

    session.refresh_from_db()
    assert session.status == Session.Status.SCHEDULED


# --- Corrections after the day ---------------------------------------------------------------


@pytest.fixture
def taken_on_the_day(session, leader, members):
    with time_machine.travel(SAME_DAY, tick=False):
        take(leader, session, reason="", **{f"p{members[0].pk}": "absent", f"p{members[1].pk}": ""})
    return session


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_change_after_the_day_needs_a_reason(taken_on_the_day, leader, members, reason):
    person = members[0]
    changes = AttendanceChange.objects.count()

    with pytest.raises(ValidationError) as refused:
        take(leader, taken_on_the_day, reason=reason, **{f"p{person.pk}": "present"})

    assert "Say why" in refused.value.message_dict["reason"][0]
    assert statuses(taken_on_the_day)[person.pk] == "absent"
    assert AttendanceChange.objects.count() == changes


def test_the_reason_is_kept_on_each_change_of_the_save(taken_on_the_day, leader, members):
    corrected, late = members[0], members[1]

    take(
        leader,
        taken_on_the_day,
        reason="  Joined by video.  ",
        **{f"p{corrected.pk}": "present", f"p{late.pk}": "late"},
    )

    latest = AttendanceChange.objects.filter(changed_at=NOW)
    assert {(c.attendance.person, c.before, c.after, c.reason) for c in latest} == {
        (corrected, "absent", "present", "Joined by video."),
        (late, "", "late", "Joined by video."),
    }


def test_on_the_day_a_change_needs_no_reason(taken_on_the_day, leader, members):
    with time_machine.travel(SAME_DAY, tick=False):
        assert take(leader, taken_on_the_day, reason="", **{f"p{members[0].pk}": "late"}) == 2

    assert statuses(taken_on_the_day)[members[0].pk] == "late"


def test_marking_someone_not_marked_yet_after_the_day_needs_no_reason(
    taken_on_the_day, leader, members
):
    entries = [Entry(members[1].pk, "", "late")]

    assert register_save(actor=leader, session=taken_on_the_day, entries=entries).changes == 1


def test_a_reason_has_at_most_200_characters(taken_on_the_day, leader, members):
    with pytest.raises(ValidationError, match="200 characters or fewer"):
        take(leader, taken_on_the_day, reason="x" * 201, **{f"p{members[0].pk}": "present"})


# --- Lines and defaults -------------------------------------------------------------------


def test_a_member_on_leave_defaults_to_apologies(session, leader, members):
    on_leave, other = members[0], members[1]
    LeaveFactory(person=on_leave, start_date=date(2026, 2, 23), end_date=date(2026, 2, 27))
    LeaveFactory(person=other, start_date=date(2026, 2, 26), end_date=date(2026, 3, 1))

    lines = {line.person: line for line in register_lines(session)}

    assert (lines[on_leave].status, lines[on_leave].on_leave) == ("apologies", True)
    assert (lines[other].status, lines[other].on_leave) == ("", False)  # not marked yet
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
        assert register_save(actor=leader, session=session, entries=entries).changes == 3


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

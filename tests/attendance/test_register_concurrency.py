"""Two leaders save the same register: one after the other while both had the page open,
and at the same moment, each on their own connection (PostgreSQL: its row locks are what
keep the two saves apart)."""

import pytest

from attendance.models import Attendance, AttendanceChange
from attendance.selectors import register_lines
from attendance.services import Entry, RegisterConflict, register_save
from groups.models import Membership
from sessions.models import Session
from tests import factories
from tests.concurrency import at_once
from tests.factories.attendance import LAST_WEDNESDAY
from tests.factories.sessions import SessionFactory

pytestmark = pytest.mark.usefixtures("frozen_now")
# Corrections after the session's day give one (attendance.services.register_save).
REASON = "Corrected after the session."


def at_the_same_moment(test):
    """Threads with their own connections: a real PostgreSQL, committed transactions."""
    marks = (
        pytest.mark.services,
        pytest.mark.django_db(transaction=True),
        pytest.mark.usefixtures("postgres_only"),
    )
    for mark in marks:
        test = mark(test)
    return test


@pytest.fixture
def register(db):
    """A session last Wednesday: a leader, a co-leader and four trainees."""
    group = factories.GroupFactory()
    leader = factories.LeaderFactory(group=group).person
    co_leader = factories.MembershipFactory(group=group, role=Membership.Role.CO_LEADER).person
    trainees = [factories.MembershipFactory(group=group).person for _ in range(4)]
    session = SessionFactory(group=group, slot_date=LAST_WEDNESDAY)
    return session, leader, co_leader, trainees


def page(session, changes=None):
    """What each leader's open page would submit after "Everyone present": every line,
    with their own changes."""
    return [
        Entry(
            line.person.pk,
            line.recorded,
            (changes or {}).get(line.person.pk, line.status or "present"),
        )
        for line in register_lines(session)
    ]


def save(actor, session, entries) -> int:
    """How many records the save changed."""
    return register_save(actor=actor, session=session, entries=entries, reason=REASON).changes


def statuses(session):
    return dict(session.attendance.values_list("person_id", "status"))


# --- One after the other, both pages open -----------------------------------------------


def test_a_record_changed_meanwhile_to_something_else_is_a_conflict(register):
    session, leader, co_leader, trainees = register
    save(leader, session, page(session))
    x, y = trainees[0], trainees[1]
    mine = page(session, {x.pk: "late", y.pk: "absent"})
    save(co_leader, session, page(session, {x.pk: "apologies"}))  # while mine was open
    history = AttendanceChange.objects.count()

    with pytest.raises(RegisterConflict, match=x.full_name):
        save(leader, session, mine)

    assert statuses(session)[x.pk] == "apologies"
    assert statuses(session)[y.pk] == "present"  # nothing of mine was saved
    assert AttendanceChange.objects.count() == history


def test_two_first_registers_that_disagree_conflict(register):
    session, leader, co_leader, trainees = register
    x = trainees[0]
    mine = page(session, {x.pk: "absent"})
    save(co_leader, session, page(session))

    with pytest.raises(RegisterConflict):
        save(leader, session, mine)

    assert statuses(session)[x.pk] == "present"
    assert set(session.attendance.values_list("updated_by", flat=True)) == {co_leader.pk}


def test_agreeing_changes_both_go_through(register):
    session, leader, co_leader, trainees = register
    save(leader, session, page(session))
    x, y = trainees[0], trainees[1]
    mine = page(session, {x.pk: "late", y.pk: "absent"})
    save(co_leader, session, page(session, {x.pk: "late"}))

    assert save(leader, session, mine) == 1

    assert (statuses(session)[x.pk], statuses(session)[y.pk]) == ("late", "absent")
    assert [c.changed_by for c in session.attendance.get(person=x).changes.all()[1:]] == [co_leader]


def test_disjoint_changes_both_go_through(register):
    session, leader, co_leader, trainees = register
    save(leader, session, page(session))
    x, y = trainees[0], trainees[1]
    mine = page(session, {y.pk: "absent"})  # the whole page, x untouched
    save(co_leader, session, page(session, {x.pk: "late"}))

    assert save(leader, session, mine) == 1

    assert statuses(session)[x.pk] == "late"  # the other change is not undone
    assert statuses(session)[y.pk] == "absent"
    latest = AttendanceChange.objects.order_by("-pk")[:2]
    assert {(c.attendance.person, c.changed_by, c.after) for c in latest} == {
        (x, co_leader, "late"),
        (y, leader, "absent"),
    }


def test_disjoint_partial_registers_both_go_through(register):
    session, leader, co_leader, trainees = register
    save(leader, session, page(session))
    x, y = trainees[0], trainees[1]

    save(co_leader, session, [Entry(x.pk, "present", "late")])
    save(leader, session, [Entry(y.pk, "present", "absent")])

    assert (statuses(session)[x.pk], statuses(session)[y.pk]) == ("late", "absent")


def test_a_line_left_unmarked_takes_nothing_back(register):
    """A page opened before the other leader saved shows everyone unmarked: saving it
    leaves their marks alone."""
    session, leader, co_leader, trainees = register
    mine = [Entry(line.person.pk, "", "") for line in register_lines(session)]
    mine[-1] = Entry(trainees[-1].pk, "", "absent")
    save(co_leader, session, page(session, {trainees[-1].pk: "absent"}))

    assert save(leader, session, mine) == 0

    assert len(statuses(session)) == 6


# --- At the same moment ---------------------------------------------------------------------


def save_together(session, *saves):
    """Run each (actor, entries) save in its own thread, released at the same moment."""

    def saving(actor, entries):
        def call(ready):
            mine = Session.objects.get(pk=session.pk)  # each request loads its own
            ready()
            return save(actor, mine, entries)

        return call

    results = at_once(*(saving(actor, entries) for actor, entries in saves))
    for result in results:
        assert isinstance(result, int | RegisterConflict), repr(result)
    return results


def one_record_each(session, people):
    assert sorted(session.attendance.values_list("person_id", flat=True)) == sorted(
        p.pk for p in people
    )


@at_the_same_moment
def test_disjoint_edits_at_the_same_moment_both_succeed(register):
    session, leader, co_leader, trainees = register
    save(leader, session, page(session))
    x, y = trainees[0], trainees[1]

    results = save_together(
        session,
        (leader, page(session, {x.pk: "late"})),
        (co_leader, page(session, {y.pk: "absent"})),
    )

    assert results == [1, 1]
    one_record_each(session, [leader, co_leader, *trainees])
    assert (statuses(session)[x.pk], statuses(session)[y.pk]) == ("late", "absent")
    edits = AttendanceChange.objects.filter(attendance__session=session).exclude(before="")
    assert {(c.changed_by, c.attendance.person, c.before, c.after) for c in edits} == {
        (leader, x, "present", "late"),
        (co_leader, y, "present", "absent"),
    }


@at_the_same_moment
def test_first_registers_that_disagree_at_the_same_moment(register):
    session, leader, co_leader, trainees = register
    x = trainees[0]
    mine, theirs = page(session, {x.pk: "absent"}), page(session, {x.pk: "apologies"})

    results = save_together(session, (leader, mine), (co_leader, theirs))

    conflicts = [r for r in results if isinstance(r, RegisterConflict)]
    assert len(conflicts) == 1
    assert x.full_name in conflicts[0].messages[0]
    winner = leader if isinstance(results[0], int) else co_leader
    assert sum(r for r in results if isinstance(r, int)) == 6
    one_record_each(session, [leader, co_leader, *trainees])
    assert set(session.attendance.values_list("updated_by", flat=True)) == {winner.pk}
    assert AttendanceChange.objects.filter(attendance__session=session).count() == 6
    expected = "absent" if winner == leader else "apologies"
    assert session.attendance.get(person=x).status == expected


@at_the_same_moment
def test_first_registers_that_agree_at_the_same_moment_both_succeed(register):
    session, leader, co_leader, trainees = register
    x = trainees[0]

    results = save_together(
        session,
        (leader, page(session, {x.pk: "late"})),
        (co_leader, page(session, {x.pk: "late"})),
    )

    assert sorted(results) == [0, 6]  # the second finds everything already as it says
    one_record_each(session, [leader, co_leader, *trainees])
    assert session.attendance.get(person=x).status == "late"
    assert AttendanceChange.objects.filter(attendance__session=session).count() == 6


@at_the_same_moment
def test_the_same_record_changed_two_ways_at_the_same_moment(register):
    session, leader, co_leader, trainees = register
    save(leader, session, page(session))
    x, y = trainees[0], trainees[1]

    results = save_together(
        session,
        (leader, page(session, {x.pk: "late", y.pk: "absent"})),
        (co_leader, page(session, {x.pk: "apologies"})),
    )

    assert len([r for r in results if isinstance(r, RegisterConflict)]) == 1
    one_record_each(session, [leader, co_leader, *trainees])
    edits = list(AttendanceChange.objects.filter(attendance__session=session).exclude(before=""))
    if isinstance(results[0], int):
        assert {(c.changed_by, c.attendance.person, c.after) for c in edits} == {
            (leader, x, "late"),
            (leader, y, "absent"),
        }
    else:
        assert {(c.changed_by, c.attendance.person, c.after) for c in edits} == {
            (co_leader, x, "apologies"),
        }
        assert Attendance.objects.get(session=session, person=y).status == "present"

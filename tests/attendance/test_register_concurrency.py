"""Two leaders save the same register at the same moment, each on their own connection.

Needs PostgreSQL: row locks are what keep the two saves apart.
"""

import threading

import pytest
from django.db import connection

from attendance.models import Attendance, AttendanceChange
from attendance.selectors import register_lines
from attendance.services import Entry, RegisterConflict, register_save
from groups.models import Membership
from sessions.models import Session
from tests import factories
from tests.factories.attendance import LAST_WEDNESDAY
from tests.factories.sessions import SessionFactory

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("postgres_only", "frozen_now"),
]


@pytest.fixture
def register():
    """A session last Wednesday: a leader, a co-leader and four trainees."""
    group = factories.GroupFactory()
    leader = factories.LeaderFactory(group=group).person
    co_leader = factories.MembershipFactory(group=group, role=Membership.Role.CO_LEADER).person
    trainees = [factories.MembershipFactory(group=group).person for _ in range(4)]
    session = SessionFactory(group=group, slot_date=LAST_WEDNESDAY)
    return session, leader, co_leader, trainees


def page(session, changes=None):
    """What each leader's open page would submit: every line, with their own changes."""
    return [
        Entry(line.person.pk, line.recorded, (changes or {}).get(line.person.pk, line.status))
        for line in register_lines(session)
    ]


def save_together(session, *saves):
    """Run each (actor, entries) save in its own thread, released at the same moment."""
    barrier = threading.Barrier(len(saves))
    results = [None] * len(saves)

    def run(index, actor, entries):
        try:
            mine = Session.objects.get(pk=session.pk)  # each request loads its own
            barrier.wait(timeout=30)
            results[index] = register_save(actor=actor, session=mine, entries=entries)
        except Exception as exc:  # collected and judged by the test
            results[index] = exc
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(i, actor, entries))
        for i, (actor, entries) in enumerate(saves)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    for result in results:
        assert isinstance(result, int | RegisterConflict), repr(result)
    return results


def one_record_each(session, people):
    assert sorted(session.attendance.values_list("person_id", flat=True)) == sorted(
        p.pk for p in people
    )


def test_disjoint_edits_at_the_same_moment_both_succeed(register):
    session, leader, co_leader, trainees = register
    register_save(actor=leader, session=session, entries=page(session))
    x, y = trainees[0], trainees[1]

    results = save_together(
        session,
        (leader, page(session, {x.pk: "late"})),
        (co_leader, page(session, {y.pk: "absent"})),
    )

    assert results == [1, 1]
    one_record_each(session, [leader, co_leader, *trainees])
    statuses = dict(session.attendance.values_list("person_id", "status"))
    assert (statuses[x.pk], statuses[y.pk]) == ("late", "absent")
    edits = AttendanceChange.objects.filter(attendance__session=session).exclude(before="")
    assert {(c.changed_by, c.attendance.person, c.before, c.after) for c in edits} == {
        (leader, x, "present", "late"),
        (co_leader, y, "present", "absent"),
    }


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


def test_the_same_record_changed_two_ways_at_the_same_moment(register):
    session, leader, co_leader, trainees = register
    register_save(actor=leader, session=session, entries=page(session))
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

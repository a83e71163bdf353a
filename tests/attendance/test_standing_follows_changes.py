"""The figures table follows the services that change what a trainee can still attend:
leave recorded and removed, on-call clashes found and resolved, a group's new rhythm.
Without the services telling it, the stored standing would wait for the nightly rebuild."""

from datetime import date

import pytest

from attendance.figures import TraineeFigure
from groups.services import group_update
from sessions import services
from sessions.leave.services import leave_delete, leave_record
from tests import factories
from tests.factories.attendance import attend, held_sessions, past_wednesdays
from tests.factories.rosters import csv_file
from tests.factories.sessions import SessionFactory, wednesdays

pytestmark = pytest.mark.usefixtures("frozen_now")

SHORT_BY_LEAVE = (
    "Needs 2 more; at most 1 possible before the membership ends on 11 March 2026"
    " (1 session on leave or on call left out)"
)


@pytest.fixture
def fixed_term(scheme, group):
    """Needs 2 more, with exactly 2 sessions left before the membership ends."""
    scheme.requirement.sessions_required = 5
    scheme.requirement.save()
    first, last = wednesdays(2)
    person = factories.MembershipFactory(group=group, end_date=last).person
    attend(person, held_sessions(group, past_wednesdays(3)), ["present"] * 3)
    SessionFactory(group=group, slot_date=first)
    SessionFactory(group=group, slot_date=last)
    return person


def stored(scheme, person) -> tuple[str, str]:
    row = TraineeFigure.objects.get(scheme=scheme, person=person)
    return row.status, row.status_reason


def test_leave_recorded_and_removed(scheme, fixed_term):
    assert stored(scheme, fixed_term) == ("on_track", "")
    day = wednesdays(1)[0]

    leave = leave_record(person=fixed_term, start_date=day, end_date=day, kind="annual")
    assert stored(scheme, fixed_term) == ("at_risk", SHORT_BY_LEAVE)

    leave_delete(actor=fixed_term, leave=leave)
    assert stored(scheme, fixed_term) == ("on_track", "")


def test_an_on_call_clash_found_and_resolved(scheme, fixed_term):
    source = services.roster_upload(
        actor=fixed_term, raw=csv_file("2026-03-04 08:00,2026-03-04 20:00,Day"), filename="r.csv"
    ).source
    assert stored(scheme, fixed_term) == ("at_risk", SHORT_BY_LEAVE)

    services.roster_upload(
        actor=fixed_term,
        raw=csv_file("2026-03-05 08:00,2026-03-05 20:00,Day"),
        filename="r.csv",
        replace=source,
    )
    assert stored(scheme, fixed_term) == ("on_track", "")


def test_a_change_of_rhythm_from_the_group_page(scheme, group, organiser):
    person = factories.MembershipFactory(group=group, end_date=date(2026, 12, 16)).person
    attend(person, held_sessions(group, past_wednesdays(4)), ["present"] * 4)
    for day in wednesdays(2):
        SessionFactory(group=group, slot_date=day)
    assert stored(scheme, person) == ("on_track", "")

    group_update(actor=organiser, group=group, frequency="fortnightly")

    # 4 + 2 + 20 fortnightly meetings from 25 March: 26 of 30.
    assert stored(scheme, person) == (
        "at_risk",
        "Needs 26 more; at most 22 possible before the membership ends on 16 December 2026",
    )

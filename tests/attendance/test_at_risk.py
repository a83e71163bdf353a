"""The standing rule (attendance.standing): complete, not started, on track or at risk with
its reason. First as pure functions, then as progress_for (one trainee) and the figures
table (every trainee) apply it to leave, clashes, cancelled sessions and end dates."""

from datetime import date

import pytest

from attendance import figures
from attendance.progress import progress_for
from attendance.standing import Span, Standing, standing, unscheduled_meetings
from groups.figures_hooks import group_figures_changed, person_figures_changed
from groups.models import BalintGroup
from sessions.models import Session
from sessions.schedule import services as session_services
from tests import factories
from tests.factories.attendance import attend, held_sessions, past_wednesdays
from tests.factories.rosters import ClashFactory
from tests.factories.sessions import LeaveFactory, SessionFactory, wednesdays

WEDNESDAY, WEEKLY, FORTNIGHTLY = 2, 7, 14


def span(start=date(2026, 1, 7), end=None, *, last_slot=None, **facts) -> Span:
    """A Wednesday group's membership that has had sessions, weekly unless told."""
    facts = {"every_days": WEEKLY, "had_session": True, **facts}
    return Span(start=start, end=end, weekday=WEDNESDAY, last_slot=last_slot, **facts)


def judge(*spans, counted=0, recorded=None, required=30, today=date(2026, 3, 2), first=None):
    recorded = counted if recorded is None else recorded
    return standing(
        counted=counted,
        required=required,
        recorded=recorded,
        spans=spans,
        today=today,
        first_session=first,
    )


# --- Meetings not yet scheduled ----------------------------------------------------------


@pytest.mark.parametrize(
    ("facts", "meetings"),
    [
        # A term generated to 25 March: weekly on to 29 April is 1, 8, 15, 22 and 29 April.
        ({"last_slot": date(2026, 3, 25)}, 5),
        # Fortnightly, in the rhythm of the last session: 8 and 22 April.
        ({"last_slot": date(2026, 3, 25), "every_days": FORTNIGHTLY}, 2),
        # Nothing generated yet, joining on Monday 9 March: 11 March to 29 April.
        ({"start": date(2026, 3, 9)}, 8),
        # A term that runs past the end: nothing left to estimate.
        ({"last_slot": date(2026, 5, 6)}, 0),
        # Generated up to a session long past: from today on, 4 March to 29 April.
        ({"last_slot": date(2025, 12, 17)}, 9),
        # The group moved to Wednesdays after its last (Tuesday) session.
        ({"last_slot": date(2026, 3, 24), "every_days": FORTNIGHTLY}, 3),
    ],
)
def test_meetings_beyond_the_last_generated_session(facts, meetings):
    facts = {"start": date(2026, 1, 7), **facts}
    assert unscheduled_meetings(span(end=date(2026, 4, 29), **facts), date(2026, 3, 2)) == meetings


# --- The rule ----------------------------------------------------------------------------


def test_complete_at_the_requirement_whatever_else():
    assert judge(span(end=date(2026, 1, 31)), counted=30, recorded=60) == Standing("complete")


def test_full_attendance_with_sessions_not_yet_generated_is_on_track():
    """The case that was called at risk: a year's membership, one term generated."""
    term = span(end=date(2026, 12, 16), last_slot=date(2026, 3, 25), attendable=4)

    assert judge(term, counted=10) == Standing("on_track")


def test_short_before_the_membership_ends():
    ending = span(end=date(2027, 6, 30), last_slot=date(2027, 5, 26))

    # 2, 9, 16, 23 and 30 June are still possible; 8 are needed.
    assert judge(ending, counted=22, today=date(2027, 5, 27)) == Standing(
        "at_risk", "Needs 8 more; at most 5 possible before the membership ends on 30 June 2027"
    )
    assert judge(ending, counted=25, today=date(2027, 5, 27)).status == "on_track"


def test_leave_and_on_call_dates_are_not_possible_and_are_named():
    ending = span(end=date(2026, 3, 25), last_slot=date(2026, 3, 25), attendable=2, unavailable=2)

    assert judge(ending, counted=27) == Standing(
        "at_risk",
        "Needs 3 more; at most 2 possible before the membership ends on 25 March 2026"
        " (2 sessions on leave or on call left out)",
    )
    assert judge(ending, counted=28).status == "on_track"


def test_none_possible_and_a_membership_that_ended():
    assert judge(span(end=date(2026, 3, 3), last_slot=date(2026, 3, 4)), counted=29) == Standing(
        "at_risk", "Needs 1 more; none possible before the membership ends on 3 March 2026"
    )
    assert judge(span(end=date(2026, 2, 25)), counted=29) == Standing(
        "at_risk", "Needs 1 more; the membership ended on 25 February 2026"
    )


def test_every_membership_adds_what_is_possible_ended_ones_nothing():
    rotations = [
        span(end=date(2026, 2, 25)),  # over: adds nothing
        span(end=date(2026, 3, 25), last_slot=date(2026, 3, 25), attendable=4),
        span(date(2026, 4, 1), date(2026, 4, 29), last_slot=date(2026, 3, 25)),  # 5 estimated
    ]
    assert judge(*rotations, counted=21).status == "on_track"
    assert judge(*rotations, counted=20).reason.startswith("Needs 10 more; at most 9 possible")


def test_an_open_ended_membership_is_never_short_but_is_judged_by_attendance():
    open_ended = span(end=None)

    assert judge(open_ended, counted=0, recorded=3) == Standing("on_track")  # too few to judge
    assert judge(open_ended, counted=3, recorded=4) == Standing("on_track")  # 75%
    assert judge(open_ended, counted=6, recorded=10) == Standing(
        "at_risk", "Attended 6 of 10 recorded sessions (60%)"
    )
    assert judge(open_ended, counted=74, recorded=100, required=300).reason.endswith("(74%)")


def test_attendance_puts_anyone_at_risk_not_only_the_open_ended():
    long_term = span(end=date(2026, 12, 16), last_slot=date(2026, 3, 25), attendable=4)

    assert judge(long_term, counted=2, recorded=8) == Standing(
        "at_risk", "Attended 2 of 8 recorded sessions (25%)"
    )


def test_not_started_names_the_first_session_or_the_start():
    waiting = span(date(2026, 3, 9), date(2026, 7, 1), had_session=False)
    joined = span(date(2026, 2, 1), date(2026, 7, 1), had_session=False)

    assert judge(waiting, first=date(2026, 3, 11)) == Standing(
        "not_started", "First session on 11 March 2026"
    )
    assert judge(waiting) == Standing(
        "not_started", "Joins on 9 March 2026; no sessions scheduled yet"
    )
    assert judge(joined) == Standing(
        "not_started", "Joined on 1 February 2026; no sessions scheduled yet"
    )


def test_started_once_recorded_or_once_a_session_was_held():
    waiting = span(date(2026, 2, 1), date(2026, 3, 31), had_session=False)

    assert judge(waiting, counted=0, recorded=1).status == "at_risk"  # absent once, 30 to go
    assert judge(span(date(2026, 2, 1), None), counted=0).status == "on_track"


def test_someone_whose_only_membership_ended_before_they_started_is_at_risk():
    gone = span(date(2026, 1, 5), date(2026, 1, 31), had_session=False)

    assert judge(gone) == Standing(
        "at_risk", "Needs 30 more; the membership ended on 31 January 2026"
    )
    assert judge() == Standing("at_risk", "Needs 30 more; no membership")


# --- As progress_for and the figures table apply it ---------------------------------------


def both_readings(scheme, person) -> Standing:
    """The trainee's standing as progress_for and as the figures table say, which agree."""
    scheme.refresh_from_db()
    fresh = figures.compute(scheme)[person.pk]
    stored = figures.TraineeFigure.objects.get(scheme=scheme, person=person)
    reading = progress_for(person, scheme).standing
    assert (stored.status, stored.status_reason) == (fresh.status, fresh.status_reason)
    assert reading == Standing(fresh.status, fresh.status_reason)
    return reading


@pytest.mark.usefixtures("frozen_now")
def test_leave_clashes_and_cancelled_sessions_leave_a_fixed_term_short(scheme, group, leader):
    scheme.requirement.sessions_required = 5
    scheme.requirement.save()
    person = factories.MembershipFactory(group=group, end_date=wednesdays(4)[3]).person
    attend(person, held_sessions(group, past_wednesdays(3)), ["present"] * 3)
    leave_day, on_call, cancelled, last = (
        SessionFactory(group=group, slot_date=d) for d in wednesdays(4)
    )
    assert both_readings(scheme, person).status == "on_track"  # 3 + 4 to come

    session_services.session_cancel(actor=leader, session=cancelled, reason="Strike")
    LeaveFactory(person=person, start_date=leave_day.slot_date)
    ClashFactory(session=on_call, person=person)
    person_figures_changed(person.pk)  # written past the services, which should say so

    assert both_readings(scheme, person) == Standing(
        "at_risk",
        "Needs 2 more; at most 1 possible before the membership ends on 25 March 2026"
        " (2 sessions on leave or on call left out)",
    )
    assert last.status == Session.Status.SCHEDULED


@pytest.mark.usefixtures("frozen_now")
def test_the_sessions_of_terms_to_come_are_estimated_from_the_frequency(scheme, group):
    person = factories.MembershipFactory(group=group, end_date=date(2026, 12, 16)).person
    attend(person, held_sessions(group, past_wednesdays(4)), ["present"] * 4)
    for day in wednesdays(2):
        SessionFactory(group=group, slot_date=day)

    # 4 counted, 2 scheduled and 40 weekly meetings from 18 March to 16 December.
    assert both_readings(scheme, person) == Standing("on_track")

    BalintGroup.objects.filter(pk=group.pk).update(frequency="fortnightly")
    group_figures_changed(group)  # as a change of the group's meeting pattern must

    # 4 + 2 + 20 fortnightly meetings from 25 March: 26 of 30.
    assert both_readings(scheme, person) == Standing(
        "at_risk",
        "Needs 26 more; at most 22 possible before the membership ends on 16 December 2026",
    )


@pytest.mark.usefixtures("frozen_now")
def test_a_trainee_yet_to_start_is_not_at_risk(scheme, group, other_group):
    person = factories.MembershipFactory(group=other_group, start_date=date(2026, 2, 9)).person
    SessionFactory(group=other_group, slot_date=wednesdays(2)[1])

    assert both_readings(scheme, person) == Standing(
        "not_started", "First session on 11 March 2026"
    )

    attend(person, held_sessions(other_group, [date(2026, 2, 25)]), ["present"])
    assert both_readings(scheme, person).status == "on_track"

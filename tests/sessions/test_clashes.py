"""Clashes between sessions and on-call shifts: when they hold, and how they follow changes.

The group meets on Wednesdays 09:00–10:00 Dublin (UTC in March until the 29th).
The scheme's travel margin widens the session on both sides; intervals are
half-open, so a shift that only touches the widened session does not clash.
"""

from datetime import date, time, timedelta

import pytest

from balint.models import OutboundEmail
from groups.models import Membership
from sessions import services
from sessions.models import Clash, SchemeSettings
from sessions.schedule import selectors
from tests import factories
from tests.factories.rosters import (
    OnCallShiftFactory,
    RosterSourceFactory,
    csv_file,
    dublin,
    event,
    ics,
)
from tests.factories.sessions import NOW, LeaveFactory, SessionFactory

WEDNESDAY = date(2026, 3, 4)


pytestmark = pytest.mark.usefixtures("frozen_now")


@pytest.fixture
def session(group):
    return SessionFactory(group=group, slot_date=WEDNESDAY)  # 09:00–10:00


def on_call(person, start, end, **kwargs):
    return OnCallShiftFactory(
        source__person=person, person=person, starts_at=start, ends_at=end, **kwargs
    )


def open_clashes(**filters):
    return list(
        Clash.objects.filter(resolved_at__isnull=True, **filters).values_list(
            "session_id", "person_id"
        )
    )


def margin(scheme, minutes):
    SchemeSettings.objects.filter(scheme=scheme).update(travel_margin_minutes=minutes)


# --- When a shift clashes ------------------------------------------------------------------------


def test_an_overlapping_shift_clashes(session, trainee):
    shift = on_call(trainee, dublin(2026, 3, 4, 8), dublin(2026, 3, 4, 20))

    changes = services.clashes_recompute(person_ids=[trainee.pk])

    (clash,) = changes.new
    assert (clash.session, clash.person, clash.shift) == (session, trainee, shift)
    assert (clash.shift_starts_at, clash.shift_ends_at) == (shift.starts_at, shift.ends_at)
    assert clash.detected_at == NOW
    assert clash.resolved_at is None


@pytest.mark.parametrize(
    ("start", "end", "clashes"),
    [
        ((8, 0), (9, 0), False),  # ends as the session starts
        ((10, 0), (11, 0), False),  # starts as it ends
        ((8, 0), (9, 1), True),
        ((9, 59), (12, 0), True),
        ((9, 15), (9, 45), True),  # inside it
        ((0, 0), (23, 59), True),  # around it
    ],
)
def test_touching_is_not_overlapping(scheme, session, trainee, start, end, clashes):
    margin(scheme, 0)
    on_call(trainee, dublin(2026, 3, 4, *start), dublin(2026, 3, 4, *end))
    services.clashes_recompute(person_ids=[trainee.pk])
    assert bool(open_clashes()) is clashes


@pytest.mark.parametrize(
    ("start", "end", "clashes"),
    [
        ((6, 0), (8, 30), False),  # touches the margin before
        ((6, 0), (8, 31), True),
        ((10, 30), (20, 0), False),  # touches the margin after
        ((10, 29), (20, 0), True),
    ],
)
def test_the_travel_margin_widens_the_session(scheme, session, trainee, start, end, clashes):
    margin(scheme, 30)
    on_call(trainee, dublin(2026, 3, 4, *start), dublin(2026, 3, 4, *end))
    services.clashes_recompute(person_ids=[trainee.pk])
    assert bool(open_clashes()) is clashes


def test_an_all_day_shift_covers_the_local_day(session, trainee):
    services.roster_upload(
        actor=trainee,
        raw=ics(
            event("DTSTART;VALUE=DATE:20260304", "DTEND;VALUE=DATE:20260305", uid="on"),
            event("DTSTART;VALUE=DATE:20260303", "DTEND;VALUE=DATE:20260304", uid="before"),
        ),
        filename="rota.ics",
    )
    assert open_clashes() == [(session.pk, trainee.pk)]
    assert Clash.objects.get().shift.starts_at == dublin(2026, 3, 4)


def test_an_all_day_shift_the_day_before_does_not_clash(session, trainee):
    services.roster_upload(
        actor=trainee, raw=csv_file("2026-03-03,2026-03-03,Tuesday"), filename="rota.csv"
    )
    assert open_clashes() == []


def test_a_clash_in_summer_time(group, trainee):
    summer = SessionFactory(group=group, slot_date=date(2026, 4, 1))  # 08:00–09:00 UTC
    margin(group.scheme, 0)
    on_call(trainee, dublin(2026, 4, 1, 8, 30), dublin(2026, 4, 1, 20))
    on_call(trainee, dublin(2026, 3, 31, 20), dublin(2026, 4, 1, 9))  # night ending at 09:00
    services.clashes_recompute(person_ids=[trainee.pk])
    assert open_clashes() == [(summer.pk, trainee.pk)]
    assert Clash.objects.get().shift_starts_at == dublin(2026, 4, 1, 8, 30)  # the earlier one


def test_only_members_on_the_day_clash(group, session, other_group):
    leaving = factories.MembershipFactory(
        group=group, start_date=date(2026, 1, 5), end_date=date(2026, 3, 3)
    ).person
    elsewhere = factories.MembershipFactory(group=other_group).person
    leader = factories.LeaderFactory(group=group).person
    for person in (leaving, elsewhere, leader):
        on_call(person, dublin(2026, 3, 4, 8), dublin(2026, 3, 4, 20))

    services.clashes_recompute()

    assert open_clashes() == [(session.pk, leader.pk)]  # leaders are told too


def test_cancelled_and_past_sessions_do_not_clash(group, trainee, leader):
    past = SessionFactory(group=group, slot_date=date(2026, 2, 25))
    cancelled = SessionFactory(group=group, slot_date=WEDNESDAY)
    services.session_cancel(actor=leader, session=cancelled, reason="Away")
    on_call(trainee, dublin(2026, 2, 25, 8), dublin(2026, 2, 25, 20))
    on_call(trainee, dublin(2026, 3, 4, 8), dublin(2026, 3, 4, 20))

    assert services.clashes_recompute().new == []
    assert past.clashes.count() == 0


# --- Clashes follow changes and resolve by themselves -----------------------------------------


def test_moving_the_shift_resolves_the_clash(session, trainee):
    source = services.roster_upload(
        actor=trainee, raw=csv_file("2026-03-04 08:00,2026-03-04 20:00,Day"), filename="r.csv"
    ).source
    clash = Clash.objects.get()

    services.roster_upload(
        actor=trainee,
        raw=csv_file("2026-03-05 08:00,2026-03-05 20:00,Day"),
        filename="r.csv",
        replace=source,
    )

    clash.refresh_from_db()
    assert clash.resolved_at == NOW
    assert open_clashes() == []


def test_reimporting_the_same_roster_keeps_the_same_clash(session, trainee):
    raw = csv_file("2026-03-04 08:00,2026-03-04 20:00,Day")
    source = services.roster_upload(actor=trainee, raw=raw, filename="r.csv").source
    before = Clash.objects.get()

    again = services.roster_upload(actor=trainee, raw=raw, filename="r.csv", replace=source)

    assert again.changes.new == []
    assert again.changes.moved == 1  # now points at the re-imported shift
    after = Clash.objects.get()
    assert after.pk == before.pk
    assert after.resolved_at is None
    assert after.shift == source.shifts.get()


def test_removing_a_roster_resolves_its_clashes(session, trainee):
    source = services.roster_upload(
        actor=trainee, raw=csv_file("2026-03-04 08:00,2026-03-04 20:00,Day"), filename="r.csv"
    ).source
    services.roster_source_delete(actor=trainee, source=source)
    assert open_clashes() == []
    assert Clash.objects.get().resolved_at == NOW


def test_moving_the_session_resolves_or_creates_clashes(
    session, leader, trainee, django_capture_on_commit_callbacks
):
    on_call(trainee, dublin(2026, 3, 4, 8), dublin(2026, 3, 4, 20))
    on_call(trainee, dublin(2026, 3, 6, 8), dublin(2026, 3, 6, 20))
    services.clashes_recompute(person_ids=[trainee.pk])

    with django_capture_on_commit_callbacks(execute=True):
        services.session_move(actor=leader, session=session, day=date(2026, 3, 5))
    assert open_clashes() == []

    with django_capture_on_commit_callbacks(execute=True):
        services.session_move(actor=leader, session=session, day=date(2026, 3, 6))
    assert open_clashes() == [(session.pk, trainee.pk)]
    assert Clash.objects.filter(resolved_at__isnull=False).count() == 1


def test_moving_the_session_later_in_the_day_clears_it(
    session, leader, trainee, django_capture_on_commit_callbacks
):
    on_call(trainee, dublin(2026, 3, 4, 0), dublin(2026, 3, 4, 12))
    services.clashes_recompute(person_ids=[trainee.pk])
    with django_capture_on_commit_callbacks(execute=True):
        services.session_move(actor=leader, session=session, day=WEDNESDAY, start_time=time(14))
    assert open_clashes() == []


def test_cancelling_the_session_resolves_its_clashes(
    session, leader, trainee, django_capture_on_commit_callbacks
):
    on_call(trainee, dublin(2026, 3, 4, 8), dublin(2026, 3, 4, 20))
    services.clashes_recompute(person_ids=[trainee.pk])
    with django_capture_on_commit_callbacks(execute=True):
        services.session_cancel(actor=leader, session=session, reason="Leader unwell")
    assert open_clashes() == []


def test_new_sessions_are_checked_when_added_or_generated(
    group, leader, trainee, django_capture_on_commit_callbacks
):
    on_call(trainee, dublin(2026, 3, 11, 8), dublin(2026, 3, 11, 20))
    on_call(trainee, dublin(2026, 3, 20, 8), dublin(2026, 3, 20, 20))

    with django_capture_on_commit_callbacks(execute=True):
        created = services.term_generate(
            actor=leader, group=group, start=date(2026, 3, 3), end=date(2026, 3, 31)
        )
    with django_capture_on_commit_callbacks(execute=True):
        added = services.session_add(actor=leader, group=group, day=date(2026, 3, 20))

    eleventh = next(s for s in created if s.slot_date == date(2026, 3, 11))
    assert sorted(open_clashes()) == sorted([(eleventh.pk, trainee.pk), (added.pk, trainee.pk)])


def test_the_nightly_scan_catches_what_was_missed(group, trainee):
    first, second = (
        SessionFactory(group=group, slot_date=d) for d in (WEDNESDAY, date(2026, 3, 11))
    )
    shift = on_call(trainee, dublin(2026, 3, 4, 8), dublin(2026, 3, 4, 20))
    services.clashes_recompute()
    shift.delete()  # behind the services' back
    on_call(trainee, dublin(2026, 3, 11, 8), dublin(2026, 3, 11, 20))

    changes = services.clashes_recompute()

    assert (len(changes.new), changes.resolved) == (1, 1)
    assert open_clashes() == [(second.pk, trainee.pk)]
    assert Clash.objects.get(session=first).resolved_at == NOW


# --- What follows from a clash -------------------------------------------------------------------


def test_a_new_clash_is_mailed_once(
    session, trainee, mailoutbox, django_capture_on_commit_callbacks
):
    raw = csv_file("2026-03-04 08:00,2026-03-04 20:00,Day")
    with django_capture_on_commit_callbacks(execute=True):
        source = services.roster_upload(actor=trainee, raw=raw, filename="r.csv").source
    with django_capture_on_commit_callbacks(execute=True):
        services.roster_upload(actor=trainee, raw=raw, filename="r.csv", replace=source)
    with django_capture_on_commit_callbacks(execute=True):
        services.clashes_recompute()

    (message,) = mailoutbox
    assert message.to == [trainee.email]
    assert message.subject == f"On-call clash: {session.group.name} on 4 Mar"
    assert "on call Wednesday 4 March 08:00–Wednesday 4 March 20:00" in message.body
    assert "/swap/" not in message.body
    assert OutboundEmail.objects.get().state == OutboundEmail.State.SENT


def test_a_presenter_who_gains_a_clash_is_offered_a_swap(
    session, leader, trainee, mailoutbox, django_capture_on_commit_callbacks
):
    services.presenter_set(actor=leader, session=session, presenter=trainee)
    with django_capture_on_commit_callbacks(execute=True):
        services.roster_upload(
            actor=trainee, raw=csv_file("2026-03-04 08:00,2026-03-04 20:00,Day"), filename="r.csv"
        )

    (message,) = mailoutbox
    assert message.subject.endswith("(you present)")
    assert f"/sessions/{session.pk}/swap/" in message.body
    html = message.alternatives[0][0]
    assert f'href="http://127.0.0.1:8000/sessions/{session.pk}/swap/"' in html


def test_the_rota_skips_a_clashing_trainee(group, leader, trainee):
    colleague = factories.MembershipFactory(
        group=group, start_date=Membership.objects.get(person=trainee).start_date
    ).person
    first, second = (
        SessionFactory(group=group, slot_date=d) for d in (WEDNESDAY, date(2026, 3, 11))
    )
    on_call(trainee, dublin(2026, 3, 4, 8), dublin(2026, 3, 4, 20))
    on_call(colleague, dublin(2026, 3, 11, 8), dublin(2026, 3, 11, 20))
    services.clashes_recompute()

    plan = services.rota_assign(actor=leader, group=group)

    assert plan == {first.pk: colleague.pk, second.pk: trainee.pk}


def test_expected_attendance_counts_clashes_as_absences(group, session, trainee):
    others = [factories.MembershipFactory(group=group).person for _ in range(3)]
    on_call(trainee, dublin(2026, 3, 4, 8), dublin(2026, 3, 4, 20))
    on_call(others[0], dublin(2026, 3, 4, 8), dublin(2026, 3, 4, 20))
    LeaveFactory(person=others[0], start_date=WEDNESDAY)  # on leave and on call: away once
    LeaveFactory(person=others[1], start_date=WEDNESDAY)
    services.clashes_recompute()

    (row,) = selectors.session_rows(group, [session])

    assert len(row.members) == 4
    assert row.expected == 1
    assert set(row.on_call) == {trainee, others[0]}
    assert set(row.on_leave) == {others[0], others[1]}


def test_a_resolved_clash_no_longer_counts(group, session, trainee):
    shift = on_call(trainee, dublin(2026, 3, 4, 8), dublin(2026, 3, 4, 20))
    services.clashes_recompute()
    shift.starts_at, shift.ends_at = dublin(2026, 3, 4, 12), dublin(2026, 3, 4, 20)
    shift.save()
    services.clashes_recompute()

    (row,) = selectors.session_rows(group, [session])
    assert row.on_call == []
    assert row.expected == 1


def test_scheme_rosters_count_as_much_as_the_trainees_own(scheme, session, trainee):
    from tests.factories.rosters import SchemeRosterFactory

    OnCallShiftFactory(
        source=SchemeRosterFactory(scheme=scheme),
        person=trainee,
        starts_at=dublin(2026, 3, 4, 8),
        ends_at=dublin(2026, 3, 4, 20),
    )
    RosterSourceFactory(person=trainee)  # an empty roster of her own changes nothing
    services.clashes_recompute(person_ids=[trainee.pk])
    assert open_clashes() == [(session.pk, trainee.pk)]


def test_recomputing_for_other_people_leaves_these_alone(session, trainee):
    on_call(trainee, dublin(2026, 3, 4, 8), dublin(2026, 3, 4, 20))
    services.clashes_recompute(person_ids=[trainee.pk])
    colleague = factories.MembershipFactory(group=session.group).person

    changes = services.clashes_recompute(person_ids=[colleague.pk], now=NOW + timedelta(minutes=1))

    assert (changes.new, changes.resolved) == ([], 0)
    assert open_clashes() == [(session.pk, trainee.pk)]

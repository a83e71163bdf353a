"""Reminders: which are due when (sessions/reminders.py), queued once each into the
outbox (services.reminders_queue_due) and what they say. Sending under real faults,
through a real worker and SMTP server: tests/balint/test_mail_faults.py.

The group meets on Wednesdays 09:00–10:00 Dublin; the scheme reminds presenters 7 and 1
days before and everyone 1 day before, at 09:00, and leaders about a register at 19:00.
"""

from datetime import date, timedelta

import pytest
import time_machine

from balint.models import OutboundEmail
from balint.outbox import outbox_send_due
from groups.services import person_erase
from sessions import services, tasks
from sessions.models import ReminderKind, SchemeSettings, Session
from sessions.reminders import due as reminders
from tests import factories
from tests.factories.rosters import (
    ClashFactory,
    ReminderPreferenceFactory,
    dublin,
    reminder_email,
)
from tests.factories.sessions import NOW, LeaveFactory, SessionFactory

NEXT_WEEK = date(2026, 3, 11)
Kind = ReminderKind


pytestmark = pytest.mark.usefixtures("frozen_now")


@pytest.fixture
def members(group):
    """Presenter, two members (one on leave that day) and the leader."""
    presenter, present, away = (factories.MembershipFactory(group=group).person for _ in range(3))
    leader = factories.LeaderFactory(group=group).person
    LeaveFactory(person=away, start_date=NEXT_WEEK)
    return {"presenter": presenter, "member": present, "away": away, "leader": leader}


@pytest.fixture
def session(group, members):
    return SessionFactory(group=group, slot_date=NEXT_WEEK, presenter=members["presenter"])


def due_at(moment, **kwargs) -> set[tuple]:
    return {(d.session_id, d.person_id, d.kind) for d in reminders.due_reminders(moment, **kwargs)}


def at(moment):
    return time_machine.travel(moment, tick=False)


# --- When each reminder is due --------------------------------------------------------------------


def test_nothing_is_due_before_the_first_reminder(session):
    assert due_at(dublin(2026, 3, 4, 8, 59)) == set()


def test_the_presenter_a_week_before(session, members):
    expected = {(session.pk, members["presenter"].pk, Kind.PRESENTER_FIRST)}
    assert due_at(dublin(2026, 3, 4, 9)) == expected
    assert due_at(dublin(2026, 3, 10, 8, 59)) == expected


def test_the_day_before_the_presenter_and_every_member_not_on_leave(session, members):
    assert due_at(dublin(2026, 3, 10, 9)) == {
        (session.pk, members["presenter"].pk, Kind.PRESENTER_LAST),
        (session.pk, members["member"].pk, Kind.DAY_BEFORE),
        (session.pk, members["leader"].pk, Kind.DAY_BEFORE),
    }


def test_nothing_once_the_session_has_started(session):
    assert due_at(dublin(2026, 3, 11, 9)) == set()


def test_a_presenter_assigned_late_gets_only_the_last_reminder(group, members):
    session = SessionFactory(group=group, slot_date=NEXT_WEEK)
    assert due_at(dublin(2026, 3, 10, 12)) == {
        (session.pk, p.pk, Kind.DAY_BEFORE)
        for p in (members["presenter"], members["member"], members["leader"])
    }
    Session.objects.filter(pk=session.pk).update(presenter=members["presenter"])
    assert (session.pk, members["presenter"].pk, Kind.PRESENTER_LAST) in due_at(
        dublin(2026, 3, 10, 12)
    )


def test_a_register_not_taken_reminds_the_leaders_that_evening(group, members):
    co_leader = factories.LeaderFactory(group=group, role="co_leader").person
    session = SessionFactory(group=group, slot_date=date(2026, 3, 4))
    leaders = {
        (session.pk, members["leader"].pk, Kind.REGISTER),
        (session.pk, co_leader.pk, Kind.REGISTER),
    }

    assert due_at(dublin(2026, 3, 4, 18, 59), session_ids=[session.pk]) == set()
    assert due_at(dublin(2026, 3, 4, 19), session_ids=[session.pk]) == leaders
    assert due_at(dublin(2026, 3, 6, 18, 59), session_ids=[session.pk]) == leaders
    assert due_at(dublin(2026, 3, 6, 19), session_ids=[session.pk]) == set()  # two days: enough

    Session.objects.filter(pk=session.pk).update(status=Session.Status.HELD)
    assert due_at(dublin(2026, 3, 4, 20), session_ids=[session.pk]) == set()


def test_a_leader_erased_since_the_session_is_not_reminded_of_its_register(group, members):
    session = SessionFactory(group=group, slot_date=date(2026, 3, 4))
    gone = factories.LeaderFactory(
        group=group, start_date=date(2025, 9, 1), end_date=date(2026, 3, 4)
    ).person
    with at(dublin(2026, 3, 5, 10)):
        person_erase(actor=None, person=gone, scheme=group.scheme)

    assert due_at(dublin(2026, 3, 5, 12), session_ids=[session.pk]) == {
        (session.pk, members["leader"].pk, Kind.REGISTER)
    }


def test_a_session_combined_into_another_groups_is_registered_by_the_hosts_leaders(
    group, other_group, members
):
    host_leader = factories.LeaderFactory(group=other_group).person
    host = SessionFactory(group=other_group, slot_date=date(2026, 3, 4))
    combined = SessionFactory(group=group, slot_date=date(2026, 3, 4), combined_into=host)

    assert due_at(dublin(2026, 3, 4, 19), session_ids=[host.pk, combined.pk]) == {
        (host.pk, host_leader.pk, Kind.REGISTER)
    }


def test_an_evening_session_is_reminded_after_it_ends(group, members):
    group.start_time = group.start_time.replace(hour=19, minute=30)
    group.save()
    session = SessionFactory(group=group, slot_date=date(2026, 3, 4))  # 19:30–20:30
    assert due_at(dublin(2026, 3, 4, 20, 29), session_ids=[session.pk]) == set()
    assert due_at(dublin(2026, 3, 4, 20, 30), session_ids=[session.pk]) == {
        (session.pk, members["leader"].pk, Kind.REGISTER)
    }


def test_an_open_clash_is_due_at_once(session, members):
    ClashFactory(session=session, person=members["member"])
    ClashFactory(session=session, person=members["away"], resolved_at=NOW)
    assert due_at(NOW) == {(session.pk, members["member"].pk, Kind.CLASH)}


def test_the_schemes_timing_is_used(session, members, scheme):
    SchemeSettings.objects.filter(scheme=scheme).update(
        presenter_first_reminder_days=3,
        presenter_last_reminder_days=2,
        member_reminder_days=2,
        reminder_hour=18,
    )
    assert due_at(dublin(2026, 3, 8, 17, 59)) == set()
    assert due_at(dublin(2026, 3, 8, 18)) == {
        (session.pk, members["presenter"].pk, Kind.PRESENTER_FIRST)
    }
    assert (session.pk, members["member"].pk, Kind.DAY_BEFORE) in due_at(dublin(2026, 3, 9, 18))


def test_a_kind_turned_off_is_never_due(session, members):
    ReminderPreferenceFactory(person=members["member"], day_before=False)
    ReminderPreferenceFactory(person=members["presenter"], presenter=False)
    assert due_at(dublin(2026, 3, 10, 9)) == {(session.pk, members["leader"].pk, Kind.DAY_BEFORE)}


def test_reminder_hours_are_local_across_summer_time(group, members):
    session = SessionFactory(
        group=group, slot_date=date(2026, 4, 1), presenter=members["presenter"]
    )
    last = (session.pk, members["presenter"].pk, Kind.PRESENTER_LAST)
    # 09:00 in Dublin on 31 March is 08:00 UTC: summer time began on the 29th.
    assert last not in due_at(dublin(2026, 3, 31, 8, 59))
    assert last in due_at(dublin(2026, 3, 31, 9))


# --- Queued once ------------------------------------------------------------------------------


def send_due(**kwargs) -> int:
    """A beat tick: queue what is due, then the outbox run it kicks on commit."""
    queued = services.reminders_queue_due(**kwargs)
    outbox_send_due()
    return queued


def test_each_due_reminder_is_sent_once_however_often_the_run_repeats(session, members, mailoutbox):
    with at(dublin(2026, 3, 10, 9, 5)):
        assert send_due() == 3
        assert send_due() == 0
        assert tasks.queue_due_reminders.delay().get() == 0

    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        [members["presenter"].email, members["member"].email, members["leader"].email]
    )
    assert set(OutboundEmail.objects.values_list("state", flat=True)) == {"sent"}


def test_the_presenters_two_reminders_are_two_kinds(session, members, mailoutbox):
    with at(dublin(2026, 3, 4, 9, 5)):
        send_due()
    with at(dublin(2026, 3, 10, 9, 5)):
        send_due()
    to_presenter = [m for m in mailoutbox if m.to == [members["presenter"].email]]
    assert [m.subject for m in to_presenter] == [
        f"You present at {session.group.name} on Wednesday 11 Mar",
        f"You present at {session.group.name} tomorrow",
    ]


def test_a_reminder_already_in_the_outbox_is_not_queued_again(session, members, mailoutbox):
    """Whatever its state: queued once is queued for good, even if it failed."""
    reminder_email(session=session, person=members["member"], state="failed")
    reminder_email(session=session, person=members["leader"], state="pending", sent_at=None)
    with at(dublin(2026, 3, 10, 10)):
        pending = reminders.pending_reminders(dublin(2026, 3, 10, 10))
        assert send_due() == 1
    assert [(d.person_id, d.kind) for d in pending] == [
        (members["presenter"].pk, Kind.PRESENTER_LAST)
    ]


def test_each_reminder_carries_its_session_person_and_scheme(session, members):
    with at(dublin(2026, 3, 10, 10)):
        services.reminders_queue_due()
    email = OutboundEmail.objects.get(person=members["member"])
    assert (email.kind, email.object_key, email.to) == (
        "reminder_day_before",
        f"session:{session.pk}",
        members["member"].email,
    )
    assert email.scheme == session.group.scheme
    assert email.expires_at == session.starts_at  # a reminder after the start is no use


def test_a_reminder_the_server_could_not_take_before_the_session_is_not_sent_after_it(
    session, members, mailoutbox
):
    with at(dublin(2026, 3, 10, 10)):
        services.reminders_queue_due()
    with at(session.starts_at + timedelta(minutes=1)):
        outbox_send_due()
    assert mailoutbox == []
    assert set(OutboundEmail.objects.values_list("state", flat=True)) == {"cancelled"}


def test_a_cancelled_sessions_reminders_are_withdrawn(session, members, mailoutbox):
    with at(dublin(2026, 3, 10, 10)):
        services.reminders_queue_due()
        services.session_cancel(actor=members["leader"], session=session, reason="Snow")
        outbox_send_due()
    assert {m.subject for m in mailoutbox} == {f"Cancelled: {session.group.name} on 11 Mar"}
    reminders_left = OutboundEmail.objects.filter(kind__startswith="reminder_")
    assert set(reminders_left.values_list("state", flat=True)) == {"cancelled"}


def test_a_session_cancelled_while_the_run_reads_what_is_due_gets_no_reminder(
    session, members, monkeypatch, mailoutbox
):
    pending = reminders.pending_reminders

    def read_then_cancelled(*args, **kwargs):
        due = pending(*args, **kwargs)
        services.session_cancel(actor=members["leader"], session=session, reason="Snow")
        return due

    monkeypatch.setattr(reminders, "pending_reminders", read_then_cancelled)
    with at(dublin(2026, 3, 10, 10)):
        assert services.reminders_queue_due() == 0
        outbox_send_due()
    assert {m.subject for m in mailoutbox} == {f"Cancelled: {session.group.name} on 11 Mar"}


def test_a_clash_resolved_before_its_notice_is_queued_is_not_sent(session, members, mailoutbox):
    clash = ClashFactory(session=session, person=members["member"])
    clash.resolved_at = NOW
    clash.save()
    with at(NOW):
        assert tasks.notify_clashes.delay([clash.pk]).get() == 0
        assert send_due(kinds={Kind.CLASH}) == 0
    assert mailoutbox == []


# --- What they say ----------------------------------------------------------------------------


def test_the_day_before_reminder_notes_a_clash(session, members, mailoutbox):
    ClashFactory(
        session=session,
        person=members["member"],
        shift_starts_at=dublin(2026, 3, 10, 20),
        shift_ends_at=dublin(2026, 3, 11, 9, 30),
    )
    with at(dublin(2026, 3, 10, 9, 5)):
        send_due(person_ids=[members["member"].pk], kinds={Kind.DAY_BEFORE})

    (message,) = mailoutbox
    assert message.subject == f"On call during {session.group.name} tomorrow, 09:00"
    assert "on call Tue 10 Mar 20:00–Wed 11 Mar 09:30, which clashes" in message.body
    assert "Presenter: " + members["presenter"].full_name in message.body
    assert "on call" in message.alternatives[0][0]


def test_the_presenter_with_a_clash_is_offered_a_swap(session, members, mailoutbox):
    ClashFactory(session=session, person=members["presenter"])
    with at(dublin(2026, 3, 4, 9, 5)):
        send_due(person_ids=[members["presenter"].pk], kinds={Kind.PRESENTER_FIRST})
    (message,) = mailoutbox
    assert "(in 7 days)" in message.body
    assert f"http://127.0.0.1:8000/sessions/{session.pk}/swap/" in message.body
    assert "nothing that identifies the patient" in message.body


def test_the_register_reminder_links_to_the_register(group, members, mailoutbox):
    session = SessionFactory(group=group, slot_date=date(2026, 3, 4))
    with at(dublin(2026, 3, 4, 19, 5)):
        send_due()
    (message,) = mailoutbox
    assert message.to == [members["leader"].email]
    assert message.subject == f"Register not taken: {group.name} on 4 Mar"
    assert f"http://127.0.0.1:8000/sessions/{session.pk}/register/" in message.body
    assert "http://127.0.0.1:8000/reminders/" in message.body

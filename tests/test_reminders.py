"""Reminders: which are due when (sessions/reminders.py) and sending each at most once
(services.reminder_send with its database claim). Through a real worker and SMTP server:
tests/test_reminder_worker.py.

The group meets on Wednesdays 09:00–10:00 Dublin; the scheme reminds presenters 7 and 1
days before and everyone 1 day before, at 09:00, and leaders about a register at 19:00.
"""

from datetime import date, timedelta

import pytest
import time_machine

from sessions import reminders, services, tasks
from sessions.models import ReminderClaim, ReminderKind, Session
from tests import factories
from tests.roster_factories import (
    ClashFactory,
    ReminderClaimFactory,
    ReminderPreferenceFactory,
    dublin,
)
from tests.session_factories import NOW, LeaveFactory, SessionFactory

NEXT_WEEK = date(2026, 3, 11)
Kind = ReminderKind


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


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
    scheme.presenter_first_reminder_days = 3
    scheme.presenter_last_reminder_days = 2
    scheme.member_reminder_days = 2
    scheme.reminder_hour = 18
    scheme.save()
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


# --- Sent once --------------------------------------------------------------------------------


def test_each_due_reminder_is_sent_once_however_often_the_run_repeats(session, members, mailoutbox):
    with at(dublin(2026, 3, 10, 9, 5)):
        assert services.reminders_send_due() == 3
        assert services.reminders_send_due() == 0
        assert tasks.send_due_reminders.delay().get() == 0

    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        [members["presenter"].email, members["member"].email, members["leader"].email]
    )
    assert set(ReminderClaim.objects.values_list("state", flat=True)) == {"sent"}


def test_the_presenters_two_reminders_are_two_kinds(session, members, mailoutbox):
    with at(dublin(2026, 3, 4, 9, 5)):
        services.reminders_send_due()
    with at(dublin(2026, 3, 10, 9, 5)):
        services.reminders_send_due()
    to_presenter = [m for m in mailoutbox if m.to == [members["presenter"].email]]
    assert [m.subject for m in to_presenter] == [
        f"You present at {session.group.name} on Wednesday 11 Mar",
        f"You present at {session.group.name} tomorrow",
    ]


def test_sending_the_same_reminder_twice_sends_it_once(session, members, mailoutbox):
    key = {"session_id": session.pk, "person_id": members["member"].pk, "kind": Kind.DAY_BEFORE}
    with at(dublin(2026, 3, 10, 10)):
        assert services.reminder_send(**key) is True
        assert services.reminder_send(**key) is False
    assert len(mailoutbox) == 1


def test_a_claim_being_sent_elsewhere_is_left_alone(session, members, mailoutbox):
    moment = dublin(2026, 3, 10, 10)
    ReminderClaimFactory(
        session=session,
        person=members["member"],
        state=ReminderClaim.State.CLAIMED,
        claimed_at=moment - timedelta(minutes=1),
        sent_at=None,
    )
    with at(moment):
        assert (session.pk, members["member"].pk, Kind.DAY_BEFORE) not in {
            (d.session_id, d.person_id, d.kind) for d in reminders.pending_reminders(moment)
        }
        services.reminders_send_due()
    assert members["member"].email not in [m.to[0] for m in mailoutbox]


def test_a_claim_left_unsent_by_a_dead_worker_is_sent_by_the_next_run(session, members, mailoutbox):
    moment = dublin(2026, 3, 10, 10)
    claim = ReminderClaimFactory(
        session=session,
        person=members["member"],
        state=ReminderClaim.State.CLAIMED,
        claimed_at=moment - timedelta(minutes=6),
        sent_at=None,
    )
    with at(moment):
        services.reminders_send_due()
        services.reminders_send_due()

    assert [m.to[0] for m in mailoutbox].count(members["member"].email) == 1
    claim.refresh_from_db()
    assert (claim.state, claim.attempts, claim.claimed_at) == ("sent", 2, moment)


def test_a_failed_send_releases_the_claim_for_the_next_run(
    session, members, mailoutbox, monkeypatch
):
    def smtp_down(**kwargs):
        raise ConnectionRefusedError("SMTP server down")

    key = {"session_id": session.pk, "person_id": members["member"].pk, "kind": Kind.DAY_BEFORE}
    with at(dublin(2026, 3, 10, 10)):
        monkeypatch.setattr(services, "send_templated_mail", smtp_down)
        with pytest.raises(ConnectionRefusedError):
            services.reminder_send(**key)
        assert not ReminderClaim.objects.exists()

        monkeypatch.undo()
        assert services.reminder_send(**key) is True
    assert len(mailoutbox) == 1


def test_a_reminder_no_longer_due_when_its_turn_comes_is_not_sent(session, members, mailoutbox):
    clash = ClashFactory(session=session, person=members["member"])
    clash.resolved_at = NOW
    clash.save()
    with at(NOW):
        assert (
            services.reminder_send(
                session_id=session.pk, person_id=members["member"].pk, kind=Kind.CLASH
            )
            is False
        )
    assert mailoutbox == []
    assert not ReminderClaim.objects.exists()


# --- What they say ----------------------------------------------------------------------------


def test_the_day_before_reminder_notes_a_clash(session, members, mailoutbox):
    ClashFactory(
        session=session,
        person=members["member"],
        shift_starts_at=dublin(2026, 3, 10, 20),
        shift_ends_at=dublin(2026, 3, 11, 9, 30),
    )
    with at(dublin(2026, 3, 10, 9, 5)):
        services.reminder_send(
            session_id=session.pk, person_id=members["member"].pk, kind=Kind.DAY_BEFORE
        )

    (message,) = mailoutbox
    assert message.subject == f"On call during {session.group.name} tomorrow, 09:00"
    assert "on call Tue 10 Mar 20:00–Wed 11 Mar 09:30, which clashes" in message.body
    assert "Presenter: " + members["presenter"].full_name in message.body
    assert "on call" in message.alternatives[0][0]


def test_the_presenter_with_a_clash_is_offered_a_swap(session, members, mailoutbox):
    ClashFactory(session=session, person=members["presenter"])
    with at(dublin(2026, 3, 4, 9, 5)):
        services.reminder_send(
            session_id=session.pk, person_id=members["presenter"].pk, kind=Kind.PRESENTER_FIRST
        )
    (message,) = mailoutbox
    assert "(in 7 days)" in message.body
    assert f"http://127.0.0.1:8000/sessions/{session.pk}/swap/" in message.body
    assert "nothing that identifies the patient" in message.body


def test_the_register_reminder_links_to_the_register(group, members, mailoutbox):
    session = SessionFactory(group=group, slot_date=date(2026, 3, 4))
    with at(dublin(2026, 3, 4, 19, 5)):
        services.reminders_send_due()
    (message,) = mailoutbox
    assert message.to == [members["leader"].email]
    assert message.subject == f"Register not taken: {group.name} on 4 Mar"
    assert f"http://127.0.0.1:8000/sessions/{session.pk}/register/" in message.body
    assert "http://127.0.0.1:8000/reminders/" in message.body

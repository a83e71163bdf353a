"""Every kind of notification reaches each of its recipients exactly once, though the sender
runs twice and the mail server fails part-way through the recipients.

Each notice is queued by its real service call; the sender (balint.outbox.outbox_send_due)
then runs twice, as a duplicated on-commit task or beat tick would, against a real SMTP server
(tests/smtp_server.py) that fails after half the messages: temporarily refusing every
recipient (451), closing the channel (421) or going away. It comes back, the clock passes the
back-off, the sender runs twice more, and the server has received each (recipient, notice)
once. In-process, on SQLite or PostgreSQL: the worker-process faults are in
tests/balint/test_mail_faults.py.

Times follow tests/session_factories.py: the group meets on Wednesdays at 09:00 Dublin;
"now" is Tuesday 3 March 2026, 20:00, when each reminder kind is due for some session.
"""

from collections import Counter
from datetime import date, timedelta

import pytest
import time_machine
from django.utils import timezone

from attendance.services import certificate_issue
from balint import outbox
from balint.models import OutboundEmail
from feedback.services import evaluation_open
from groups.models import Invitation
from groups.services import InvitationData, invitations_create
from sessions import services, tasks
from tests import factories
from tests.factories.attendance import held_sessions, past_wednesdays
from tests.factories.certificates import REQUIRED, trainee_with_sessions
from tests.factories.rosters import OnCallShiftFactory, dublin
from tests.factories.sessions import SessionFactory

NOW = dublin(2026, 3, 3, 20)

# What each recipient must get once: (kind, the news within it).
EVERY_NOTICE = {
    "session moved",
    "session cancelled",
    "date given back",
    "swap pending",
    "swap accepted",
    "swap declined",
    "swap withdrawn",
    "invitation",
    "evaluation opened",
    "certificate issued",
    "reminder presenter_first",
    "reminder presenter_last",
    "reminder day_before",
    "reminder register",
    "reminder clash",  # a new clash
    "below minimum",  # tomorrow's session, with p3 on call
}


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def notice(email: OutboundEmail) -> str:
    """Which notice an email is, from its kind and key (see sessions/notices.py)."""
    if email.kind == "session_changed":
        return "session moved" if ":moved:" in email.object_key else "session cancelled"
    if email.kind == "swap":
        return f"swap {email.object_key.rsplit(':', 1)[1]}"
    if email.kind.startswith("reminder_"):
        return f"reminder {email.kind.removeprefix('reminder_')}"
    return email.kind.replace("_", " ")


def queue_every_notice() -> None:
    """One group, and each service that tells someone something, called for real."""
    scheme = factories.SchemeFactory(sessions_required=REQUIRED)
    group = factories.GroupFactory(scheme=scheme)
    organiser = factories.OrganiserFactory(scheme=scheme).person
    leader = factories.LeaderFactory(group=group).person
    p1, p2, p3, p4, p5, p6 = (factories.MembershipFactory(group=group).person for _ in range(6))

    # Reminders due now: presenter's last and everyone's day-before (4 Mar), presenter's
    # first (10 Mar), the register of a session that ended yesterday (2 Mar), and p3's clash.
    tomorrow = SessionFactory(group=group, slot_date=date(2026, 3, 4), presenter=p1)
    SessionFactory(group=group, slot_date=date(2026, 3, 10), presenter=p2)
    SessionFactory(group=group, slot_date=date(2026, 3, 2))
    OnCallShiftFactory(source__person=p3, person=p3)  # 08:00–20:00 on 4 March
    clashes = services.clashes_recompute(person_ids=[p3.pk]).new
    assert [c.session for c in clashes] == [tomorrow]
    # What the worker does after the commit (the test's transaction never commits).
    tasks.notify_clashes([c.pk for c in clashes])
    # Six members, p3 on call: five expected tomorrow, one fewer than the group's minimum.
    assert tasks.warn_below_minimum() == 2  # its leader and the organiser

    mine, theirs = (
        SessionFactory(group=group, slot_date=day, presenter=p)
        for day, p in ((date(2026, 3, 18), p3), (date(2026, 3, 25), p4))
    )
    swap = services.swap_request(requester=p3, requester_session=mine, recipient_session=theirs)
    services.swap_accept(actor=p4, swap=swap)
    mine, theirs = (
        SessionFactory(group=group, slot_date=day, presenter=p)
        for day, p in ((date(2026, 4, 1), p5), (date(2026, 4, 8), p6))
    )
    swap = services.swap_request(requester=p5, requester_session=mine, recipient_session=theirs)
    services.swap_decline(actor=p6, swap=swap)
    withdrawn = services.swap_request(
        requester=p5, requester_session=mine, recipient_session=theirs
    )
    services.swap_decline(actor=p5, swap=withdrawn)

    given_back = SessionFactory(group=group, slot_date=date(2026, 4, 15), presenter=p1)
    services.presentation_give_back(actor=p1, session=given_back)
    moved = SessionFactory(group=group, slot_date=date(2026, 4, 22))
    services.session_move(actor=leader, session=moved, day=date(2026, 4, 23))
    cancelled = SessionFactory(group=group, slot_date=date(2026, 4, 29))
    services.session_cancel(actor=leader, session=cancelled, reason="The room is closed.")

    invitations_create(
        actor=organiser,
        scheme=scheme,
        items=[
            InvitationData(
                email=f"new{i}@example.org",
                full_name=f"Dr New {i}",
                role=Invitation.Role.MEMBER,
                group=group,
                start_date=timezone.localdate(),
            )
            for i in range(2)
        ],
    )
    evaluation_open(actor=organiser, group=group, title="Spring term")
    trainee = trainee_with_sessions(group, held_sessions(group, past_wednesdays(REQUIRED)), 3)
    certificate_issue(actor=organiser, scheme=scheme, trainee=trainee)

    services.reminders_queue_due()


def fail_after(server, count: int, fault: str, monkeypatch) -> None:
    """Once the server has `count` messages, it fails before the sender's next email."""
    claim = outbox._claim_next
    tripped = []

    def claim_next():
        if not tripped and len(server.messages) >= count:
            tripped.append(fault)
            if fault == "gone":
                server.stop()
            else:
                server.refuse_everything(int(fault))
        return claim()

    monkeypatch.setattr(outbox, "_claim_next", claim_next)


def heal(server, fault: str) -> None:
    if fault == "gone":
        server.start()
    else:
        server.accept_everything()


@pytest.mark.parametrize("fault", ["451", "421", "gone"])
def test_each_recipient_gets_each_notice_once(db, clock, fault_smtp, monkeypatch, fault):
    queue_every_notice()
    emails = list(OutboundEmail.objects.all())
    assert {notice(e) for e in emails} == EVERY_NOTICE
    fail_after(fault_smtp, len(emails) // 2, fault, monkeypatch)

    outbox.outbox_send_due()
    outbox.outbox_send_due()  # enqueued twice
    assert 0 < len(fault_smtp.messages) < len(emails)  # failed mid-recipients

    heal(fault_smtp, fault)
    clock.shift(timedelta(minutes=2))  # past the back-off of every deferred email
    outbox.outbox_send_due()
    outbox.outbox_send_due()

    received = Counter(zip(fault_smtp.recipients(), fault_smtp.message_ids(), strict=True))
    assert received == Counter({(e.to, e.message_id): 1 for e in emails})
    assert set(OutboundEmail.objects.values_list("state", flat=True)) == {"sent"}

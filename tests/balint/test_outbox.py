"""The outbox (balint/outbox.py) against a real SMTP server that misbehaves on request.

In-process: the sender runs in the test's thread. Through a real worker, with the
worker killed and the server gone for a minute: tests/balint/test_mail_faults.py.
"""

import smtplib
from datetime import timedelta

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from balint import outbox
from balint.models import OutboundEmail
from tests import factories

State = OutboundEmail.State


def queue(n: int, scheme=None, **fields) -> list[OutboundEmail]:
    with transaction.atomic():
        return [
            outbox.email_queue(
                kind="session_changed",
                object_key=f"session:{i}:cancelled",
                to=f"member{i}@example.org",
                scheme=scheme,
                template="session_changed",
                context={"session": factories_session(), "change": "cancelled"},
                **fields,
            )
            for i in range(n)
        ]


def factories_session():
    from tests.factories.sessions import SessionFactory

    return SessionFactory.build(group=factories.GroupFactory.build())


def states() -> dict[str, int]:
    found = {}
    for state in OutboundEmail.objects.values_list("state", flat=True):
        found[state] = found.get(state, 0) + 1
    return found


# --- Queueing ------------------------------------------------------------------------------


def test_queueing_the_same_email_twice_keeps_one(db):
    (first,) = queue(1)
    (again,) = queue(1)
    assert first is not None and again is None
    assert OutboundEmail.objects.count() == 1
    assert (first.state, first.attempts, first.subject.startswith("Cancelled: ")) == (
        "pending",
        0,
        True,
    )


def test_the_message_id_is_fixed_by_what_and_to_whom(db, settings):
    (email,) = queue(1)
    assert email.message_id.endswith("@localhost>")
    assert email.message_id == outbox._message_id(email.kind, email.object_key, email.to)
    assert email.message_id != outbox._message_id(email.kind, email.object_key, "x@example.org")


def test_an_email_queued_in_a_transaction_that_rolls_back_does_not_exist(db):
    with pytest.raises(RuntimeError), transaction.atomic():
        queue(1)
        raise RuntimeError("the change failed")
    assert not OutboundEmail.objects.exists()


def test_a_transaction_asks_for_one_sender_run_however_many_it_queued(
    db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        queue(5)
    assert len(callbacks) == 1


# --- Sending -------------------------------------------------------------------------------


def test_each_email_is_sent_once_with_its_message_id(db, fault_smtp):
    emails = queue(3)

    first, second = outbox.outbox_send_due(), outbox.outbox_send_due()

    assert (first.sent, second.sent) == (3, 0)
    assert sorted(fault_smtp.message_ids()) == sorted(e.message_id for e in emails)
    assert states() == {"sent": 3}


def test_a_refused_address_fails_alone_and_the_rest_go(db, fault_smtp):
    queue(20)
    fault_smtp.refuse("member7@example.org")

    report = outbox.outbox_send_due()

    assert (report.sent, report.failed) == (19, 1)
    assert "member7@example.org" not in fault_smtp.recipients()
    refused = OutboundEmail.objects.get(to="member7@example.org")
    assert refused.state == State.FAILED
    assert refused.last_error == "550 5.1.1 Mailbox unavailable"
    assert outbox.outbox_send_due().sent == 0  # a permanent refusal is not tried again


def test_a_temporary_refusal_backs_that_email_off_and_it_goes_later(db, fault_smtp, settings):
    settings.OUTBOX_RETRY_SECONDS = [60, 300]
    queue(1)
    fault_smtp.refuse_everything(451, "4.7.1 Greylisted, try again later")

    assert outbox.outbox_send_due().deferred == 1
    email = OutboundEmail.objects.get()
    assert (email.state, email.attempts) == ("pending", 1)
    assert email.last_error == "451 4.7.1 Greylisted, try again later"
    assert email.next_attempt_at > timezone.now() + timedelta(seconds=50)

    fault_smtp.accept_everything()
    assert outbox.outbox_send_due().sent == 0  # not due yet
    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        assert outbox.outbox_send_due().sent == 1
    assert len(fault_smtp.messages) == 1


def test_a_server_that_is_away_ends_the_run_and_everything_goes_when_it_is_back(db, fault_smtp):
    queue(10)
    fault_smtp.stop()

    report = outbox.outbox_send_due()

    # One email learnt the server is away; the other nine were not tried.
    assert (report.sent, report.deferred) == (0, 1)
    assert sorted(OutboundEmail.objects.values_list("attempts", flat=True)) == [0] * 9 + [1]
    assert "mail server unreachable: ConnectionRefusedError" in (
        OutboundEmail.objects.get(attempts=1).last_error
    )
    fault_smtp.start()
    assert outbox.outbox_send_due().sent == 9
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        assert outbox.outbox_send_due().sent == 1
    assert len(set(fault_smtp.message_ids())) == len(fault_smtp.messages) == 10


def test_after_the_last_attempt_an_email_is_given_up_with_the_reason(db, fault_smtp, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 2
    settings.OUTBOX_RETRY_SECONDS = [1]
    queue(1)
    fault_smtp.refuse_everything(452, "4.2.2 Mailbox full")

    outbox.outbox_send_due()
    with time_machine.travel(timezone.now() + timedelta(seconds=2)):
        outbox.outbox_send_due()

    email = OutboundEmail.objects.get()
    assert email.state == State.FAILED
    assert email.last_error == "gave up after 2 attempts: 452 4.2.2 Mailbox full"


def test_an_email_past_its_use_is_not_sent(db, fault_smtp):
    queue(1, expires_at=timezone.now() - timedelta(minutes=1))
    assert outbox.outbox_send_due().sent == 0
    assert states() == {"cancelled": 1}
    assert fault_smtp.messages == []


def test_a_run_whose_time_is_up_says_more_is_due(db, fault_smtp):
    queue(2)
    report = outbox.outbox_send_due(seconds=0.000001)
    assert report.more_due and report.sent == 0
    assert outbox.outbox_send_due().sent == 2


def test_a_connection_the_server_dropped_while_idle_is_opened_again(db, fault_smtp):
    queue(2)
    mailer = outbox._Mailer()
    first = OutboundEmail.objects.order_by("pk").first()
    mailer.send(outbox._message(first, mailer.backend))
    mailer.backend.connection.sock.close()  # the server's idle time-out, as the client sees it

    second = OutboundEmail.objects.order_by("pk").last()
    mailer.send(outbox._message(second, mailer.backend))
    mailer.close()
    assert len(fault_smtp.messages) == 2


# --- Claims are leases ---------------------------------------------------------------------


def test_a_claim_is_stamped_when_taken_and_another_run_leaves_it_alone(db, settings):
    settings.OUTBOX_LEASE_SECONDS = 300
    queue(2)
    start = timezone.now()
    with time_machine.travel(start + timedelta(seconds=400), tick=False):
        # A run that started long ago claims now: its lease starts now, not at its start.
        claimed = outbox._claim_next()
        assert claimed.claimed_at == timezone.now()
        other = outbox._claim_next()
    assert other.pk != claimed.pk
    with time_machine.travel(start + timedelta(seconds=600)):
        assert outbox._claim_next() is None  # both held within their leases


def test_a_claim_left_by_a_dead_worker_is_taken_over_after_its_lease(db, settings, fault_smtp):
    settings.OUTBOX_LEASE_SECONDS = 300
    (email,) = queue(1)
    dead = outbox._claim_next()
    assert outbox.outbox_send_due().sent == 0  # within the lease
    with time_machine.travel(timezone.now() + timedelta(seconds=301)):
        assert outbox.outbox_send_due().sent == 1
    email.refresh_from_db()
    assert (email.state, email.attempts) == ("sent", 2)
    assert fault_smtp.message_ids() == [dead.message_id]


def test_a_sender_whose_lease_was_taken_over_does_not_mark_the_other_run_s_work(db):
    queue(1)
    first = outbox._claim_next()
    OutboundEmail.objects.update(claim_token="someone-else")
    outbox._mine(first).update(state=State.SENT, sent_at=timezone.now())
    assert states() == {"pending": 1}


# --- Errors, classified --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "permanent", "server_down"),
    [
        (smtplib.SMTPRecipientsRefused({"a@b.c": (550, b"no")}), True, False),
        (smtplib.SMTPRecipientsRefused({"a@b.c": (450, b"busy")}), False, False),
        (smtplib.SMTPRecipientsRefused({"a@b.c": (421, b"closing")}), False, True),
        (smtplib.SMTPSenderRefused(553, b"bad sender", "x@y"), False, True),
        (smtplib.SMTPSenderRefused(530, b"5.7.0 Authentication required", "x@y"), False, True),
        (smtplib.SMTPDataError(554, b"rejected"), True, False),
        (smtplib.SMTPDataError(451, b"later"), False, False),
        (smtplib.SMTPAuthenticationError(535, b"bad password"), False, True),
        (smtplib.SMTPServerDisconnected("gone"), False, True),
        (ConnectionRefusedError(111, "refused"), False, True),
        (TimeoutError("timed out"), False, True),
        (ValueError("Invalid address"), True, False),
    ],
)
def test_what_an_error_means(error, permanent, server_down):
    problem = outbox.problem_with(error)
    assert (problem.permanent, problem.server_down) == (permanent, server_down)


def test_an_unexpected_error_is_logged_and_counted_not_retried_for_ever(caplog):
    problem = outbox.problem_with(KeyError("a bug"))
    assert (problem.permanent, problem.server_down) == (False, False)
    assert problem.reason == "unexpected error: KeyError: 'a bug'"
    assert "Unexpected error sending an email" in caplog.text


def test_a_server_that_refuses_our_sender_fails_no_email(db, fault_smtp, monkeypatch):
    """A relay that starts demanding authentication is about us: back off, fail nobody."""
    queue(5)

    async def refuse_sender(self, server, session, envelope, address, mail_options):
        return "530 5.7.0 Authentication required"

    monkeypatch.setattr(type(fault_smtp), "handle_MAIL", refuse_sender, raising=False)
    report = outbox.outbox_send_due()

    assert (report.failed, report.deferred) == (0, 1)
    assert states() == {"pending": 5}


# --- Retry and withdraw --------------------------------------------------------------------


def test_a_retried_email_goes_to_the_persons_address_as_it_is_now(db, fault_smtp):
    person = factories.UserFactory(email="old@example.org")
    email = factories.OutboundEmailFactory(
        person=person, to="old@example.org", state="failed", last_error="550 gone"
    )
    person.email = "new@example.org"
    person.save()

    outbox.email_retry(email=email)
    outbox.outbox_send_due()

    email.refresh_from_db()
    assert (email.state, email.to, email.attempts) == ("sent", "new@example.org", 1)
    assert fault_smtp.recipients() == ["new@example.org"]


def test_withdrawn_emails_are_not_sent(db, fault_smtp):
    queue(2)
    assert outbox.emails_withdraw(object_key="session:0:cancelled") == 1
    assert outbox.outbox_send_due().sent == 1
    assert fault_smtp.recipients() == ["member1@example.org"]

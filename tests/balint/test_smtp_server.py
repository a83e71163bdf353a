"""The fault-test SMTP server (tests/smtp_server.py) misbehaves as promised.

Each fault is checked with what a real client gets: plain smtplib, and Django's send_mail
through its SMTP backend (the `fault_smtp` fixture points Django at the server). Slowness is
checked by ordering and counting — a client whose timeout is shorter than the delay gives up, one
with a longer timeout gets through — never by measuring time.
"""

import smtplib
import threading
from email.message import EmailMessage

import pytest
from django.core.mail import send_mail

from tests.smtp_server import FaultySMTP

SENDER = "sender@example.org"


def mail(to: str, subject: str = "Hello", message_id: str | None = None) -> bytes:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = SENDER, to, subject
    if message_id:
        message["Message-ID"] = message_id
    message.set_content("Body.")
    return message.as_bytes()


def connect(server: FaultySMTP, timeout: float = 5) -> smtplib.SMTP:
    return smtplib.SMTP(server.host, server.port, timeout=timeout)


def django_mail(to: list[str], subject: str = "Hello") -> int:
    return send_mail(subject, "Body.", SENDER, to)


# --- Delivery and what is recorded -------------------------------------------------------


def test_records_messages_ids_and_envelope_recipients(fault_smtp):
    with connect(fault_smtp) as client:
        client.sendmail(SENDER, ["a@example.org"], mail("a@example.org", message_id="<1@test>"))
        client.sendmail(
            SENDER,
            ["b@example.org", "c@example.org"],
            mail("b@example.org", message_id="<2@test>"),
        )

    assert fault_smtp.wait_for(2, timeout=5)
    assert fault_smtp.message_ids() == ["<1@test>", "<2@test>"]
    # One entry per recipient of each message.
    assert fault_smtp.recipients() == ["a@example.org", "b@example.org", "c@example.org"]
    assert fault_smtp.messages[1]["Subject"] == "Hello"
    assert fault_smtp.attempts == 2
    assert not fault_smtp.wait_for(3, timeout=0.1)


def test_django_send_mail_arrives(fault_smtp):
    assert django_mail(["a@example.org"], subject="Réunion demain") == 1

    assert fault_smtp.wait_for(1, timeout=5)
    assert fault_smtp.recipients() == ["a@example.org"]
    # Django's own Message-ID, as sent; the subject decoded again.
    (message_id,) = fault_smtp.message_ids()
    assert message_id.startswith("<") and message_id.endswith(">")
    assert fault_smtp.messages[0]["Subject"] == "Réunion demain"


def test_wait_for_wakes_when_a_message_arrives_from_another_thread(fault_smtp):
    def send_later():
        with connect(fault_smtp) as client:
            client.sendmail(SENDER, ["a@example.org"], mail("a@example.org"))

    sender = threading.Thread(target=send_later)
    sender.start()
    assert fault_smtp.wait_for(1, timeout=10)
    sender.join()


# --- One mailbox refused -----------------------------------------------------------------


def test_refused_address_is_refused_with_550_and_the_others_delivered(fault_smtp):
    fault_smtp.refuse("Gone@Example.org")

    with connect(fault_smtp) as client:
        client.sendmail(SENDER, ["a@example.org"], mail("a@example.org"))
        with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
            client.sendmail(SENDER, ["gone@example.org"], mail("gone@example.org"))
        # The same connection goes on: the refusal is of one mailbox, not of the client.
        client.sendmail(SENDER, ["b@example.org"], mail("b@example.org"))
        # Several recipients on one message: smtplib raises only when all are refused;
        # otherwise it returns the refused ones and the rest are delivered.
        partly = client.sendmail(
            SENDER, ["c@example.org", "gone@example.org"], mail("c@example.org")
        )

    assert refused.value.recipients == {"gone@example.org": (550, b"5.1.1 Mailbox unavailable")}
    assert partly == {"gone@example.org": (550, b"5.1.1 Mailbox unavailable")}
    assert fault_smtp.recipients() == ["a@example.org", "b@example.org", "c@example.org"]
    assert fault_smtp.attempts == 4  # the refused try counts as an attempt


def test_refused_address_through_django(fault_smtp):
    fault_smtp.refuse("gone@example.org", code=553, text="5.1.8 Sender domain blocked")

    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        django_mail(["gone@example.org"])
    assert refused.value.recipients["gone@example.org"][0] == 553

    # Django ignores smtplib's list of refused recipients when some were accepted: this
    # reports 1 message sent, without a word about the refused address.
    assert django_mail(["a@example.org", "gone@example.org"]) == 1
    assert fault_smtp.recipients() == ["a@example.org"]


# --- Everything refused, then accepted again ------------------------------------------------


def test_refuse_everything_gives_421_until_accept_everything(fault_smtp):
    fault_smtp.refuse("gone@example.org")
    fault_smtp.refuse_everything()

    client = connect(fault_smtp)
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        client.sendmail(SENDER, ["a@example.org"], mail("a@example.org"))
    assert refused.value.recipients == {
        "a@example.org": (421, b"4.3.2 Service not available, try later")
    }
    # 421 means the server is closing the channel, so smtplib hangs up by itself.
    with pytest.raises(smtplib.SMTPServerDisconnected):
        client.noop()

    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        django_mail(["b@example.org"])
    assert refused.value.recipients["b@example.org"][0] == 421
    assert fault_smtp.messages == []

    fault_smtp.accept_everything()  # lifts refuse("gone@...") as well

    assert django_mail(["b@example.org", "gone@example.org"]) == 1
    assert fault_smtp.recipients() == ["b@example.org", "gone@example.org"]
    assert fault_smtp.attempts == 3


def test_refuse_everything_with_a_temporary_code_keeps_the_connection(fault_smtp):
    fault_smtp.refuse_everything(451, "4.7.1 Greylisted, try again later")

    with connect(fault_smtp) as client:
        with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
            client.sendmail(SENDER, ["a@example.org"], mail("a@example.org"))
        assert refused.value.recipients["a@example.org"][0] == 451
        fault_smtp.accept_everything()
        assert client.sendmail(SENDER, ["a@example.org"], mail("a@example.org")) == {}

    assert fault_smtp.recipients() == ["a@example.org"]


# --- Going away and coming back ----------------------------------------------------------


def test_stopped_server_refuses_connections_and_comes_back_on_the_same_port(fault_smtp):
    port = fault_smtp.port
    fault_smtp.stop()

    with pytest.raises(ConnectionRefusedError):
        connect(fault_smtp)
    with pytest.raises(ConnectionRefusedError):
        django_mail(["a@example.org"])

    fault_smtp.start()

    assert fault_smtp.port == port
    assert django_mail(["a@example.org"]) == 1
    assert fault_smtp.recipients() == ["a@example.org"]


def test_stopping_drops_open_connections(fault_smtp):
    client = connect(fault_smtp)
    assert client.noop()[0] == 250

    fault_smtp.stop()

    with pytest.raises(smtplib.SMTPServerDisconnected):
        client.noop()
    client.close()


def test_stop_and_start_repeatedly_on_one_port_leaves_no_threads():
    before = set(threading.enumerate())
    server = FaultySMTP()
    for round_ in range(4):
        server.start()
        # Delivered, then QUIT: the server closes first, leaving its side of the connection
        # in TIME_WAIT on the listening port, which the next start must bind again.
        with connect(server) as client:
            client.sendmail(SENDER, ["a@example.org"], mail("a@example.org", f"Round {round_}"))
        server.stop()
        assert set(threading.enumerate()) == before
        with pytest.raises(ConnectionRefusedError):
            connect(server)
    server.stop()  # stopping a stopped server is harmless

    assert [m["Subject"] for m in server.messages] == [f"Round {n}" for n in range(4)]


# --- Slow answers ----------------------------------------------------------------------------

DELAY = 2.0  # seconds the server holds each DATA answer
SHORT = 0.5  # a client timeout well inside DELAY
LONG = 10.0  # a client timeout well beyond DELAY


def test_slow_server_times_out_an_impatient_client_but_serves_others(fault_smtp):
    fault_smtp.slow(DELAY)

    with (
        pytest.raises(smtplib.SMTPServerDisconnected, match="timed out"),
        connect(fault_smtp, timeout=SHORT) as impatient,
    ):
        impatient.sendmail(SENDER, ["a@example.org"], mail("a@example.org"))

    # The impatient client gave up, yet its message was taken: if it tries again, the
    # message arrives twice.
    assert fault_smtp.recipients() == ["a@example.org"]
    # While that answer is still held back, another client is served at once — within a
    # timeout shorter than the delay, so the wait does not block the server.
    with connect(fault_smtp, timeout=SHORT) as other:
        assert other.noop()[0] == 250

    # A patient client gets its answer.
    with connect(fault_smtp, timeout=LONG) as patient:
        assert patient.sendmail(SENDER, ["b@example.org"], mail("b@example.org")) == {}

    fault_smtp.slow(0)
    with connect(fault_smtp, timeout=SHORT) as client:
        assert client.sendmail(SENDER, ["c@example.org"], mail("c@example.org")) == {}

    assert fault_smtp.recipients() == ["a@example.org", "b@example.org", "c@example.org"]
    assert fault_smtp.attempts == 3


def test_slow_server_through_django(fault_smtp, settings):
    fault_smtp.slow(DELAY)

    settings.EMAIL_TIMEOUT = SHORT
    with pytest.raises(smtplib.SMTPServerDisconnected):
        django_mail(["a@example.org"])

    settings.EMAIL_TIMEOUT = LONG
    assert django_mail(["b@example.org"]) == 1

    assert fault_smtp.recipients() == ["a@example.org", "b@example.org"]

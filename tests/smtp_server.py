"""A real SMTP server for fault tests, which tests can tell to misbehave as real mail servers do.

aiosmtpd on 127.0.0.1 and a free port, serving from its own event-loop thread, so a client in
the test process or in another process (a Celery worker) talks real SMTP to it. Faults:

- ``refuse(address)``: that mailbox is refused at RCPT TO (550 by default, permanent); other
  recipients of the same message are accepted.
- ``refuse_everything()``: every RCPT TO is answered 421 (by default) until
  ``accept_everything()``. Refused at RCPT, as greylisting and rate limits are, so smtplib
  (and Django's SMTP backend) raise ``smtplib.SMTPRecipientsRefused``; on 421 smtplib also
  hangs up by itself, since 421 means the server is closing the channel.
- ``slow(seconds)``: each DATA is answered only after ``seconds``. The wait is an
  ``asyncio.sleep``, so other connections are served meanwhile. The message itself is taken
  (into ``messages``) as soon as its data has arrived, before the late answer, as a real server
  queues it before replying: a client that gives up waiting has delivered it all the same, and
  if it sends again the message arrives twice. That is the real hazard of an SMTP timeout
  (RFC 1047), and the one a "delivered exactly once" test has to face.
- ``stop()`` / ``start()``: the server goes away (listener closed, open connections dropped,
  new ones refused) and comes back on the same port.

``attempts`` counts MAIL FROM commands, i.e. transactions a client began, whatever became of
them. (Counting DATA would miss refusals: a client whose every recipient was refused at RCPT
never sends DATA.)
"""

import asyncio
import socket
import threading
from email import message_from_bytes, policy
from email.message import Message

import pytest
from aiosmtpd.controller import Controller

HOST = "127.0.0.1"


def free_port() -> int:
    """A port nothing listens on right now (the kernel's choice, released again at once)."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


class _RebindingController(Controller):
    """Listens with SO_REUSEADDR, so a restart can bind the same port while connections of the
    previous run are still in TIME_WAIT. asyncio does so by default on POSIX; it is spelt out
    here so that restarting does not rest on a platform default."""

    def _create_server(self):  # aiosmtpd's hook for how the listener is made
        return self.loop.create_server(
            self._factory_invoker, host=self.hostname, port=self.port, reuse_address=True
        )


class FaultySMTP:
    """The server, and aiosmtpd's handler for it (the ``handle_*`` coroutines).

    Tests call the fault methods from their own thread while the handler runs in the server's
    event-loop thread, so all shared state is read and written under one lock.
    """

    def __init__(self, host: str = HOST, port: int | None = None):
        self.host = host
        self.port = port or free_port()
        self.messages: list[Message] = []
        self.attempts = 0
        self._recipients: list[str] = []
        self._refused: dict[str, str] = {}  # casefolded address -> reply
        self._refuse_all: str | None = None  # reply to every RCPT, or None
        self._delay = 0.0
        self._changed = threading.Condition()  # guards the state above; notified on delivery
        self._controller: _RebindingController | None = None

    # --- Running ----------------------------------------------------------------------------

    def start(self) -> None:
        """Listen on ``self.port`` (the same port every time). Returns once it answers."""
        assert self._controller is None, "already running"
        # A Controller closes its event loop when stopped, so each run gets a new one.
        controller = _RebindingController(
            self,
            hostname=self.host,
            port=self.port,
            # Name given, else aiosmtpd asks DNS for this host's name on every connection.
            server_hostname="faulty-smtp.test",
        )
        try:
            controller.start()
        except BaseException:
            # E.g. the port was taken meanwhile: join the thread, free its loop, report.
            controller.stop(no_assert=True)
            if not controller.loop.is_closed():  # left open when binding failed
                controller.loop.close()
            raise
        self._controller = controller

    def stop(self) -> None:
        """Go away: close the listener, drop open connections, join the server's thread.
        Connections are refused until ``start()``. Harmless when not running."""
        if self._controller is not None:
            self._controller.stop()  # cancels the connections' tasks and joins the thread
            self._controller = None

    # --- Faults -----------------------------------------------------------------------------

    def refuse(
        self, address: str, code: int = 550, text: str = "5.1.1 Mailbox unavailable"
    ) -> None:
        """Refuse that recipient at RCPT TO; other recipients are still accepted."""
        with self._changed:
            self._refused[address.casefold()] = f"{code} {text}"

    def refuse_everything(
        self, code: int = 421, text: str = "4.3.2 Service not available, try later"
    ) -> None:
        """Answer every RCPT TO with this reply until ``accept_everything()``."""
        with self._changed:
            self._refuse_all = f"{code} {text}"

    def accept_everything(self) -> None:
        """Drop all refusals: ``refuse_everything()`` and every ``refuse(address)``.
        (Slowness stays; ``slow(0)`` ends it.)"""
        with self._changed:
            self._refuse_all = None
            self._refused.clear()

    def slow(self, seconds: float) -> None:
        """Answer each DATA only after ``seconds`` (the message is taken at once; see the
        module's docstring); 0 answers at once again."""
        with self._changed:
            self._delay = seconds

    # --- What arrived -----------------------------------------------------------------------

    def message_ids(self) -> list[str]:
        """The Message-ID header of each accepted message, in order ("" where it has none)."""
        with self._changed:
            return [str(message.get("Message-ID", "")) for message in self.messages]

    def recipients(self) -> list[str]:
        """The envelope recipients of the accepted messages, in order: one entry per recipient
        of each message, so a message sent to two addresses appears twice."""
        with self._changed:
            return list(self._recipients)

    def wait_for(self, count: int, timeout: float) -> bool:
        """Block until at least ``count`` messages are accepted; False if ``timeout`` passes."""
        with self._changed:
            return self._changed.wait_for(lambda: len(self.messages) >= count, timeout)

    # --- aiosmtpd's handler hooks (run in the server's event-loop thread) ----------------------

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        with self._changed:
            self.attempts += 1
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        with self._changed:
            refusal = self._refuse_all or self._refused.get(address.casefold())
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        # Taken first, answered after the delay, as a real server queues a message before it
        # says so: a client that stops waiting for the answer has still delivered it.
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self._changed:
            self.messages.append(message)
            self._recipients.extend(envelope.rcpt_tos)
            self._changed.notify_all()
            delay = self._delay
        if delay:
            # Not time.sleep: that would stall every other connection as well.
            await asyncio.sleep(delay)
        return "250 2.0.0 Message accepted"


@pytest.fixture
def fault_smtp(settings):
    """A running FaultySMTP, with Django's SMTP backend pointed at it; stopped afterwards."""
    server = FaultySMTP()
    server.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = server.host, server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5  # seconds; a hung server fails the test instead of hanging it
    yield server
    server.stop()

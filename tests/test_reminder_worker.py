"""Reminders through a real Celery worker and Redis, delivered to a real SMTP server.

Every due reminder arrives exactly once: when the task is enqueued twice, when
two workers send at the same moment, and when a worker is killed after
claiming a reminder but before the mail got through, then started again.

The SMTP server is aiosmtpd on 127.0.0.1, started by each test. Skipped without
Redis locally; with REQUIRE_SERVICES=1 a missing Redis fails. The two tests that
need a second process or real concurrency need PostgreSQL. Worker set-up as in
tests/test_celery_worker.py.
"""

import asyncio
import os
import signal
import socket
import subprocess
import sys
import threading
import uuid
from datetime import timedelta
from email import message_from_bytes
from email.header import decode_header, make_header
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from celery.result import EagerResult
from django.db import connection, connections
from django.db.models import F
from django.utils import timezone

from groups.models import Membership
from sessions import services
from sessions.models import ReminderClaim, ReminderKind, Session
from sessions.tasks import send_due_reminders
from tests import factories
from tests.conftest import skip_or_fail
from tests.roster_factories import ClashFactory, OnCallShiftFactory

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

# Guards against a hung broker, worker or server; not performance assertions.
RESULT_TIMEOUT = 60
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def postgres():
    if connection.vendor != "postgresql":
        skip_or_fail("needs PostgreSQL: a second process must see the test database")


# --- A real SMTP server --------------------------------------------------------------------------


class Inbox:
    """Collects delivered messages. With `hold` set up, the next DATA waits until released
    and is then refused, as if the sender died mid-transfer: nothing is delivered."""

    def __init__(self):
        self.messages = []
        self.hold: threading.Event | None = None
        self.holding = threading.Event()

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's hook name
        if self.hold is not None:
            hold, self.hold = self.hold, None
            self.holding.set()
            for _ in range(RESULT_TIMEOUT * 20):
                if hold.is_set():
                    break
                await asyncio.sleep(0.05)
            return "451 Sender went away"
        self.messages.append(message_from_bytes(envelope.content))
        return "250 Message accepted"

    def received(self) -> list[tuple[str, str]]:
        return sorted(
            (m["To"], str(make_header(decode_header(m["Subject"])))) for m in self.messages
        )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp(settings):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    yield inbox, controller.port
    controller.stop()


# --- Reminders due right now ---------------------------------------------------------------


def due_now():
    """Reminders due at the real time now (the worker does not share a test clock):

    an upcoming session in two hours — the presenter's last reminder, the day-before
    reminder of each other member, and a clash for one of them; and a session that ended
    two hours ago with its register not taken — a reminder to its leader.
    """
    scheme = factories.SchemeFactory(reminder_hour=0, register_reminder_hour=0)
    zone = ZoneInfo(scheme.time_zone)
    now = timezone.now()
    leader = factories.UserFactory(email="leader@example.org")
    people = {
        name: factories.UserFactory(email=f"{name}@example.org")
        for name in ("presenter", "oncall", "member")
    }

    def session(start, group):
        local = start.astimezone(zone)
        for person in (leader, *people.values()):
            Membership.objects.get_or_create(
                person=person,
                group=group,
                defaults={
                    "role": "leader" if person == leader else "member",
                    "start_date": local.date() - timedelta(days=30),
                },
            )
        return Session.objects.create(
            group=group,
            slot_date=local.date(),
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            presenter=people["presenter"],
        )

    upcoming = session(now + timedelta(hours=2), factories.GroupFactory(scheme=scheme))
    ended = session(now - timedelta(hours=3), factories.GroupFactory(scheme=scheme))
    Session.objects.filter(pk=ended.pk).update(presenter=None)
    shift = OnCallShiftFactory(
        source__person=people["oncall"],
        person=people["oncall"],
        starts_at=upcoming.starts_at - timedelta(hours=4),
        ends_at=upcoming.starts_at + timedelta(hours=8),
    )
    # As the recomputation records it, without its own after-commit notice: the due
    # reminders run is what sends it here.
    ClashFactory(
        session=upcoming,
        person=people["oncall"],
        shift=shift,
        shift_starts_at=shift.starts_at,
        shift_ends_at=shift.ends_at,
        detected_at=now,
    )
    group = upcoming.group.name
    expected = sorted(
        [
            ("presenter@example.org", f"You present at {group} today"),
            ("oncall@example.org", f"On call during {group} today, "),
            ("oncall@example.org", f"On-call clash: {group} on "),
            ("member@example.org", f"{group} today, "),
            ("leader@example.org", f"{group} today, "),
            ("leader@example.org", f"Register not taken: {ended.group.name} on "),
        ]
    )
    return expected


def matches(received, expected) -> bool:
    """Each received (to, subject) starts with the expected one, pairwise, in sorted order."""
    if len(received) != len(expected):
        return False
    subjects = {to: [] for to, _ in expected}
    for to, subject in received:
        subjects.setdefault(to, []).append(subject)
    for to, prefix in expected:
        found = [s for s in subjects.get(to, []) if s.startswith(prefix)]
        if not found:
            return False
        subjects[to].remove(found[0])
    return True


def tomorrow_wording(expected):
    """A session two hours from now may fall after midnight: 'tomorrow' then, not 'today'."""
    return [(to, subject.replace(" today", " tomorrow")) for to, subject in expected]


def assert_delivered_once(inbox, expected):
    received = inbox.received()
    assert matches(received, expected) or matches(received, tomorrow_wording(expected)), received
    assert set(ReminderClaim.objects.values_list("state", flat=True)) == {"sent"}
    assert ReminderClaim.objects.count() == len(expected)


# --- Enqueued twice ------------------------------------------------------------------------


def test_every_due_reminder_arrives_once_when_the_task_is_enqueued_twice(worker, smtp):
    inbox, _port = smtp
    expected = due_now()

    first, second = send_due_reminders.delay(), send_due_reminders.delay()

    assert not isinstance(first, EagerResult)
    sent = [first.get(timeout=RESULT_TIMEOUT), second.get(timeout=RESULT_TIMEOUT)]
    assert sorted(sent) == [0, len(expected)]
    assert_delivered_once(inbox, expected)

    assert send_due_reminders.delay().get(timeout=RESULT_TIMEOUT) == 0  # the next beat tick
    assert_delivered_once(inbox, expected)


def test_two_workers_at_the_same_moment_send_once(postgres, smtp):
    inbox, _port = smtp
    due_now()
    session = Session.objects.get(presenter__isnull=False)
    key = {
        "session_id": session.pk,
        "person_id": session.presenter_id,
        "kind": ReminderKind.PRESENTER_LAST,
    }
    barrier, results = threading.Barrier(4), []

    def send():
        try:
            barrier.wait(timeout=RESULT_TIMEOUT)
            results.append(services.reminder_send(**key))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=RESULT_TIMEOUT)

    assert sorted(results) == [False, False, False, True]
    assert [to for to, _ in inbox.received()] == ["presenter@example.org"]


# --- Killed mid-run and restarted ----------------------------------------------------------


def worker_process(name: str, queue: str, redis_url: str, smtp_port: int, var_dir: Path):
    """A separate `celery worker` process on the test database, Redis and SMTP server."""
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    database_url = (
        f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        f"/{db['NAME']}"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "balint.settings",
        "DEBUG": "0",
        "SECRET_KEY": "worker-test-" + "k" * 60,
        "ALLOWED_HOSTS": "localhost",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "BALINT_VAR_DIR": str(var_dir),
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "LOG_LEVEL": "WARNING",
    }
    command = [
        sys.executable, "-m", "celery", "-A", "balint", "worker", "--pool=solo", "-Q", queue,
        "-n", f"{name}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat",
    ]  # fmt: skip
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def stop(process, sig=signal.SIGTERM):
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout=RESULT_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_a_worker_killed_after_claiming_is_made_good_by_the_next_one(
    postgres, broker, smtp, tmp_path
):
    inbox, port = smtp
    expected = due_now()
    queue = f"reminders-test-{uuid.uuid4().hex}"
    inbox.hold = threading.Event()
    held = inbox.hold

    first = worker_process("first", queue, broker, port, tmp_path)
    try:
        send_due_reminders.apply_async(queue=queue)
        assert inbox.holding.wait(RESULT_TIMEOUT), "the first worker never reached the SMTP server"
        # Claimed and in the middle of sending: the claim is committed, the mail not delivered.
        (in_flight,) = ReminderClaim.objects.all()
        assert in_flight.state == ReminderClaim.State.CLAIMED
        stop(first, signal.SIGKILL)
    finally:
        stop(first, signal.SIGKILL)
        held.set()
    assert inbox.messages == []

    # Minutes pass: the dead worker's claim goes stale (REMINDER_CLAIM_STALE_SECONDS).
    ReminderClaim.objects.update(claimed_at=F("claimed_at") - timedelta(minutes=10))

    second = worker_process("second", queue, broker, port, tmp_path)
    try:
        results = [send_due_reminders.apply_async(queue=queue) for _ in range(2)]
        sent = sorted(r.get(timeout=RESULT_TIMEOUT) for r in results)
    finally:
        stop(second)

    assert sent == [0, len(expected)]
    assert_delivered_once(inbox, expected)
    in_flight.refresh_from_db()
    assert (in_flight.state, in_flight.attempts) == (ReminderClaim.State.SENT, 2)

"""The outbox under real faults: a real `celery worker` process (with its embedded beat where
a scenario must recover on its own) sends over real SMTP to a FaultySMTP (tests/smtp_server.py),
on PostgreSQL and Redis. Every test counts what arrived AT THE SERVER.

1. One address refused for good (550) among hundreds: every other email arrives once; that
   one fails with the server's reason, and the scheme's organiser sees it on the mail page.
2. Two runs overlapping on a slow server, the second started after the first has sent for
   longer than a lease: no email arrives twice.
3. A worker killed (SIGKILL) while the server holds an email's answer: the next worker sends
   everything else; the one email in flight may arrive twice, with the same Message-ID.
4. The server away mid-batch, for longer than a lease and all the retry steps together:
   everything arrives once, without a manual run.
5. A worker asked to stop (SIGTERM) mid-batch ends its short run, not the batch.

The worker gets a short lease, retry steps and beat interval (WORKER_ENV) so each fault plays
out in seconds. Skipped without PostgreSQL (the worker process must see the test database) or
Redis; under REQUIRE_SERVICES=1 either missing fails. Every wait is bounded (WAIT); nothing
asserts how long anything took. The notices of every kind under faults, in-process:
tests/balint/test_notifications_once.py.
"""

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from balint.celery import app
from balint.models import OutboundEmail
from balint.tasks import send_outbox
from tests import factories
from tests.conftest import skip_or_fail
from tests.production import current_database_url
from tests.workers import production_worker_env

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
WAIT = 180  # seconds: the bound on any wait, against a hung worker or server
LEASE = 8
WORKER_ENV = {
    "EMAIL_TIMEOUT": "1",
    "OUTBOX_LEASE_SECONDS": str(LEASE),  # must exceed six EMAIL_TIMEOUTs
    "OUTBOX_RETRY_SECONDS": "2,2,2,2",
    "OUTBOX_SEND_INTERVAL_SECONDS": "1",  # beat's send-outbox tick, with -B
}
# Longer than a lease and the retry steps together: beat meets the outage many times over.
# (bench/mail_faults.py keeps the server away for a minute.)
AWAY = 20


@pytest.fixture
def postgres():
    if connection.vendor != "postgresql":
        skip_or_fail("needs PostgreSQL: the worker process must see the test database")


# --- Worker processes --------------------------------------------------------------------


def mail_worker_process(
    name: str, redis_url: str, smtp_port: int, var_dir: Path, beat: bool, settings: dict
):
    """A `celery worker` process on the test database, Redis and the SMTP server, with
    WORKER_ENV and `settings` on top; its log goes to var_dir. In its own process group, so
    its embedded beat dies with it."""
    env = {
        **production_worker_env(),
        "DATABASE_URL": current_database_url(),
        "REDIS_URL": redis_url,
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "BALINT_VAR_DIR": str(var_dir),
        "LOG_LEVEL": "WARNING",
        **WORKER_ENV,
        **settings,
    }
    command = [
        sys.executable, "-m", "celery", "-A", "balint", "worker", "--pool=solo",
        "-n", f"{name}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat",
    ]  # fmt: skip
    if beat:
        command += ["-B", f"--schedule={var_dir / f'{name}-beat'}"]
    log = open(var_dir / f"{name}.log", "wb")  # noqa: SIM115 - the child keeps writing to it
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True
    )


def wait_ready(name: str, process, log: Path) -> None:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        assert process.poll() is None, f"worker {name} died:\n{log.read_text()[-3000:]}"
        replies = app.control.ping(timeout=0.5)
        if any(node.startswith(f"{name}@") for reply in replies for node in reply):
            return
    raise AssertionError(f"worker {name} did not start:\n{log.read_text()[-3000:]}")


def stop(process) -> None:
    """Warm shutdown: the run in hand finishes (so a copy in flight is counted), then the
    whole process group goes."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=WAIT)
    kill(process)


def kill(process) -> None:
    """SIGKILL the worker and its embedded beat, as a crash or an OOM kill would."""
    with contextlib.suppress(ProcessLookupError):  # gone already
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=WAIT)


@pytest.fixture
def workers(postgres, broker, fault_smtp, tmp_path):
    """start(beat=False, **settings) starts a worker process and waits until it answers. All are
    stopped afterwards. (What they leave in Redis, such as beat's ticks and re-queued runs,
    the `broker` fixture drops before the next test.)"""
    started = []

    def start(beat: bool = False, **settings):
        name = f"mailfaults-{uuid.uuid4().hex[:8]}"
        process = mail_worker_process(name, broker, fault_smtp.port, tmp_path, beat, settings)
        started.append(process)
        wait_ready(name, process, tmp_path / f"{name}.log")
        return process

    yield start
    for process in started:
        stop(process)


# --- Emails and waiting ------------------------------------------------------------------


def pending(count: int, scheme) -> list[OutboundEmail]:
    """`count` emails due now, each to its own address, with its own Message-ID."""
    now = timezone.now()
    batch = uuid.uuid4().hex[:6]
    return OutboundEmail.objects.bulk_create(
        factories.OutboundEmailFactory.build(
            state=OutboundEmail.State.PENDING,
            sent_at=None,
            attempts=0,
            person=None,
            scheme=scheme,
            to=f"trainee-{batch}-{i:04d}@example.org",
            subject=f"Reminder {i}",
            next_attempt_at=now,
            created_at=now,
        )
        for i in range(count)
    )


def wait_until(condition, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting: {what}; states: {dict(states())}")
        time.sleep(0.2)


def none_pending() -> bool:
    return not OutboundEmail.objects.filter(state=OutboundEmail.State.PENDING).exists()


def settle(server, *workers) -> Counter:
    """Wait until no email is pending, stop the workers (a copy still in flight lands
    first), and count each Message-ID the server received."""
    wait_until(none_pending, "every email sent or failed")
    for process in workers:
        stop(process)
    return Counter(server.message_ids())


def states() -> Counter:
    return Counter(OutboundEmail.objects.values_list("state", flat=True))


# --- 1. One address refused for good -------------------------------------------------------


def test_a_refused_address_fails_alone_and_its_organiser_sees_why(workers, fault_smtp, client):
    scheme = factories.SchemeFactory()
    rows = pending(300, scheme)
    refused = rows[137]
    fault_smtp.refuse(refused.to, 550)
    worker = workers()

    send_outbox.delay()  # as on commit of the change that queued them
    received = settle(fault_smtp, worker)

    assert received == Counter({row.message_id: 1 for row in rows if row != refused})
    assert states() == {"sent": 299, "failed": 1}
    refused.refresh_from_db()
    assert (refused.state, refused.attempts) == ("failed", 1)
    assert refused.last_error.startswith("550 5.1.1 ")

    client.force_login(factories.OrganiserFactory(scheme=scheme).person)
    page = client.get(f"/schemes/{scheme.pk}/mail/").content.decode()
    assert refused.to in page
    assert "550 5.1.1 Mailbox unavailable" in page
    assert rows[0].to not in page  # delivered: not listed


# --- 2. Overlapping runs on a slow server ---------------------------------------------------


def test_two_overlapping_runs_on_a_slow_server_send_each_email_once(workers, fault_smtp):
    rows = pending(150, factories.SchemeFactory())
    fault_smtp.slow(0.2)  # 150 emails take one sender ~30 s: a run outlives the lease
    first, second = workers(), workers()

    first_run = send_outbox.delay()
    # The second run starts once the first has been sending for longer than a lease.
    time.sleep(LEASE + 2)
    assert 0 < len(fault_smtp.messages) < len(rows), "the first run is not mid-batch"
    second_run = send_outbox.delay()
    received = settle(fault_smtp, first, second)

    assert second_run.get(timeout=WAIT)["sent"] > 0  # the runs did overlap
    assert first_run.get(timeout=WAIT)["sent"] > 0
    assert {message_id: n for message_id, n in received.items() if n > 1} == {}  # none twice
    assert set(received) == {row.message_id for row in rows}
    assert states() == {"sent": len(rows)}


# --- 3. A worker killed mid-send ----------------------------------------------------------


def test_a_worker_killed_mid_send_is_made_good_by_the_next(workers, fault_smtp):
    rows = pending(300, factories.SchemeFactory())
    doomed = workers()
    send_outbox.delay()
    assert fault_smtp.wait_for(len(rows) // 3, WAIT)

    # Hold the next email's answer, so the kill lands after the server took it and before
    # the worker could mark it sent: the one window in which a copy can be sent twice.
    # (Held for less than the worker's EMAIL_TIMEOUT: it is killed waiting, not timed out.)
    fault_smtp.slow(0.9)
    assert fault_smtp.wait_for(len(fault_smtp.messages) + 1, WAIT)
    kill(doomed)
    fault_smtp.slow(0)
    assert len(fault_smtp.messages) < len(rows)
    (in_flight,) = OutboundEmail.objects.filter(state="pending", claimed_at__isnull=False)

    # Its lease expires, beat's next run takes it over; no one runs anything by hand.
    received = settle(fault_smtp, workers(beat=True))

    assert set(received) == {row.message_id for row in rows}  # nothing missing
    twice = [message_id for message_id, copies in received.items() if copies > 1]
    assert twice == [in_flight.message_id]  # only the email in flight, and recognisably
    assert received[in_flight.message_id] == 2
    copies_to = [
        to
        for to, message_id in zip(fault_smtp.recipients(), fault_smtp.message_ids(), strict=True)
        if message_id == in_flight.message_id
    ]
    assert copies_to == [in_flight.to, in_flight.to]
    assert states() == {"sent": len(rows)}
    in_flight.refresh_from_db()
    assert in_flight.attempts == 2


# --- 4. The mail server away ------------------------------------------------------------------


def test_a_server_away_for_a_while_gets_everything_once_without_a_manual_run(workers, fault_smtp):
    scheme = factories.SchemeFactory()
    before = pending(100, scheme)
    worker = workers(beat=True)  # beat's ticks do all the sending, as in production
    assert fault_smtp.wait_for(len(before), WAIT)
    wait_until(none_pending, "the first emails sent")

    # The server goes away; meanwhile more mail is queued, and the worker meets the outage.
    fault_smtp.stop()
    during = pending(200, scheme)
    wait_until(
        lambda: OutboundEmail.objects.filter(
            last_error__startswith="mail server unreachable"
        ).exists(),
        "the worker meeting the outage",
    )
    time.sleep(AWAY)
    fault_smtp.start()
    received = settle(fault_smtp, worker)

    rows = before + during
    assert received == Counter({row.message_id: 1 for row in rows})
    assert states() == {"sent": len(rows)}


# --- 5. A worker asked to stop ---------------------------------------------------------------


def test_a_worker_asked_to_stop_ends_its_short_run_not_the_whole_batch(workers, fault_smtp):
    """SIGTERM (docker stop, a deploy) waits for the task in hand. A sender run lasts at most
    OUTBOX_RUN_SECONDS, then hands over, so the worker stops long before the batch is done
    (here a slow server makes the batch a minute, and a run lasts 3 s, not 20); the next
    worker sends the rest, once."""
    rows = pending(300, factories.SchemeFactory())
    fault_smtp.slow(0.2)
    worker = workers(OUTBOX_RUN_SECONDS="3")
    send_outbox.delay()
    assert fault_smtp.wait_for(5, WAIT)

    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=WAIT) == 0  # a warm shutdown, not a kill
    delivered = len(fault_smtp.messages)
    assert delivered < len(rows)  # it did not wait for the whole batch
    assert not OutboundEmail.objects.filter(state="pending", claimed_at__isnull=False).exists()

    fault_smtp.slow(0)
    received = settle(fault_smtp, workers(beat=True))
    assert received == Counter({row.message_id: 1 for row in rows})

"""Benchmark: the outbox under mail faults at 1,000 reminders, through real worker processes.

    .venv/bin/python bench/mail_faults.py \\
        --database-url postgres://postgres@127.0.0.1:5432/postgres \\
        --redis-url redis://127.0.0.1:6379/12 [--count 1000] [--down-seconds 60]

Seeds its own throw-away PostgreSQL database (created on the server of --database-url, whose
own database is only used to create it, and dropped at the end); the Redis database of
--redis-url is emptied first and between scenarios. Each scenario gets a fresh group of
`--count` members with a session two hours away, so that many reminders are due; the
real service (sessions.reminders.services.reminders_queue_due) queues them in the outbox
and kicks the sender on commit, as in production. Real `celery worker` processes (solo
pool; beat embedded where the scenario must recover by itself) send them to a local SMTP
server that misbehaves on request (tests/smtp_server.py):

1. one address refused for good (550);
2. two overlapping runs on a slow server, the second started once the first has been
   sending for longer than a lease;
3. the worker killed (SIGKILL) while the server holds an email's answer, and restarted;
4. the server away for --down-seconds mid-batch, recovered by beat alone;
5. every recipient refused for a while (451) mid-batch, the sender enqueued twice.

For each it prints what was queued, delivered (distinct emails at the server), duplicates
(copies beyond the first), missing, failed, and the wall time from queueing to the last email
sent or failed, and writes them as the "## Mail under faults" section of bench/results.md
(`--output`). Figures are printed and written, never asserted.
"""

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import time as clock
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from results_file import write_section  # bench/results_file.py, next to this file

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SECTION = "## Mail under faults"
# Short lease, retries and beat interval, so each fault plays out in seconds.
WORKER_ENV = {
    "EMAIL_TIMEOUT": "1",
    "OUTBOX_LEASE_SECONDS": "8",
    "OUTBOX_RETRY_SECONDS": "2,2,2,2",
    "OUTBOX_SEND_INTERVAL_SECONDS": "1",
}
LEASE = int(WORKER_ENV["OUTBOX_LEASE_SECONDS"])


# --- Set-up --------------------------------------------------------------------------------


def throwaway_url(server_url: str) -> str:
    parts = urlsplit(server_url)
    return urlunsplit(parts._replace(path=f"/balint_bench_mail_{os.getpid()}"))


def admin(server_url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(server_url, autocommit=True) as connection:
        connection.execute(sql)


def base_env(database_url: str, redis_url: str, var_dir: Path) -> dict:
    env = os.environ.copy()
    env.update(
        DJANGO_SETTINGS_MODULE="balint.settings",
        DEBUG="0",
        SECRET_KEY="bench-" + "m" * 60,
        ALLOWED_HOSTS="localhost",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        BALINT_VAR_DIR=str(var_dir),
        CELERY_TASK_ALWAYS_EAGER="0",
        LOG_LEVEL="WARNING",
        **WORKER_ENV,
    )
    return env


def setup_django(env: dict) -> None:
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)


def empty_redis(redis_url: str) -> None:
    import redis

    redis.Redis.from_url(redis_url).flushdb()


def seed(count: int, tag: str):
    """A group of `count` members meeting in two hours: one presenter's last reminder and
    `count - 1` day-before reminders are due. Returns the scheme."""
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from groups.models import BalintGroup, Membership, Scheme, User
    from sessions.models import SchemeSettings, Session

    scheme = Scheme.objects.create(name=f"Mail faults {tag}")
    SchemeSettings.objects.filter(scheme=scheme).update(reminder_hour=0)
    group = BalintGroup.objects.create(scheme=scheme, name=f"Group {tag}", start_time=clock(9))
    password = make_password(None)
    people = User.objects.bulk_create(
        User(email=f"{tag}-{i:04d}@example.org", full_name=f"Dr {tag} {i}", password=password)
        for i in range(count)
    )
    today = timezone.localdate()
    Membership.objects.bulk_create(
        Membership(person=p, group=group, start_date=today - timedelta(days=30)) for p in people
    )
    start = timezone.now() + timedelta(hours=2)
    Session.objects.create(
        group=group,
        slot_date=timezone.localtime(start).date(),
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        presenter=people[0],
    )
    return scheme, people


# --- Workers ---------------------------------------------------------------------------------


class Workers:
    """`celery worker` processes on the bench database, Redis and the SMTP server of the
    scenario; each in its own process group, so its embedded beat goes with it."""

    def __init__(self, env: dict, var_dir: Path, smtp_port: int):
        self.env = {**env, "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(smtp_port)}
        self.env["EMAIL_BACKEND"] = "django.core.mail.backends.smtp.EmailBackend"
        self.var_dir = var_dir
        self.started: list[subprocess.Popen] = []

    def start(self, beat: bool = False) -> subprocess.Popen:
        from balint.celery import app

        name = f"bench-mail-{uuid.uuid4().hex[:8]}"
        command = [
            sys.executable, "-m", "celery", "-A", "balint", "worker", "--pool=solo",
            "-n", f"{name}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat",
        ]  # fmt: skip
        if beat:
            command += ["-B", f"--schedule={self.var_dir / f'{name}-beat'}"]
        log = open(self.var_dir / f"{name}.log", "wb")  # noqa: SIM115 - the child writes to it
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and app
            command, cwd=ROOT, env=self.env, stdout=log, stderr=log, start_new_session=True
        )
        self.started.append(process)
        for _ in range(120):
            if process.poll() is not None:
                raise SystemExit(f"A worker died at start; see {log.name}")
            replies = app.control.ping(timeout=0.5)
            if any(node.startswith(f"{name}@") for reply in replies for node in reply):
                return process
        raise SystemExit(f"A worker did not start; see {log.name}")

    @staticmethod
    def kill(process: subprocess.Popen) -> None:
        with contextlib.suppress(ProcessLookupError):  # gone already
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=60)

    def stop_all(self) -> None:
        """Warm shutdown (a run in hand finishes, so a copy in flight lands), then the rest
        of each process group."""
        for process in self.started:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.started:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=120)
            self.kill(process)


# --- Scenarios ------------------------------------------------------------------------------


def queue_reminders(scheme) -> int:
    """Queue the scheme's due reminders, as beat's queue-due-reminders would."""
    from sessions.models import Session
    from sessions.reminders import services

    return services.reminders_queue_due(
        session_ids=list(Session.objects.filter(group__scheme=scheme).values_list("pk", flat=True))
    )


def pending(scheme):
    from balint.models import OutboundEmail

    return OutboundEmail.objects.filter(scheme=scheme, state=OutboundEmail.State.PENDING)


def wait_settled(scheme, timeout: float) -> bool:
    """Until no email of the scheme is pending; False if `timeout` passed first."""
    deadline = time.monotonic() + timeout
    while pending(scheme).exists():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def refused(ctx) -> None:
    ctx.server.refuse(ctx.people[len(ctx.people) // 2].email, 550)
    ctx.workers.start()
    ctx.queue()


def overlapping(ctx) -> None:
    from balint.tasks import send_outbox

    ctx.server.slow(ctx.args.slow)
    ctx.workers.start()
    ctx.queue()
    # The second sender starts once the first has been sending for longer than a lease.
    deadline = time.monotonic() + LEASE + 2
    while time.monotonic() < deadline and pending(ctx.scheme).exists():
        time.sleep(0.1)
    ctx.workers.start()
    send_outbox.delay()


def killed(ctx) -> None:
    first = ctx.workers.start()
    ctx.queue()
    ctx.server.wait_for(ctx.count // 3, ctx.args.timeout)
    # Hold the next answer (for less than EMAIL_TIMEOUT), so the kill lands after the server
    # took an email and before the worker marked it sent.
    ctx.server.slow(0.9)
    ctx.server.wait_for(len(ctx.server.messages) + 1, ctx.args.timeout)
    ctx.workers.kill(first)
    ctx.server.slow(0)
    ctx.workers.start(beat=True)


def server_down(ctx) -> None:
    ctx.workers.start(beat=True)
    ctx.queue()
    ctx.server.wait_for(ctx.count // 3, ctx.args.timeout)
    ctx.server.stop()
    time.sleep(ctx.args.down_seconds)
    ctx.server.start()


def refusing_for_a_while(ctx) -> None:
    from balint.tasks import send_outbox

    ctx.workers.start(beat=True)
    ctx.workers.start()
    ctx.queue()
    send_outbox.delay()  # enqueued twice: the on-commit kick and this
    ctx.server.wait_for(ctx.count // 2, ctx.args.timeout)
    ctx.server.refuse_everything(451)
    time.sleep(ctx.args.refuse_seconds)
    ctx.server.accept_everything()


SCENARIOS = [
    ("one address refused for good (550)", refused),
    ("two overlapping runs, slow server", overlapping),
    ("worker killed mid-send, restarted", killed),
    ("server away mid-batch", server_down),
    ("all refused a while (451), enqueued twice", refusing_for_a_while),
]


class Context:
    """What a scenario works with: its server, workers, reminders and the clock."""

    def __init__(self, args, env, var_dir, tag):
        from tests.smtp_server import FaultySMTP

        self.args, self.count = args, args.count
        self.server = FaultySMTP()
        self.server.start()
        self.workers = Workers(env, var_dir, self.server.port)
        self.scheme, self.people = seed(args.count, tag)
        self.started = None
        self.queued = 0

    def queue(self) -> None:
        self.started = time.perf_counter()
        self.queued = queue_reminders(self.scheme)


def measure(ctx, seconds: str) -> dict:
    """Counts at the server against the outbox rows of the scenario's scheme."""
    from balint.models import OutboundEmail

    rows = dict(OutboundEmail.objects.filter(scheme=ctx.scheme).values_list("message_id", "state"))
    received = Counter(i for i in ctx.server.message_ids() if i in rows)
    failed = sum(state == OutboundEmail.State.FAILED for state in rows.values())
    return {
        "queued": ctx.queued,
        "delivered": len(received),
        "duplicates": sum(received.values()) - len(received),
        "missing": len(rows) - len(received) - failed,
        "failed": failed,
        "seconds": seconds,
    }


def run_scenario(args, env, var_dir, number, run) -> dict:
    empty_redis(args.redis_url)  # no tick or task of an earlier scenario
    ctx = Context(args, env, var_dir, f"s{number}")
    try:
        run(ctx)
        settled = wait_settled(ctx.scheme, args.timeout)
        seconds = f"{time.perf_counter() - ctx.started:.1f}" if settled else "not settled"
        ctx.workers.stop_all()  # a copy still in flight lands before counting
        return measure(ctx, seconds)
    finally:
        ctx.workers.stop_all()
        ctx.server.stop()
        pending(ctx.scheme).update(state="cancelled", last_error="benchmark over")


# --- Report ---------------------------------------------------------------------------------


def section(args, results: list[tuple[str, dict]]) -> str:
    settings = ", ".join(f"{k}={v}" for k, v in WORKER_ENV.items())
    lines = [
        SECTION,
        "",
        f"{args.count} reminders per scenario (`bench/mail_faults.py --count {args.count}`), "
        "queued by the real service and sent by real Celery worker processes (solo pool; "
        "beat embedded where the scenario recovers by itself) through Redis, on PostgreSQL, "
        "to a local SMTP server that misbehaves on request (tests/smtp_server.py). Worker "
        f"settings, shortened so each fault plays out in seconds: {settings}. Slow server: "
        f"{args.slow} s per answer; server away {args.down_seconds} s; 451 for "
        f"{args.refuse_seconds} s. Machine: {os.cpu_count()} cores. Wall time: from queueing "
        "the reminders to the last one sent or failed. Delivered counts distinct emails at "
        "the server; duplicates, the copies beyond the first, counted by Message-ID (a copy "
        "carries its email's own, so it is recognisable). Measured, not asserted.",
        "",
        "| scenario | queued | delivered | duplicates | missing | failed | wall s |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for label, f in results:
        lines.append(
            f"| {label} | {f['queued']} | {f['delivered']} | {f['duplicates']} "
            f"| {f['missing']} | {f['failed']} | {f['seconds']} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        default="postgres://postgres@127.0.0.1:5432/postgres",
        help="a PostgreSQL server; a throw-away database is created on it",
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/12", help="broker (emptied)")
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--slow", type=float, default=0.05, help="seconds per answer (2)")
    parser.add_argument("--down-seconds", type=float, default=60, help="server away (4)")
    parser.add_argument("--refuse-seconds", type=float, default=5, help="451 for (5)")
    parser.add_argument("--timeout", type=float, default=600, help="per scenario")
    parser.add_argument("--output", default=str(ROOT / "bench" / "results.md"))
    args = parser.parse_args()
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("--database-url must be PostgreSQL: worker processes share it")

    database_url = throwaway_url(args.database_url)
    name = urlsplit(database_url).path.lstrip("/")
    admin(args.database_url, f'CREATE DATABASE "{name}"')
    try:
        with tempfile.TemporaryDirectory(prefix="balint-bench-mail-") as var_dir:
            env = base_env(database_url, args.redis_url, Path(var_dir))
            empty_redis(args.redis_url)
            setup_django(env)
            results = []
            for number, (label, run) in enumerate(SCENARIOS, start=1):
                print(f"{number}. {label} ...", flush=True)
                figures = run_scenario(args, env, Path(var_dir), number, run)
                print("   " + "  ".join(f"{k}: {v}" for k, v in figures.items()), flush=True)
                results.append((label, figures))
            text = section(args, results)
    finally:
        from django.db import connections

        connections.close_all()
        admin(args.database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        empty_redis(args.redis_url)
    write_section(Path(args.output), SECTION, text)
    print()
    print(text)


if __name__ == "__main__":
    main()

"""bench/load.py's set-up: the cast of people who sign in, and the servers they use.

gunicorn, a Celery worker and Celery beat started as in production, stopped at the end, and
what beat and the worker ran read from their logs.
"""

import http.client
import os
import random
import subprocess
import time
from collections import Counter
from pathlib import Path

import pages  # bench/pages.py; bench/ is on sys.path (see bench/load.py)

ROOT = pages.ROOT
PYTHON = pages.PYTHON
ROLE_SHARES = {"organiser": 0.1, "leader": 0.2}  # the rest are trainees: 14/4/2 of 20
ORGANISERS_PER_USER = 4  # a second factor's code works once per 30 s step and person
RECENT_REGISTERS = 4  # a leader corrects one of the group's last few registers
SERVER_ERRORS = ("Traceback", "[ERROR]", "WORKER TIMEOUT", "Internal Server Error")


# --- The cast: who signs in ---------------------------------------------------------------


def role_counts(users: int) -> dict[str, int]:
    counts = {role: max(1, round(users * share)) for role, share in ROLE_SHARES.items()}
    counts["trainee"] = users - sum(counts.values())
    if counts["trainee"] < 1:
        raise SystemExit("Use at least 3 users: one trainee, one leader, one organiser.")
    return counts


def ensure_organisers(scheme, count: int, prefix: str) -> None:
    """The scheme's organisers up to `count`, each with an authenticator app."""
    from allauth.account.models import EmailAddress
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.contrib.auth.hashers import make_password

    from balint.management.commands.seed_scale import PASSWORD
    from groups.models import SchemeOrganiser, User

    usable = make_password(PASSWORD)
    for n in range(1, count):
        email = f"{prefix}-organiser-{n}@example.org"
        person, created = User.objects.get_or_create(
            email=email, defaults={"full_name": f"Dr Organiser {n:05d}", "password": usable}
        )
        if created:
            EmailAddress.objects.create(user=person, email=email, verified=True, primary=True)
            SchemeOrganiser.objects.create(scheme=scheme, person=person)
            TOTP.activate(person, generate_totp_secret())


def cast(counts: dict[str, int], prefix: str = "scale") -> dict:
    """Sets of people per role, with their pages' ids and organisers' TOTP secrets."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.utils import decrypt
    from django.utils import timezone

    from attendance.models import Attendance
    from groups.models import BalintGroup, Membership, Scheme, SchemeOrganiser, User
    from sessions.models import Session

    scheme = Scheme.objects.get(name=pages.SCHEME)
    ensure_organisers(scheme, counts["organiser"] * ORGANISERS_PER_USER, prefix)
    organisers = [
        {
            "email": o.person.email,
            "ids": {"scheme": scheme.pk},
            "secret": decrypt(Authenticator.objects.get(user=o.person, type="totp").data["secret"]),
        }
        for o in SchemeOrganiser.objects.filter(scheme=scheme).select_related("person")
    ]
    leaders = []
    for membership in (
        Membership.objects.current()
        .filter(group__scheme=scheme, role="leader")
        .select_related("person")
        .order_by("group__name")
    ):
        held = list(
            Session.objects.filter(
                group=membership.group_id, status="held", starts_at__lte=timezone.now()
            )
            .order_by("-starts_at")
            .values_list("pk", flat=True)[:RECENT_REGISTERS]
        )
        if held:
            ids = {"group": membership.group_id, "session": held[0]}
            leaders.append({"email": membership.person.email, "ids": ids, "registers": held})
    trainees = [
        {"email": email, "ids": {}}
        for email in Membership.objects.current()
        .filter(group__scheme=scheme, role="member")
        .order_by("person__email")
        .values_list("person__email", flat=True)
        .distinct()
    ]
    figures = {
        "trainees": User.objects.filter(email__startswith=f"{prefix}-trainee-").count(),
        "groups": BalintGroup.objects.filter(scheme=scheme).count(),
        "sessions": Session.objects.filter(group__scheme=scheme).count(),
        "attendance records": Attendance.objects.filter(session__group__scheme=scheme).count(),
    }
    return {
        "people": {"organiser": organisers, "leader": leaders, "trainee": trainees},
        "figures": figures,
    }


def deal(people: dict[str, list], counts: dict[str, int], seed: int) -> list[tuple[str, list]]:
    """(role, that virtual user's own people): nobody is in two users' sets."""
    shuffler = random.Random(seed)
    users = []
    for role, count in counts.items():
        everyone = list(people[role])
        shuffler.shuffle(everyone)
        if len(everyone) < count:
            raise SystemExit(f"Only {len(everyone)} {role}s for {count} virtual users.")
        users += [(role, everyone[n::count]) for n in range(count)]
    return users


# --- The servers ----------------------------------------------------------------------------


def server_env(args, **extra) -> dict:
    """pages.py's production settings, with tasks going to the worker through Redis."""
    env = pages.django_env(args.database_url)
    env.update(CELERY_TASK_ALWAYS_EAGER="0", **extra)
    if args.distinct_addresses:
        env["TRUSTED_PROXY_COUNT"] = "1"
    return env


def gunicorn_workers(args) -> int:
    """As balint/gunicorn.conf.py counts them, unless --workers says."""
    default = (os.cpu_count() or 1) * 2 + 1
    return args.workers or int(os.environ.get("GUNICORN_WORKERS", default))


def start(command: list[str], env: dict, log: Path) -> subprocess.Popen:
    with log.open("wb") as out:
        return subprocess.Popen(  # noqa: S603 - our own interpreter and app
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )


def wait_healthy(port: int, server: subprocess.Popen, log: Path) -> None:
    for _ in range(300):
        if server.poll() is not None:
            raise SystemExit(f"gunicorn stopped at start:\n{log.read_text()[-3000:]}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer /healthz:\n{log.read_text()[-3000:]}")


def wait_worker() -> None:
    from balint.celery import app

    for _ in range(120):
        if app.control.ping(timeout=0.5):
            return
    raise SystemExit("The Celery worker did not answer a ping.")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def task_runs(worker_log: Path, beat_log: Path) -> dict[str, Counter]:
    """Tasks beat sent, and tasks the worker finished (succeeded or not), by name."""
    sent, done = Counter(), Counter()
    for line in beat_log.read_text(errors="replace").splitlines():
        if "Sending due task" in line:
            sent[line.rsplit("(", 1)[-1].rstrip(")")] += 1
    for line in worker_log.read_text(errors="replace").splitlines():
        for outcome in ("succeeded", "raised", "failed"):
            if f"] {outcome}" in line and "Task " in line:
                name = line.split("Task ", 1)[1].split("[", 1)[0]
                done[f"{name} {outcome}"] += 1
    return {"sent by beat": sent, "run by the worker": done}


def run_servers(args, run, var: Path) -> dict:
    """Servers up, `run` (a load_users.Run) made to go, servers down; its figures."""
    gunicorn = [PYTHON, "-m", "gunicorn", "balint.wsgi", "--config", "balint/gunicorn.conf.py"]
    gunicorn += ["--bind", f"127.0.0.1:{run.port}"]
    if args.workers:
        gunicorn += ["--workers", str(args.workers)]
    celery = [PYTHON, "-m", "celery", "-A", "balint"]
    worker = [*celery, "worker", "--loglevel=INFO", "-n", f"load-{os.getpid()}@%h"]
    beat = [*celery, "beat", "--loglevel=INFO", f"--schedule={var / 'celerybeat-schedule'}"]
    env = server_env(args)
    logs = {name: var / f"{name}.log" for name in ("gunicorn", "worker", "beat")}
    processes = []
    try:
        processes.append(start(worker, env, logs["worker"]))
        wait_worker()
        processes.append(start(beat, env, logs["beat"]))
        processes.append(start(gunicorn, env, logs["gunicorn"]))
        wait_healthy(run.port, processes[-1], logs["gunicorn"])
        print(f"Load: {args.users} virtual users for {args.duration} s ...", flush=True)
        figures = run.go()
    finally:
        for process in reversed(processes):
            stop(process)
    figures["tasks"] = task_runs(logs["worker"], logs["beat"])
    figures["server errors"] = [
        line
        for line in logs["gunicorn"].read_text(errors="replace").splitlines()
        if any(mark in line for mark in SERVER_ERRORS)
    ]
    return figures

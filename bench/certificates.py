"""Benchmark: issue and export 1,000 certificates; time per certificate in bulk vs alone.

    .venv/bin/python bench/certificates.py [--count 1000] [--workers 2] \
        [--redis-url redis://127.0.0.1:6379/13] [--plain]

The certificates carry the full design, as the demo's do: the scheme's mark and a
second signature, the leader's (two more queries a batch, and a second picture on
each page); `--plain` leaves both out.

The export runs as in production: the service enqueues the chunks, and a real
Celery worker (`--workers` processes) renders them. With `--redis-url` the broker is
Redis, as in production (that Redis database is emptied first); without it, the
embedded broker, which polls a folder and adds up to 0.1 s before each chunk starts.

Runs on its own throw-away SQLite database in a temporary folder, so it never
touches your data: it measures rendering, not the database. Prints, does not assert.
"""

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from datetime import time as clock
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup_django(var_dir: str, redis_url: str = "") -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "balint.settings")
    os.environ.setdefault("DEBUG", "1")
    os.environ["BALINT_VAR_DIR"] = var_dir
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("REDIS_URL", None)
    if redis_url:
        import redis

        redis.Redis.from_url(redis_url).flushdb()
        os.environ["REDIS_URL"] = redis_url
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "0"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("createcachetable")


def seed(count: int, *, designed: bool = True):
    """A scheme requiring one session, and `count` trainees who attended it, led by a
    leader; `designed`: the scheme has a mark and its leaders sign."""
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from attendance.figures import figures_rebuild
    from attendance.models import Attendance
    from groups.models import BalintGroup, Membership, Scheme, SchemeOrganiser, User
    from sessions.models import Session

    stamp = int(time.time())
    scheme = Scheme.objects.create(name=f"Benchmark scheme {stamp}")
    scheme.requirement.sessions_required = 1
    scheme.requirement.save()
    organiser = User.objects.create(
        email=f"bench-organiser-{stamp}@example.org", full_name="Dr Bench Organiser"
    )
    SchemeOrganiser.objects.create(scheme=scheme, person=organiser)
    group = BalintGroup.objects.create(scheme=scheme, name="Benchmark group", start_time=clock(9))
    password = make_password(None)
    people = User.objects.bulk_create(
        User(
            email=f"bench-{stamp}-{i}@example.org",
            full_name=f"Dr Trainee {i:04d}",
            registration_number=f"IMC {600000 + i}",
            password=password,
        )
        for i in range(count)
    )
    today = timezone.localdate()
    Membership.objects.bulk_create(
        Membership(person=p, group=group, start_date=today - timedelta(days=30)) for p in people
    )
    start = timezone.now() - timedelta(days=7)
    session = Session.objects.create(
        group=group,
        slot_date=today - timedelta(days=7),
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        status=Session.Status.HELD,
    )
    Attendance.objects.bulk_create(
        Attendance(session=session, person=p, status="present", updated_by=organiser)
        for p in people
    )
    leader = User.objects.create(email=f"bench-leader-{stamp}@example.org", full_name="Dr Leader")
    Attendance.objects.create(
        session=session, person=leader, role="leader", status="present", updated_by=organiser
    )
    if designed:
        from attendance.certificate_services import certificate_design_update
        from attendance.demo import demo_mark

        certificate_design_update(
            actor=organiser, scheme=scheme, leader_signs=True, mark=demo_mark()
        )
    figures_rebuild(scheme=scheme)  # the bulk writes went past the services
    return scheme, organiser


def start_worker(processes: int) -> subprocess.Popen:
    from balint.celery import app

    worker = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "balint",
            "worker",
            "--loglevel=WARNING",
            f"--concurrency={processes}",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=os.environ.copy(),
        start_new_session=True,
    )
    for _ in range(60):
        if app.control.ping(timeout=0.5):
            return worker
    worker.kill()
    raise SystemExit("The Celery worker did not start.")


def cpu_seconds(pid: int) -> float:
    """CPU time of a process and all its descendants so far, from /proc (Linux)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except FileNotFoundError:
        return 0.0
    own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime
    return own + sum(cpu_seconds(int(child)) for child in children)


def wait_for(export_id: int):
    from attendance.models import CertificateExport

    while True:
        export = CertificateExport.objects.get(pk=export_id)
        if export.status in (CertificateExport.Status.DONE, CertificateExport.Status.FAILED):
            return export
        time.sleep(0.05)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--redis-url", default="", help="broker as in production (emptied)")
    parser.add_argument("--plain", action="store_true", help="no mark, no leader's signature")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="balint-bench-") as var_dir:
        setup_django(var_dir, args.redis_url)
        from attendance import certificate_exports, pdf, services

        scheme, organiser = seed(args.count, designed=not args.plain)

        started = time.perf_counter()
        issued = services.certificates_issue_eligible(actor=organiser, scheme=scheme)
        issue_seconds = time.perf_counter() - started

        single = []
        for certificate in issued[:5]:
            started = time.perf_counter()
            pdf.render_certificate(certificate)
            single.append(time.perf_counter() - started)
        single_ms = 1000 * sorted(single)[len(single) // 2]

        worker = start_worker(args.workers)
        try:
            started, worker_cpu = time.perf_counter(), cpu_seconds(worker.pid)
            export = certificate_exports.certificate_export_start(
                actor=organiser, scheme=scheme, certificates=issued
            )
            export = wait_for(export.pk)
            export_seconds = time.perf_counter() - started
            worker_cpu = cpu_seconds(worker.pid) - worker_cpu
        finally:
            # Nothing runs by now, and even a cold shutdown spends 6 s with the embedded broker:
            # the worker and its pool go at once, as one process group.
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=30)
        if export.status != export.Status.DONE:
            raise SystemExit(f"The export failed: {export.error}")
        with zipfile.ZipFile(export.file.path) as archive:
            pdfs = sum(name.endswith(".pdf") for name in archive.namelist())

        per_cert_ms = 1000 * export_seconds / len(issued)
        print(f"certificates issued:          {len(issued)} in {issue_seconds:.1f} s")
        print(f"single certificate render:    {single_ms:.1f} ms (median of {len(single)})")
        print(f"bulk export ({pdfs} PDFs in a ZIP): {export_seconds:.1f} s")
        print(f"bulk, per certificate:        {per_cert_ms:.1f} ms")
        print(f"bulk speed-up:                {single_ms / per_cert_ms:.1f}x")
        # What the processes spent, whatever the clock: on N cores the floor is this / N.
        print(f"worker CPU per certificate:   {1000 * worker_cpu / len(issued):.1f} ms")
        broker = "Redis" if args.redis_url else "embedded"
        print(
            f"cores: {os.cpu_count()}  worker processes: {args.workers}  "
            f"batch: {pdf.BATCH_SIZE}  broker: {broker}  "
            f"design: {'plain' if args.plain else 'mark and leader signature'}"
        )


if __name__ == "__main__":
    main()

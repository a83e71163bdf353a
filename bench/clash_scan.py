"""Benchmark: the full clash scan over thousands of trainees, each with a year of on-call shifts.

    .venv/bin/python bench/clash_scan.py [--trainees 3000] [--shifts 120]
    .venv/bin/python bench/clash_scan.py --database-url postgres://postgres@127.0.0.1:5432/postgres

Seeds its own throw-away database and never touches your data: a SQLite file in a
temporary folder, or, with --database-url, a new database created on that
PostgreSQL server (the URL's own database is only used to create it) and dropped
at the end. Trainees sit in groups of ten meeting weekly for the coming year;
each has `--shifts` twelve-hour shifts spread over the year, so a few per cent of
their sessions clash.

Times the interval scan (sessions/clashes/detection.py: sort-and-sweep, and on PostgreSQL
also the GiST-backed range query, checked to agree), the nightly recomputation
that records the clashes, a second run that finds nothing new, and the
recomputation after one trainee's import (the emails about new clashes, sent by
the worker afterwards, are left out). Prints figures; asserts nothing.
"""

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BATCH = 5_000
GROUP_SIZE = 10


def setup_django(var_dir: str, database_url: str | None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "balint.settings")
    os.environ.setdefault("DEBUG", "1")
    os.environ["BALINT_VAR_DIR"] = var_dir
    for name in ("DATABASE_URL", "REDIS_URL"):
        os.environ.pop(name, None)
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "1"
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.dummy.EmailBackend"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)


class ThrowawayPostgres:
    """A fresh database next to the one named in `url`, dropped on exit."""

    def __init__(self, url: str):
        self.server = url
        parts = urlsplit(url)
        self.name = f"balint_bench_clash_{os.getpid()}"
        self.url = urlunsplit(parts._replace(path="/" + self.name))

    def _admin(self):
        import psycopg

        return psycopg.connect(self.server, autocommit=True)

    def __enter__(self) -> str:
        with self._admin() as admin:
            admin.execute(f'CREATE DATABASE "{self.name}"')
        return self.url

    def __exit__(self, *exc):
        from django.db import connections

        connections.close_all()
        with self._admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{self.name}"')


def seed(trainees: int, shifts_per_trainee: int, seed_value: int) -> dict:
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from groups.models import BalintGroup, Membership, Scheme, User
    from sessions.models import OnCallShift, RosterSource, Session
    from sessions.schedule.planning import local_span

    rng = random.Random(seed_value)
    today = timezone.localdate()
    scheme = Scheme.objects.create(name="Benchmark scheme")  # the default margin: 30 minutes
    password = make_password(None)
    people = User.objects.bulk_create(
        (
            User(email=f"bench-{i}@example.org", full_name=f"Dr Trainee {i:05d}", password=password)
            for i in range(trainees)
        ),
        batch_size=BATCH,
    )
    group_count = max(1, trainees // GROUP_SIZE)
    groups = BalintGroup.objects.bulk_create(
        BalintGroup(
            scheme=scheme,
            name=f"Group {g:04d}",
            meeting_weekday=g % 5,
            start_time=clock(rng.choice([9, 13, 17])),
        )
        for g in range(group_count)
    )
    Membership.objects.bulk_create(
        (
            Membership(
                person=person, group=groups[i % group_count], start_date=today - timedelta(days=30)
            )
            for i, person in enumerate(people)
        ),
        batch_size=BATCH,
    )
    sessions = []
    for group in groups:
        first = today + timedelta(days=(group.meeting_weekday - today.weekday()) % 7 or 7)
        for week in range(52):
            day = first + timedelta(weeks=week)
            starts_at, ends_at = local_span(day, group.start_time, 60, scheme.time_zone)
            sessions.append(
                Session(group=group, slot_date=day, starts_at=starts_at, ends_at=ends_at)
            )
    Session.objects.bulk_create(sessions, batch_size=BATCH)

    source = RosterSource.objects.create(
        scheme=scheme, kind=RosterSource.Kind.ORGANISER_UPLOAD, name="Benchmark rota"
    )
    start = datetime.combine(today - timedelta(days=30), clock(8), tzinfo=UTC)
    step = timedelta(days=395) / max(shifts_per_trainee, 1)

    def shifts():
        for person in people:
            for n in range(shifts_per_trainee):
                begins = start + n * step + timedelta(minutes=30 * rng.randrange(0, 48))
                yield OnCallShift(
                    source=source,
                    person=person,
                    starts_at=begins,
                    ends_at=begins + timedelta(hours=12),
                )

    shift_count = 0
    batch = []
    for shift in shifts():
        batch.append(shift)
        if len(batch) == BATCH:
            shift_count += len(OnCallShift.objects.bulk_create(batch))
            batch = []
    shift_count += len(OnCallShift.objects.bulk_create(batch))
    return {
        "trainees": trainees,
        "groups": group_count,
        "sessions": len(sessions),
        "shifts": shift_count,
        "person": people[0],
    }


def timed(function):
    started = time.perf_counter()
    result = function()
    return result, time.perf_counter() - started


def run(args) -> None:
    from django.db import connection
    from django.utils import timezone

    from sessions.clashes import detection as clashes
    from sessions.clashes import services, tasks

    # Telling people about new clashes is the worker's job, after commit: not timed here.
    tasks.notify_clashes.delay = lambda *args, **kwargs: None
    counts, seconds = timed(lambda: seed(args.trainees, args.shifts, args.seed))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(f"database:                 {connection.vendor}")
    print(
        f"seeded:                   {counts['trainees']} trainees in {counts['groups']} groups, "
        f"{counts['sessions']} sessions, {counts['shifts']} shifts in {seconds:.1f} s"
    )
    now = timezone.now()
    swept, seconds = timed(lambda: clashes.find_overlaps(since=now, method=clashes.SWEEP))
    print(f"full scan, sort-and-sweep: {seconds:.2f} s, {len(swept)} overlapping pairs")
    if connection.vendor == "postgresql":
        queried, seconds = timed(lambda: clashes.find_overlaps(since=now, method=clashes.POSTGRES))
        same = "identical" if queried == swept else "DIFFERENT"
        print(f"full scan, range + GiST:   {seconds:.2f} s, {len(queried)} pairs ({same})")
    changes, seconds = timed(services.clashes_recompute)
    print(f"nightly recompute, first:  {seconds:.2f} s, {len(changes.new)} clashes recorded")
    changes, seconds = timed(services.clashes_recompute)
    print(
        f"nightly recompute, again:  {seconds:.2f} s, "
        f"{len(changes.new)} new, {changes.resolved} resolved"
    )
    person = counts["person"]
    _, seconds = timed(lambda: services.clashes_recompute(person_ids=[person.pk]))
    print(f"one trainee's import:      {seconds * 1000:.0f} ms")
    print(f"cores: {os.cpu_count()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trainees", type=int, default=3000)
    parser.add_argument("--shifts", type=int, default=120, help="Shifts per trainee in a year.")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--database-url",
        help="A PostgreSQL server to create a throw-away database on (default: SQLite).",
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="balint-bench-") as var_dir:
        if args.database_url:
            with ThrowawayPostgres(args.database_url) as url:
                setup_django(var_dir, url)
                run(args)
        else:
            setup_django(var_dir, None)
            run(args)


if __name__ == "__main__":
    main()

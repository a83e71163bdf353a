"""Benchmark the main pages of each role against an empty page, at two data sizes.

    .venv/bin/python bench/pages.py \\
        --database-url postgres://postgres@127.0.0.1:5432/balint_bench \\
        --redis-url redis://127.0.0.1:6379/14 \\
        --small 500/50/1 --large 5000/500/10 --requests 200 --clients 4

Sizes are trainees/groups/years for `manage.py seed_scale`. The script

1. creates two databases (<name>_small and <name>_large; SQLite URLs work too),
   migrates them and fills them with seed_scale;
2. counts the queries of every page at both sizes (Django's test client);
3. serves the large one with gunicorn and requests every page `--requests`
   times from `--clients` concurrent clients in this process, reporting p50 and
   p95 and the ratio of each p50 to the empty page's (the base template for a
   signed-in user), all measured in the same run; every page is built afresh on
   every request (the app has no page cache);
4. optionally (`--jobs`) times the background jobs on the large database;
5. prints a table and writes it as the "## Single client (page benchmark)" section of
   bench/results.md, replaced in place (bench/results_file.py). One page at a time, with no
   contention: bench/load.py's realistic load is the headline. Figures are printed, never
   asserted.
"""

import argparse
import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))  # also when loaded by the tests
from results_file import write_section  # bench/results_file.py, next to this file

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SECRET = "bench-" + "s" * 60
SECTION = "## Single client (page benchmark)"

# (role, label, path template); ids come from the database (see `locate`).
PAGES = [
    ("trainee", "empty page", "/bench/empty/"),
    ("trainee", "trainee home", "/"),
    ("trainee", "my rota", "/rota/"),
    ("trainee", "my progress", "/progress/"),
    ("leader", "group page", "/groups/{group}/"),
    ("leader", "group sessions", "/groups/{group}/sessions/"),
    ("leader", "register", "/sessions/{session}/register/"),
    ("leader", "group register CSV", "/groups/{group}/register.csv"),
    ("organiser", "scheme page", "/schemes/{scheme}/"),
    ("organiser", "people page", "/schemes/{scheme}/people/"),
    ("organiser", "scheme overview", "/schemes/{scheme}/overview/"),
    ("organiser", "overview CSV", "/schemes/{scheme}/overview.csv"),
]
SCHEME = "National Scale Scheme"  # what seed_scale creates by default
REDIS_URL = ""  # set from --redis-url


def accounts(ids: dict, prefix: str = "scale") -> dict[str, str]:
    """The seed_scale sign-ins each page is requested as."""
    return {
        "trainee": ids["trainee"],
        "leader": f"{prefix}-leader-0@example.org",
        "organiser": f"{prefix}-organiser@example.org",
    }


# --- Running Django commands against one database -----------------------------------


def django_env(database_url: str, **extra) -> dict:
    env = os.environ.copy()
    env.pop("REDIS_URL", None)
    if REDIS_URL:
        env["REDIS_URL"] = redis_for(database_url)  # the cache, as in production
    env.update(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="balint.settings",
        DEBUG="0",
        SECRET_KEY=SECRET,
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        SECURE_SSL_REDIRECT="0",
        LOG_LEVEL="WARNING",
        # Jobs run in the measuring process: tasks eager, mail kept in memory.
        CELERY_TASK_ALWAYS_EAGER="1",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        **extra,
    )
    return env


def redis_for(database_url: str) -> str:
    """Each database its own Redis database (the next number for the large one):
    sharing one would share cache keys such as a scheme's figures."""
    parts = urlsplit(REDIS_URL)
    number = int(parts.path.strip("/") or 0) + ("_large" in database_url.rsplit("/", 1)[-1])
    return urlunsplit(parts._replace(path=f"/{number}"))


def empty_redis(database_url: str) -> None:
    """Nothing cached from an earlier run of another seed."""
    import redis

    redis.Redis.from_url(redis_for(database_url)).flushdb()


def manage(database_url: str, *args: str) -> None:
    subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [PYTHON, "manage.py", *args], cwd=ROOT, env=django_env(database_url), check=True
    )


def inside_start(database_url: str, modes: str) -> subprocess.Popen:
    """Start this script's in-Django part (`--inside MODE[,MODE]`): one process for
    several modes, as each Django start costs seconds."""
    return subprocess.Popen(  # noqa: S603
        [PYTHON, __file__, "--inside", modes],
        cwd=ROOT,
        env=django_env(database_url),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def inside_answer(process: subprocess.Popen) -> dict:
    """Its JSON answer: {mode: result}."""
    out, err = process.communicate()
    if process.returncode:
        raise SystemExit(f"--inside {process.args[-1]} failed:\n{err}")
    return json.loads(out.strip().splitlines()[-1])


def inside(database_url: str, modes: str) -> dict:
    return inside_answer(inside_start(database_url, modes))


def sqlite_path(url: str) -> Path | None:
    return Path(url.split("sqlite:///", 1)[1]) if url.startswith("sqlite:///") else None


def with_database_name(url: str, suffix: str) -> str:
    path = sqlite_path(url)
    if path is not None:
        return f"sqlite:///{path.with_name(f'{path.stem}_{suffix}.sqlite3')}"
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"{parts.path}_{suffix}"))


def recreate(url: str) -> None:
    path = sqlite_path(url)
    if path is not None:
        path.unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        return
    parts = urlsplit(url)
    import psycopg

    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def prepare_schema(url: str) -> None:
    recreate(url)
    manage(url, "migrate", "--no-input", "-v0")
    manage(url, "createcachetable")


def prepare(url: str, size: str, schema_like: str = "") -> subprocess.Popen:
    """Start seeding a new database of the given size; the caller waits. An SQLite file
    already migrated (schema_like) is copied rather than migrated again: one migration run
    for both sizes."""
    trainees, groups, years = size.split("/")
    if sqlite_path(schema_like) and sqlite_path(url):
        shutil.copyfile(sqlite_path(schema_like), sqlite_path(url))
    else:
        prepare_schema(url)
    return subprocess.Popen(  # noqa: S603
        [
            *(PYTHON, "manage.py", "seed_scale"),
            *(f"--trainees={trainees}", f"--groups={groups}", f"--years={years}"),
        ],
        cwd=ROOT,
        env=django_env(url),
    )


# --- Inside Django: locate ids, count queries, make sessions, run jobs ----------------


def locate(scheme_name: str = SCHEME) -> dict:
    from django.utils import timezone

    from groups.models import BalintGroup, Membership, Scheme
    from sessions.models import Session

    scheme = Scheme.objects.get(name=scheme_name)
    group = BalintGroup.objects.filter(scheme=scheme).order_by("name").first()
    session = (
        Session.objects.filter(group=group, status="held", starts_at__lte=timezone.now())
        .order_by("-starts_at")
        .first()
    )
    # A trainee of the first group today: seed_scale rotates trainees through places.
    trainee = (
        Membership.objects.current()
        .filter(group=group, role="member")
        .order_by("person__email")
        .values_list("person__email", flat=True)
        .first()
    )
    return {"scheme": scheme.pk, "group": group.pk, "session": session.pk, "trainee": trainee}


def count_queries(scheme_name: str = SCHEME, prefix: str = "scale") -> dict:
    """Queries per page, each page requested once before it is counted (warm caches)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from groups.models import User

    ids = locate(scheme_name)
    counts = {}
    clients = {}
    for role, email in accounts(ids, prefix).items():
        clients[role] = Client()
        clients[role].force_login(User.objects.get(email=email))
    for role, label, path in PAGES:
        url = path.format(**ids)
        clients[role].get(url)
        with CaptureQueriesContext(connection) as queries:
            response = clients[role].get(url)
        assert response.status_code == 200, (url, response.status_code)
        counts[label] = len(queries)
    return counts


def session_cookies() -> dict:
    from django.conf import settings
    from django.test import Client

    from groups.models import User

    ids = locate()
    cookies = {}
    for role, email in accounts(ids).items():
        client = Client()
        client.force_login(User.objects.get(email=email))
        client.get("/bench/empty/")  # a browser holds a CSRF cookie from its first page
        cookies[role] = "; ".join(
            f"{name}={client.cookies[name].value}"
            for name in (settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME)
        )
    return {"cookies": cookies, "ids": ids}


def run_jobs() -> dict:
    """Time the background jobs on this database: clash scan, reminders, certificates."""
    from attendance import certificate_exports
    from attendance import services as attendance_services
    from balint import outbox
    from groups.models import Scheme, SchemeOrganiser
    from sessions import services as session_services

    timings = {}
    started = time.perf_counter()
    changes = session_services.clashes_recompute()
    timings[f"full clash scan ({len(changes.new)} new clashes)"] = time.perf_counter() - started

    started = time.perf_counter()
    queued = session_services.reminders_queue_due()
    sent = outbox.outbox_send_due(seconds=3600).sent
    timings[f"reminder run ({queued} queued, {sent} sent)"] = time.perf_counter() - started

    scheme = Scheme.objects.get(name=SCHEME)
    organiser = SchemeOrganiser.objects.filter(scheme=scheme).first().person
    started = time.perf_counter()
    issued = attendance_services.certificates_issue_eligible(actor=organiser, scheme=scheme)
    timings[f"issue certificates ({len(issued)})"] = time.perf_counter() - started
    if issued:
        started = time.perf_counter()
        export = certificate_exports.certificate_export_start(
            actor=organiser, scheme=scheme, certificates=issued
        )
        certificate_exports.certificate_export_build(export_id=export.pk)
        timings[f"bulk certificate export ({len(issued)}, one process)"] = (
            time.perf_counter() - started
        )
    return {label: round(seconds, 2) for label, seconds in timings.items()}


def inside_main(mode: str) -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    run = {"queries": count_queries, "cookies": session_cookies, "jobs": run_jobs}
    print(json.dumps({each: run[each]() for each in mode.split(",")}))


# --- Outside: serve with gunicorn and time requests -------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(database_url: str, port: int, workers: int) -> subprocess.Popen:
    server = subprocess.Popen(  # noqa: S603
        [
            PYTHON,
            "-m",
            "gunicorn",
            "balint.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=django_env(database_url),
    )
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("gunicorn did not start")


def fetch(port: int, path: str, cookie: str) -> float:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    started = time.perf_counter()
    connection.request("GET", path, headers={"Cookie": cookie})
    response = connection.getresponse()
    response.read()
    elapsed = time.perf_counter() - started
    connection.close()
    if response.status != 200:
        raise SystemExit(f"{path} answered {response.status}")
    return elapsed


def time_page(port: int, path: str, cookie: str, requests: int, clients: int) -> list[float]:
    for _ in range(min(10, requests)):  # warm-up: imports, template and connection caches
        fetch(port, path, cookie)
    with ThreadPoolExecutor(max_workers=clients) as pool:
        return list(pool.map(lambda _: fetch(port, path, cookie), range(requests)))


def time_pages(database_url: str, found: dict, args) -> dict:
    """Every page's request times from one gunicorn run."""
    port = free_port()
    server = serve(database_url, port, args.workers)
    try:
        timings = {}
        for role, label, path in PAGES:
            url = path.format(**found["ids"])
            timings[label] = time_page(
                port, url, found["cookies"][role], args.requests, args.clients
            )
            print(f"  timed {label}", flush=True)
        return timings
    finally:
        server.terminate()
        server.wait(timeout=30)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


# --- Report ------------------------------------------------------------------------------------


def report(args, small_counts, large_counts, timings, jobs) -> str:
    empty = statistics.median(timings["empty page"])
    lines = [
        SECTION,
        "",
        f"Small: {args.small}, large: {args.large} (trainees/groups/years). "
        f"{args.requests} requests per page from {args.clients} concurrent clients "
        f"against gunicorn ({args.workers} workers) on the large database. "
        f"Machine: {os.cpu_count()} cores. Database: {urlsplit(args.database_url).scheme}. "
        f"Cache: {'Redis' if REDIS_URL else 'database'}.",
        "",
        "Every page is built afresh on every request. One page at a time with no contention "
        "from other people: the cost of the page alone.",
        "",
        "| page | queries (small) | queries (large) | p50 ms | p95 ms | p50 / empty |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for _, label, _ in PAGES:
        values = timings[label]
        p50 = statistics.median(values)
        lines.append(
            f"| {label} | {small_counts[label]} | {large_counts[label]} | {p50 * 1000:.1f} "
            f"| {percentile(values, 0.95) * 1000:.1f} | {p50 / empty:.2f} |"
        )
    if jobs:
        lines += ["", "| background job (large) | seconds |", "|---|---:|"]
        lines += [f"| {label} | {seconds} |" for label, seconds in jobs.items()]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inside", help=argparse.SUPPRESS)
    parser.add_argument("--database-url", default=f"sqlite:///{ROOT / 'var' / 'bench.sqlite3'}")
    parser.add_argument("--small", default="500/50/1")
    parser.add_argument("--large", default="5000/500/10")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 2) * 2 + 1)
    parser.add_argument("--jobs", action="store_true", help="also time the background jobs")
    parser.add_argument("--reuse", action="store_true", help="keep existing databases")
    parser.add_argument("--output", default=str(ROOT / "bench" / "results.md"))
    parser.add_argument(
        "--redis-url",
        default="",
        help="cache in Redis, as in production (else the database); this Redis database "
        "and the next are emptied",
    )
    args = parser.parse_args()
    global REDIS_URL
    REDIS_URL = args.redis_url
    if args.inside:
        inside_main(args.inside)
        return

    small = with_database_name(args.database_url, "small")
    large = with_database_name(args.database_url, "large")
    # DEBUG=0 serves hashed static names. Collected while the databases are seeded.
    collecting = subprocess.Popen(  # noqa: S603
        [PYTHON, "manage.py", "collectstatic", "--no-input", "-v0"], cwd=ROOT, env=django_env(large)
    )
    schema = with_database_name(args.database_url, "schema")
    if sqlite_path(schema) and not args.reuse:
        prepare_schema(schema)
    seeding = []
    for url, size in ((small, args.small), (large, args.large)):
        if REDIS_URL:
            empty_redis(url)
        if args.reuse:
            manage(url, "migrate", "--no-input", "-v0")
        else:
            print(f"Seeding {size} into {url} ...", flush=True)
            seeding.append(prepare(url, size, schema_like=schema))
    # Both sizes at once: separate databases, and a machine has more than one core.
    if any(process.wait() for process in seeding):
        raise SystemExit("seed_scale failed")
    if collecting.wait():
        raise SystemExit("collectstatic failed")
    counting = inside_start(small, "queries")
    large_facts = inside(large, "queries,cookies")
    small_counts = inside_answer(counting)["queries"]
    large_counts, found = large_facts["queries"], large_facts["cookies"]
    timings = time_pages(large, found, args)
    jobs = inside(large, "jobs")["jobs"] if args.jobs else {}
    text = report(args, small_counts, large_counts, timings, jobs)
    write_section(Path(args.output), SECTION, text)
    print(text)


if __name__ == "__main__":
    main()

"""Realistic load: many people signing in and using the app at once, with beat running.

    .venv/bin/python bench/load.py \\
        --database-url postgres://postgres@127.0.0.1:5432/balint_load \\
        --redis-url redis://127.0.0.1:6379/12 \\
        --size 5000/500/10 --users 20 --duration 120 --think 5 \\
        --sign-in-every 2 --register-every 20 --sign-out-share 0.25

The script

1. fills the database with `manage.py seed_scale` at --size (trainees/groups/years; the
   database is dropped and created anew; --skip-seed keeps it) and gives the scheme a few
   more organisers, each with an authenticator app (TOTP), so that no two virtual users are
   ever the same person; the Redis database of --redis-url (cache and broker) is emptied;
2. starts, as in production (docker-compose.yml), gunicorn with balint/gunicorn.conf.py
   (DEBUG=0, the real balint.settings, SECURE_SSL_REDIRECT=0 as there is no TLS proxy), a
   Celery worker and Celery beat against Redis, so beat's schedule runs during the load;
   mail goes to an in-memory backend (there is no SMTP server);
3. runs --users virtual users (threads in this process), trainees, leaders and organisers
   about 14/4/2. A virtual user's visit: it waits for its turn (one sign-in in the whole run
   every --sign-in-every seconds), signs in as the next person of its own set through the
   real form (and the second factor, a TOTP code, for organisers), lands on its home page
   and browses its role's pages of bench/pages.py at random with --think seconds (mean,
   randomised) between requests. A visit lasts users x sign-in-every seconds on average
   (0.5 to 1.5 times), so that the sign-in rate and the number of people at once both hold
   (Little's law). It ends with signing out (--sign-out-share of visits) or by leaving the
   session behind, and the next visit is another person. Leaders save a register (GET the
   page, change one line, POST the form) once every --register-every seconds in the run;
4. counts every answer: p50/p95 per page, each p50 against the empty page's p50 in the
   same run, and errors by request and status: anything but the expected 200 (pages) or
   302 (form posts) is one, 429 and "Too many" included, and so are exceptions;
5. prints a table and writes the "## Realistic load" section of bench/results.md, the first
   after the title and intro (the headline), replacing its old copy in place.

All virtual users come from 127.0.0.1 (one hospital NAT: the strictest case for the
per-address rate limits); --distinct-addresses gives each its own X-Forwarded-For with
TRUSTED_PROXY_COUNT=1 instead, and says so. Figures are printed, never asserted.

This file holds the command line and the report; bench/load_setup.py the cast and the
servers (1, 2), bench/load_users.py the virtual users and the run (3, 4).
"""

import argparse
import os
import statistics
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
import pages  # bench/pages.py, next to this file
from load_setup import cast, gunicorn_workers, role_counts, run_servers
from load_users import EMPTY, Run, Stats
from results_file import write_section

ROOT = pages.ROOT
SECTION = "## Realistic load"
# The pace of the run: (option, default, help).
PACE = [
    ("--duration", 120, "seconds"),
    ("--think", 5, "mean seconds between requests"),
    ("--sign-in-every", 2, "seconds"),
    ("--register-every", 20, "seconds"),
    ("--sign-out-share", 0.25, None),
]


# --- Report -----------------------------------------------------------------------------------


def ordered_labels(stats: Stats) -> list[str]:
    known = [label for _, label, _ in pages.PAGES]
    extra = sorted(set(stats.timings) - set(known))
    return [label for label in known + extra if label in stats.timings]


def report(args, run: Run, figures: dict, data: dict) -> str:
    stats = run.stats
    empty = statistics.median(stats.timings[EMPTY]) if stats.timings.get(EMPTY) else None
    wall = figures["wall"]
    counts = ", ".join(f"{role}s: {n}" for role, n in run.counts.items())
    seeded = ", ".join(f"{n:,} {name}" for name, n in data["figures"].items())
    addresses = (
        "each virtual user its own X-Forwarded-For address (TRUSTED_PROXY_COUNT=1)"
        if args.distinct_addresses
        else "all virtual users from 127.0.0.1, as behind one NAT"
    )
    requests = sum(len(v) for v in stats.timings.values()) + sum(stats.errors.values())
    late = sorted(stats.oversleep) or [0.0]
    lines = [
        SECTION,
        "",
        f"`bench/load.py` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores "
        f"(`nproc`), {urlsplit(args.database_url).scheme} and Redis. Data: seed_scale "
        f"{args.size} (trainees/groups/years): {seeded}. gunicorn with balint/gunicorn.conf.py "
        f"({gunicorn_workers(args)} workers x {os.environ.get('GUNICORN_THREADS', 2)} threads, "
        "DEBUG=0, Redis cache and sessions as in production), a "
        "Celery worker and beat running their schedule; mail to memory. "
        f"{args.users} virtual users ({counts}), threads in one process, {addresses}, each "
        "a different person signing in through the real form (organisers with a TOTP code), "
        f"browsing their role's pages with {args.think} s think time (mean, 0.5-1.5x); "
        f"a sign-in every {args.sign_in_every} s, a register saved every {args.register_every} s "
        f"by a leader, {args.sign_out_share:.0%} of visits ending by signing out "
        "(the others leave the session behind). Rate limits as in production.",
        "",
        f"Measured over {wall:.0f} s: {requests} requests "
        f"({requests / wall:.1f} a second), "
        + ", ".join(f"{n} {name}" for name, n in sorted(stats.events.items()))
        + f". Client: {figures['client cpu']:.1f} CPU-s in {wall:.0f} s "
        f"({figures['client cpu'] / wall:.0%} of one core); think-time sleeps woke "
        f"{statistics.median(late) * 1000:.1f} ms late at p50, "
        f"{pages.percentile(late, 0.95) * 1000:.1f} ms at p95. Machine load average (1 min): "
        f"{figures['load'][0]:.1f} at the start, {figures['load'][1]:.1f} at the end.",
        "",
        "| request | role | answers | p50 ms | p95 ms | p50 / empty |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for label in ordered_labels(stats):
        values = stats.timings[label]
        p50 = statistics.median(values)
        ratio = f"{p50 / empty:.2f}" if empty else "n/a"
        lines.append(
            f"| {label} | {', '.join(sorted(stats.roles[label]))} | {len(values)} "
            f"| {p50 * 1000:.1f} | {pages.percentile(values, 0.95) * 1000:.1f} | {ratio} |"
        )
    lines += ["", f"Errors: {sum(stats.errors.values())}."]
    if stats.errors:
        lines += ["", "| request | error | count |", "|---|---|---:|"]
        lines += [
            f"| {label} | {kind} | {n} |" for (label, kind), n in sorted(stats.errors.items())
        ]
    tasks = figures["tasks"]
    for heading, names in tasks.items():
        listed = ", ".join(f"{name} x{n}" for name, n in sorted(names.items())) or "none"
        lines += ["", f"Tasks {heading} during the run: {listed}."]
    if figures["server errors"]:
        lines += ["", f"gunicorn logged {len(figures['server errors'])} error lines."]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=f"sqlite:///{ROOT / 'var' / 'load.sqlite3'}")
    parser.add_argument("--redis-url", required=True, help="cache and broker (emptied)")
    parser.add_argument("--size", default="5000/500/10", help="trainees/groups/years")
    parser.add_argument("--users", type=int, default=20)
    for option, default, meaning in PACE:
        parser.add_argument(option, type=float, default=default, help=meaning)
    parser.add_argument("--workers", type=int, default=0, help="default: gunicorn.conf.py's")
    parser.add_argument("--skip-seed", action="store_true", help="keep the database")
    parser.add_argument("--distinct-addresses", action="store_true")
    parser.add_argument("--seed", type=int, default=1, help="for the random choices")
    parser.add_argument("--output", default=str(ROOT / "bench" / "results.md"))
    args = parser.parse_args()
    if args.sign_in_every <= 0 or args.register_every <= 0:
        raise SystemExit("--sign-in-every and --register-every must be positive.")
    pages.REDIS_URL = args.redis_url
    url = args.database_url

    if args.skip_seed:
        pages.manage(url, "migrate", "--no-input", "-v0")
    else:
        print(f"Seeding {args.size} into {url} ...", flush=True)
        if pages.prepare(url, args.size).wait():
            raise SystemExit("seed_scale failed")
    pages.manage(url, "collectstatic", "--no-input", "-v0")  # DEBUG=0 serves hashed names
    pages.empty_redis(url)

    os.environ.update(pages.django_env(url))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connections

    data = cast(role_counts(args.users))
    connections.close_all()

    run = Run(args, pages.free_port(), data["people"])
    with tempfile.TemporaryDirectory(prefix="balint-load-") as var:
        figures = run_servers(args, run, Path(var))
    text = report(args, run, figures, data)
    write_section(Path(args.output), SECTION, text, first=True)
    print()
    print(text)
    if figures["stuck"]:
        raise SystemExit(f"{figures['stuck']} virtual users did not finish.")


if __name__ == "__main__":
    main()

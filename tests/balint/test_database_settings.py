"""PostgreSQL is told its storage is SSD, so small reads follow indexes; the web's requests
run without parallel workers; a query run often is prepared."""

import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection

from groups.models import User
from tests.factories import UserFactory
from tests.production import production_env

pytestmark = pytest.mark.usefixtures("postgres_only")


def with_production_settings(tmp_path, lines: list[str], **env) -> str:
    """What a Python process prints running `lines` after django.setup() with production's
    settings, against this test's database unless env says otherwise."""
    database = connection.settings_dict
    url = f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
    done = subprocess.run(
        [sys.executable, "-c", "; ".join(lines)],
        cwd=settings.BASE_DIR,
        env=production_env(tmp_path, **{"DATABASE_URL": url, **env}),
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def test_postgresql_prices_random_reads_as_on_ssd(db):
    with connection.cursor() as cursor:
        cursor.execute("SHOW random_page_cost")
        (value,) = cursor.fetchone()

    assert float(value) == 1.1


def parallel_workers(tmp_path, *, web: bool) -> str:
    """max_parallel_workers_per_gather on a connection of a process that read
    balint/gunicorn.conf.py first (the web) or did not (the worker)."""
    return with_production_settings(
        tmp_path,
        [
            "import runpy, django",
            "runpy.run_path('balint/gunicorn.conf.py')" if web else "pass",
            "django.setup()",
            "from django.db import connection",
            "cursor = connection.cursor()",
            "cursor.execute('SHOW max_parallel_workers_per_gather')",
            "print(cursor.fetchone()[0])",
        ],
        DB_PARALLEL_QUERY=None,
    )


def test_web_requests_run_without_parallel_workers(db, tmp_path):
    assert parallel_workers(tmp_path, web=True) == "0"


def test_the_worker_keeps_the_servers_parallel_workers(db, tmp_path):
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        (server_default,) = cursor.fetchone()

    assert server_default != "0"
    assert parallel_workers(tmp_path, web=False) == server_default


def test_a_query_run_often_is_prepared(db):
    """PostgreSQL parses it once per connection instead of on every run."""
    user = UserFactory()
    for _ in range(6):
        User.objects.get(pk=user.pk)

    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [statement for (statement,) in cursor.fetchall()]

    assert any('FROM "groups_user"' in statement for statement in prepared)


def test_prepared_statements_can_be_turned_off(db, tmp_path):
    """For PgBouncer in transaction mode before 1.21, which cannot hold them."""

    def options(**env) -> str:
        return with_production_settings(
            tmp_path,
            [
                "import django",
                "django.setup()",
                "from django.conf import settings",
                "print(sorted(settings.DATABASES['default']['OPTIONS']))",
            ],
            **env,
        )

    assert "server_side_binding" in options(DB_PREPARED_STATEMENTS=None)
    assert "server_side_binding" not in options(DB_PREPARED_STATEMENTS="0")

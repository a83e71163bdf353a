"""PostgreSQL is told its storage is SSD, so small reads follow indexes; the web's requests
run without parallel workers; a query run often is prepared."""

import pytest
from django.db import connection

from groups.models import User
from tests.factories import UserFactory
from tests.production import current_database_url, production_env, read_setting, run


@pytest.mark.usefixtures("postgres_only")
def test_postgresql_prices_random_reads_as_on_ssd(db):
    with connection.cursor() as cursor:
        cursor.execute("SHOW random_page_cost")
        (value,) = cursor.fetchone()

    assert float(value) == 1.1


def parallel_workers(tmp_path, *, web: bool) -> str:
    """max_parallel_workers_per_gather on a connection made with production's settings, in
    a process that read balint/gunicorn.conf.py first (the web) or did not (the worker)."""
    script = "; ".join(
        [
            "import runpy, django",
            "runpy.run_path('balint/gunicorn.conf.py')" if web else "pass",
            "django.setup()",
            "from django.db import connection",
            "cursor = connection.cursor()",
            "cursor.execute('SHOW max_parallel_workers_per_gather')",
            "print(cursor.fetchone()[0])",
        ]
    )
    environ = production_env(tmp_path, DATABASE_URL=current_database_url(), DB_PARALLEL_QUERY=None)
    done = run(["-c", script], environ)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.mark.usefixtures("postgres_only")
def test_web_requests_run_without_parallel_workers(db, tmp_path):
    assert parallel_workers(tmp_path, web=True) == "0"


@pytest.mark.usefixtures("postgres_only")
def test_the_worker_keeps_the_servers_parallel_workers(db, tmp_path):
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        (server_default,) = cursor.fetchone()

    assert server_default != "0"
    assert parallel_workers(tmp_path, web=False) == server_default


@pytest.mark.usefixtures("postgres_only")
def test_a_query_run_often_is_prepared(db):
    """PostgreSQL parses it once per connection instead of on every run."""
    user = UserFactory()
    for _ in range(6):
        User.objects.get(pk=user.pk)

    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [statement for (statement,) in cursor.fetchall()]

    assert any('FROM "groups_user"' in statement for statement in prepared)


def test_prepared_statements_can_be_turned_off(tmp_path):
    """For PgBouncer in transaction mode before 1.21, which cannot hold them."""

    def options(**env) -> str:
        done = read_setting(
            tmp_path,
            "sorted(settings.DATABASES['default']['OPTIONS'])",
            DATABASE_URL="postgres://postgres@127.0.0.1:5432/unused",
            **env,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    assert "server_side_binding" in options(DB_PREPARED_STATEMENTS=None)
    assert "server_side_binding" not in options(DB_PREPARED_STATEMENTS="0")

import io
import os
from datetime import date

import pytest
import time_machine
from celery import current_app
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection, transaction
from django.db.backends.postgresql.operations import DatabaseOperations as PostgresOperations
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from groups.models import Membership
from tests import factories
from tests.factories import figures as factory_figures

# Real Celery worker and Redis fixtures (redis_url, broker, worker), a private Redis to stop
# and start (private_redis), and a real SMTP server that misbehaves on request (fault_smtp).
pytest_plugins = ["tests.workers", "tests.smtp_server", "tests.redis_server"]


def require_services() -> bool:
    return os.environ.get("REQUIRE_SERVICES") == "1"


def skip_or_fail(reason: str) -> None:
    """A test that needs a missing service skips locally and fails under REQUIRE_SERVICES=1."""
    if require_services():
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}")
    pytest.skip(reason)


def pytest_collection_modifyitems(items):
    """The long tests first (benchmarks and the real worker, then the browser journeys),
    each file's tests still together. pytest-xdist hands tests out in this order and idle
    processes take work from busy ones (--dist worksteal): a run no longer ends with one
    process busy with a long test while the others wait."""

    def rank(item) -> int:
        if item.get_closest_marker("slow"):
            return 0
        return 1 if item.get_closest_marker("browser") else 2

    items.sort(key=rank)


@pytest.fixture
def postgres_only():
    """For tests of what only PostgreSQL can show (row locks, concurrent transactions)."""
    if connection.vendor != "postgresql":
        skip_or_fail("needs PostgreSQL")


@pytest.fixture
def frozen_now():
    """The clock stopped at NOW (tests.factories.sessions) for the whole test; a file takes it
    with `pytestmark = pytest.mark.usefixtures("frozen_now")`. A test that moves the clock
    by hand asks for it by name: `frozen_now.shift(60)`, `frozen_now.move_to(...)`."""
    from tests.factories.sessions import NOW

    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _factory_figures(request):
    """The factories of a test in one transaction note whose figures changed; the notes are
    applied before anything could see the table (tests/factories/figures.py). A test
    whose data other connections read (a live server, a real worker, threads) refreshes
    at once. Autouse fixtures are set up before the others, whose factories they watch."""
    if not {"transactional_db", "live_server"}.isdisjoint(request.fixturenames):
        yield
        return
    with factory_figures.deferred(), connection.execute_wrapper(factory_figures.before_sql):
        yield


def _enter_after_the_notes(self, enter=CaptureQueriesContext.__enter__):
    """A count of queries (django_assert_num_queries and the like) starts with the
    factories' notes applied: their refreshes are the data's making, not the counted
    code's queries."""
    factory_figures.apply()
    return enter(self)


CaptureQueriesContext.__enter__ = _enter_after_the_notes


def _empty_row_by_row(self, style, tables, *, reset_sequences=False, allow_cascade=False):
    """PostgreSQL's flush after a transactional test (a live server, a real worker): DELETE,
    not TRUNCATE. TRUNCATE gives every table and index a new file whatever they hold: a
    test's teardown took 0.3-0.5 s on an idle machine and 1.0-1.4 s beside a running
    suite, against 0.13-0.17 s beside the same suite with DELETE (a test's few rows).
    The order of the tables does not matter: Django makes every foreign key deferrable,
    initially deferred, and the flush runs in one transaction."""
    if reset_sequences or allow_cascade:
        return _truncate(
            self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
        )
    delete = style.SQL_KEYWORD("DELETE FROM")
    return [f"{delete} {style.SQL_FIELD(self.quote_name(table))};" for table in tables]


_truncate = PostgresOperations.sql_flush
PostgresOperations.sql_flush = _empty_row_by_row


@pytest.fixture(autouse=True)
def _balint_stays_the_current_celery_app():
    """A test that makes another Celery app current (`Celery()` does unless told not to)
    fails here, not the later tests whose tasks would then go to that app's broker."""
    yield
    assert current_app.main == "balint", f"the current Celery app is {current_app.main!r}"


@pytest.fixture(scope="module")
def seeded_demo(django_db_setup, django_db_blocker) -> str:
    """`seed_demo` once for a module's tests (about 3 s each time), rolled back after the
    module. Each test still runs in its own savepoint inside it (the `db` fixture).
    Returns what the command printed."""
    with django_db_blocker.unblock(), override_settings(DEBUG=True), transaction.atomic():
        printed = io.StringIO()
        call_command("seed_demo", stdout=printed)
        yield printed.getvalue()
        transaction.set_rollback(True)


@pytest.fixture
def scheme(db):
    return factories.SchemeFactory()


@pytest.fixture
def group(scheme):
    return factories.GroupFactory(scheme=scheme)


@pytest.fixture
def organiser(scheme):
    return factories.OrganiserFactory(scheme=scheme).person


@pytest.fixture
def leader(group):
    return factories.LeaderFactory(group=group).person


@pytest.fixture
def co_leader(group):
    return factories.MembershipFactory(group=group, role=Membership.Role.CO_LEADER).person


@pytest.fixture
def former_leader(group):
    """Led the group from September until January: no longer reads its later sessions."""
    return factories.LeaderFactory(
        group=group, start_date=date(2025, 9, 1), end_date=date(2026, 1, 31)
    ).person


@pytest.fixture
def trainee(group):
    return factories.MembershipFactory(group=group).person


@pytest.fixture
def other_scheme_organiser(db):
    return factories.OrganiserFactory().person


@pytest.fixture
def other_group(scheme):
    """A second group in the same scheme."""
    return factories.GroupFactory(scheme=scheme)


@pytest.fixture
def other_group_leader(other_group):
    return factories.LeaderFactory(group=other_group).person


@pytest.fixture
def stranger(db):
    """Signed in, but holds no role anywhere."""
    return factories.UserFactory()


@pytest.fixture
def signed_in(client, request, role):
    """The test client signed in as the test's `role` (a fixture name, as in tests.access).
    Asked for last in the test's arguments, so the other fixtures are made first."""
    client.force_login(request.getfixturevalue(role))
    return client


@pytest.fixture
def behind_proxy(settings):
    """One trusted proxy in front of the app, from any peer (balint/ratelimit.py)."""
    settings.TRUSTED_PROXY_COUNT = 1
    settings.TRUSTED_PROXY_NETWORKS = []

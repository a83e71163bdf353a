"""Moving a scheme's settings out of groups.Scheme loses nothing: sessions 0005 and
attendance 0004 copy each scheme's values into their tables before groups 0007 drops the
columns, and migrating back puts them back."""

import pytest
from django.db import connection, connections
from django.db.migrations.executor import MigrationExecutor
from django.db.utils import load_backend

BEFORE = [
    ("groups", "0006_user_name_order"),
    ("balint_sessions", "0004_reminders_in_outbox"),
    ("attendance", "0003_trainee_figures"),
]
AFTER = [
    ("groups", "0007_scheme_settings_moved"),
    ("balint_sessions", "0005_scheme_settings"),
    ("attendance", "0004_requirement"),
]
CUSTOM = {
    "sessions_required": 12,
    "counted_statuses": ["present"],
    "travel_margin_minutes": 45,
    "presenter_first_reminder_days": 5,
    "presenter_last_reminder_days": 2,
    "member_reminder_days": 3,
    "reminder_hour": 8,
    "register_reminder_hour": 20,
}


# A database of the test's own, migrated from empty: taking the shared test database back
# from the latest migration and forward again cost about 30 s of every run.
ALIAS = "migration_test"


def migrate(targets):
    executor = MigrationExecutor(connections[ALIAS])
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def own_database(db, tmp_path):
    settings = dict(connection.settings_dict)
    if connection.vendor == "sqlite":
        settings["NAME"] = str(tmp_path / "migration_test.sqlite3")
    else:
        settings["NAME"] = f"{settings['NAME']}_migration_test"
        _postgres(f'DROP DATABASE IF EXISTS "{settings["NAME"]}"')
        _postgres(f'CREATE DATABASE "{settings["NAME"]}"')
    # Made here rather than named in settings.DATABASES: the test runner allows a
    # connection it did not configure, and no other test creates this database.
    connections[ALIAS] = load_backend(settings["ENGINE"]).DatabaseWrapper(settings, ALIAS)
    yield
    connections[ALIAS].close()
    del connections[ALIAS]
    if connection.vendor != "sqlite":
        _postgres(f'DROP DATABASE "{settings["NAME"]}"')


def _postgres(sql: str) -> None:
    """A statement outside any transaction, on the server's maintenance database."""
    with connection.creation._nodb_cursor() as cursor:
        cursor.execute(sql)


@pytest.fixture
def at_start(own_database):
    return migrate(BEFORE)


def test_every_value_moves_to_its_app_and_back(at_start):
    schemes = at_start.get_model("groups", "Scheme").objects.using(ALIAS)
    custom = schemes.create(name="Custom", **CUSTOM)
    plain = schemes.create(name="Plain")

    apps = migrate(AFTER)
    requirements = apps.get_model("attendance", "Requirement").objects.using(ALIAS)
    scheme_settings = apps.get_model("balint_sessions", "SchemeSettings").objects.using(ALIAS)
    requirement = requirements.get(scheme_id=custom.pk)
    rules = scheme_settings.get(scheme_id=custom.pk)
    assert (requirement.sessions_required, requirement.counted_statuses) == (12, ["present"])
    assert {f: getattr(rules, f) for f in list(CUSTOM)[2:]} == dict(list(CUSTOM.items())[2:])
    assert requirements.get(scheme_id=plain.pk).sessions_required == 30
    assert scheme_settings.get(scheme_id=plain.pk).travel_margin_minutes == 30

    apps = migrate(BEFORE)
    back = apps.get_model("groups", "Scheme").objects.using(ALIAS).get(pk=custom.pk)
    assert {f: getattr(back, f) for f in CUSTOM} == CUSTOM

"""Moving a scheme's settings out of groups.Scheme loses nothing: sessions 0005 and
attendance 0004 copy each scheme's values into their tables before groups 0007 drops the
columns, and migrating back puts them back."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

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


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def at_start(transactional_db):
    apps = migrate(BEFORE)
    yield apps
    migrate(executor_leaf_nodes())


def executor_leaf_nodes():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def test_every_value_moves_to_its_app_and_back(at_start):
    Scheme = at_start.get_model("groups", "Scheme")
    custom = Scheme.objects.create(name="Custom", **CUSTOM)
    plain = Scheme.objects.create(name="Plain")

    apps = migrate(AFTER)
    Requirement = apps.get_model("attendance", "Requirement")
    SchemeSettings = apps.get_model("balint_sessions", "SchemeSettings")
    requirement = Requirement.objects.get(scheme_id=custom.pk)
    rules = SchemeSettings.objects.get(scheme_id=custom.pk)
    assert (requirement.sessions_required, requirement.counted_statuses) == (12, ["present"])
    assert {f: getattr(rules, f) for f in list(CUSTOM)[2:]} == dict(list(CUSTOM.items())[2:])
    assert Requirement.objects.get(scheme_id=plain.pk).sessions_required == 30
    assert SchemeSettings.objects.get(scheme_id=plain.pk).travel_margin_minutes == 30

    apps = migrate(BEFORE)
    back = apps.get_model("groups", "Scheme").objects.get(pk=custom.pk)
    assert {f: getattr(back, f) for f in CUSTOM} == CUSTOM

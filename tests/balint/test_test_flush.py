"""The suite's flush on PostgreSQL (tests/conftest.py): rows deleted, not tables truncated,
and every table left empty, the ones other tables point at included."""

from datetime import date

from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from attendance.models import Attendance
from tests import factories
from tests.factories.attendance import attend, held_sessions


def test_the_flush_deletes_every_row_without_truncating(transactional_db, postgres_only):
    group = factories.GroupFactory()
    factories.LeaderFactory(group=group)
    trainee = factories.MembershipFactory(group=group).person
    sessions = held_sessions(group, [date(2026, 11, 4), date(2026, 11, 11)])
    attend(trainee, sessions, ["present", "present"])
    assert Attendance.objects.exists()

    with CaptureQueriesContext(connection) as queries:  # as after a transactional test
        call_command(
            "flush",
            interactive=False,
            reset_sequences=False,
            inhibit_post_migrate=True,
            verbosity=0,
        )

    statements = [query["sql"].split()[0].upper() for query in queries.captured_queries]
    assert "TRUNCATE" not in statements
    assert "DELETE" in statements
    filled = [model._meta.label for model in apps.get_models() if model.objects.exists()]
    assert filled == []

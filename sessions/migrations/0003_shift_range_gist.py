"""A GiST index over each person's on-call time ranges, for the clash scan (PostgreSQL).

The scan asks "which shifts of this member overlap this session, widened by
the travel margin": `person_id = … AND tstzrange(starts_at, ends_at) && …`.
A GiST index on (person_id, tstzrange(starts_at, ends_at, '[)')) answers that
with an index scan (btree_gist, created in groups 0002, supplies the equality
part). SQLite has no range types; there the scan sorts and sweeps in Python
(sessions/clashes.py), helped by the ordinary (person, starts_at) index.
"""

from django.db import migrations

PG_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    """
    CREATE INDEX IF NOT EXISTS shift_person_range_gist
    ON balint_sessions_oncallshift
    USING gist (person_id, tstzrange(starts_at, ends_at, '[)'))
    """,
]
PG_BACKWARD = ["DROP INDEX IF EXISTS shift_person_range_gist"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("balint_sessions", "0002_rosters_clashes_reminders"),
        ("groups", "0002_membership_no_overlap"),
    ]

    operations = [
        migrations.RunPython(_run({"postgresql": PG_FORWARD}), _run({"postgresql": PG_BACKWARD})),
    ]

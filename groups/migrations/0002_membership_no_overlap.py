"""No two memberships of one person in one group may overlap in time.

PostgreSQL enforces it with an exclusion constraint over a date range (GiST,
with btree_gist for the equality parts). SQLite has no exclusion constraints,
so triggers refuse an overlapping insert or update there.
"""

from django.db import migrations

PG_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    """
    ALTER TABLE groups_membership ADD CONSTRAINT membership_no_overlap
    EXCLUDE USING gist (
        person_id WITH =,
        group_id WITH =,
        daterange(start_date, end_date, '[]') WITH &&
    )
    """,
]
PG_BACKWARD = ["ALTER TABLE groups_membership DROP CONSTRAINT membership_no_overlap"]

_SQLITE_OVERLAP = """
    SELECT RAISE(ABORT, 'membership_no_overlap')
    WHERE EXISTS (
        SELECT 1 FROM groups_membership m
        WHERE m.person_id = NEW.person_id AND m.group_id = NEW.group_id AND m.id != NEW.id
          AND (m.end_date IS NULL OR m.end_date >= NEW.start_date)
          AND (NEW.end_date IS NULL OR NEW.end_date >= m.start_date)
    );
"""
SQLITE_FORWARD = [
    f"CREATE TRIGGER membership_no_overlap_insert BEFORE INSERT ON groups_membership "
    f"BEGIN {_SQLITE_OVERLAP} END",
    f"CREATE TRIGGER membership_no_overlap_update BEFORE UPDATE ON groups_membership "
    f"BEGIN {_SQLITE_OVERLAP} END",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS membership_no_overlap_insert",
    "DROP TRIGGER IF EXISTS membership_no_overlap_update",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("groups", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": PG_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        ),
    ]

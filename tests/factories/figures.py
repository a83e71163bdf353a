"""The figures table kept for rows the factories write past the services.

A service refreshes the figures of the people it changes, inside its transaction. In a
test run in one transaction, a factory only notes whose figures changed, and the notes
are applied together just before anything could see the table: a statement on it, a
savepoint (whose rollback would otherwise take the applied notes with it), or a count of
queries beginning (tests/conftest.py). A test that builds ten sessions for six members
then refreshes once rather than sixteen times (the refreshes were two fifths of the
non-browser tests' time in a profile on SQLite), and whatever reads the table finds what
it would have found: the figures are a function of the rows, and a service that refreshes
some of them meanwhile computes from the same rows. Only the test's connection is watched,
and no other can see its uncommitted rows.
"""

from collections import defaultdict
from contextlib import contextmanager

from attendance.models import TraineeFigure
from groups.figures_hooks import figures_changed, group_trainees
from groups.models import Scheme

TABLE = TraineeFigure._meta.db_table
_people: dict[int, set[int]] = defaultdict(set)
_state = {"deferring": False, "applying": False}


@contextmanager
def deferred():
    _state["deferring"] = True
    try:
        yield
    finally:
        _state["deferring"] = False
        _people.clear()


def people_changed(scheme_pk: int, person_pks) -> None:
    if _state["deferring"]:
        _people[scheme_pk].update(person_pks)
    else:
        figures_changed(scheme_pk, person_pks)


def group_changed(group) -> None:
    """A session of the group: the figures of everyone ever a member of it, as the
    services refresh them."""
    people_changed(group.scheme_id, group_trainees(group))


def apply() -> None:
    """Refresh whatever the notes name, as the services would have, once per scheme."""
    if _state["applying"] or not _people:
        return  # nothing noted, or the refresh's own statements
    people = {pk: set(p) for pk, p in _people.items()}
    _people.clear()
    _state["applying"] = True
    try:
        existing = Scheme.objects.filter(pk__in=people).values_list("pk", flat=True)
        for scheme_pk in sorted(existing):  # a scheme deleted since has no table rows
            figures_changed(scheme_pk, people[scheme_pk])
    finally:
        _state["applying"] = False


def before_sql(execute, sql, params, many, context):
    """connection.execute_wrapper: the notes applied before a statement on the table or a
    savepoint."""
    if TABLE in sql or sql.startswith("SAVEPOINT"):
        apply()
    return execute(sql, params, many, context)

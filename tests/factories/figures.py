"""The figures table kept for rows the factories write past the services.

A service refreshes the figures of the people it changes, inside its transaction, and so
does a factory in a test's body. While fixtures build a test's data, though, factories
only note whose figures changed, and the notes are applied together as the test starts
(tests/conftest.py), or earlier if a fixture reads or writes the table or makes a
request. Fixtures that build ten sessions for six members then refresh once rather than
sixteen times (the refreshes were a third of the suite's time), and the test starts with
the table it would have had: the figures are a function of the rows.
"""

import threading
from collections import defaultdict

from groups.figures_hooks import figures_changed, group_figures_changed
from groups.models import Membership, Scheme

TABLE = "attendance_traineefigure"
_lock = threading.RLock()  # a live server's thread applies notes too (request_started)
_people: dict[int, set[int]] = defaultdict(set)
_groups: dict[int, object] = {}
_state = threading.local()
_deferring = []  # one entry while the fixtures of a test are set up


def defer() -> None:
    _deferring[:] = [True]


def people_changed(scheme_pk: int, person_pks) -> None:
    if not _deferring:
        figures_changed(scheme_pk, person_pks)
        return
    with _lock:
        _people[scheme_pk].update(person_pks)


def group_changed(group) -> None:
    """A session of the group: the figures of everyone ever a member of it."""
    if not _deferring:
        group_figures_changed(group)
        return
    with _lock:
        _groups[group.pk] = group


def apply(**_) -> None:
    """Refresh whatever the notes name, as the services would have, once per scheme."""
    if getattr(_state, "applying", False):
        return  # the refresh's own statements on the table
    with _lock:
        if not (_people or _groups):
            return
        groups, people = list(_groups.values()), {pk: set(p) for pk, p in _people.items()}
        forget()
        _state.applying = True
        try:
            for group in groups:  # as group_figures_changed: whoever was ever a member
                members = Membership.objects.filter(group=group, role=Membership.Role.MEMBER)
                people.setdefault(group.scheme_id, set()).update(
                    members.values_list("person_id", flat=True)
                )
            existing = set(Scheme.objects.filter(pk__in=people).values_list("pk", flat=True))
            for scheme_pk in sorted(existing):  # a scheme deleted since has no table rows
                figures_changed(scheme_pk, people[scheme_pk])
        finally:
            _state.applying = False


def start_test() -> None:
    """The notes applied; from now on factories refresh at once."""
    apply()
    _deferring.clear()


def end_test() -> None:
    forget()
    _deferring.clear()


def forget() -> None:
    with _lock:
        _people.clear()
        _groups.clear()


def before_table_sql(execute, sql, params, many, context):
    """connection.execute_wrapper: the notes applied before a statement on the table."""
    if TABLE in sql:
        apply()
    return execute(sql, params, many, context)

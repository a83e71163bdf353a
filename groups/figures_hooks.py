"""Tell whoever keeps per-trainee figures that the data behind them changed.

The figures table lives in attendance, which groups and sessions must not import.
So their services call figures_changed() inside their transactions, and the
attendance app registers the callback that recomputes the rows (attendance.apps).
Without a registered callback (an app not installed) a change is simply not
projected anywhere.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from contextvars import ContextVar

from groups.models import Membership

FiguresCallback = Callable[[int, list[int] | None], None]
_callbacks: list[FiguresCallback] = []
# Inside figures_deferred(): whose figures changed, by scheme (None: everyone in it).
_notes: ContextVar[dict[int, set[int] | None] | None] = ContextVar("figures_notes", default=None)


def on_figures_change(callback: FiguresCallback) -> None:
    """Register `callback(scheme_pk, person_pks)`; person_pks None means the whole scheme."""
    if callback not in _callbacks:
        _callbacks.append(callback)


def figures_changed(scheme_pk: int, person_pks: Iterable[int] | None = None) -> None:
    """The figures of these people (None: everyone) in this scheme may have changed.

    Call it inside the transaction that made the change: the callbacks write in it.
    """
    people = None if person_pks is None else sorted(set(person_pks))
    if people == []:
        return
    notes = _notes.get()
    if notes is not None:
        if people is None or (scheme_pk in notes and notes[scheme_pk] is None):
            notes[scheme_pk] = None
        else:
            notes.setdefault(scheme_pk, set()).update(people)
        return
    for callback in _callbacks:
        callback(scheme_pk, people)


@contextmanager
def figures_deferred():
    """Changes made inside are projected together when the block ends, once per scheme,
    rather than at each write: for a writer of many registers at once (seed_demo saves
    about 70, each refreshing a dozen rows: a quarter of its time). Use it inside the
    writer's transaction, and read no figures inside it. Nothing is projected if the
    block raises: its transaction is rolled back."""
    if _notes.get() is not None:  # already deferred by an outer block
        yield
        return
    notes: dict[int, set[int] | None] = {}
    token = _notes.set(notes)
    try:
        yield
    finally:
        _notes.reset(token)
    for scheme_pk in sorted(notes):
        figures_changed(scheme_pk, notes[scheme_pk])


def group_trainees(group):
    """Whose figures a group's sessions count in: everyone ever a member of it."""
    members = Membership.objects.filter(group=group, role=Membership.Role.MEMBER)
    return members.values_list("person_id", flat=True)


def group_figures_changed(group) -> None:
    """A group's sessions changed: the figures of everyone ever a member of it."""
    figures_changed(group.scheme_id, group_trainees(group))


def people_figures_changed(person_pks: Iterable[int]) -> None:
    """Something about these people changed (a name, leave, on-call clashes): their
    figures in every scheme they are trainees of. One query, then a refresh per scheme."""
    people = set(person_pks)
    if not people:
        return
    by_scheme: dict[int, set[int]] = defaultdict(set)
    for scheme_pk, person_pk in (
        Membership.objects.filter(person__in=people, role=Membership.Role.MEMBER)
        .order_by()
        .values_list("group__scheme", "person")
        .distinct()
    ):
        by_scheme[scheme_pk].add(person_pk)
    for scheme_pk in sorted(by_scheme):
        figures_changed(scheme_pk, by_scheme[scheme_pk])


def person_figures_changed(person_pk: int) -> None:
    """Something about the person changed: every scheme they are a trainee of."""
    people_figures_changed([person_pk])

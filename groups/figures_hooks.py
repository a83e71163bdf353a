"""Tell whoever keeps per-trainee figures that the data behind them changed.

The figures table lives in attendance, which groups and sessions must not import.
So their services call figures_changed() inside their transactions, and the
attendance app registers the callback that recomputes the rows (attendance.apps).
Without a registered callback (an app not installed) a change is simply not
projected anywhere.
"""

from collections.abc import Callable, Iterable

from groups.models import Membership

FiguresCallback = Callable[[int, list[int] | None], None]
_callbacks: list[FiguresCallback] = []


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
    for callback in _callbacks:
        callback(scheme_pk, people)


def group_figures_changed(group) -> None:
    """A group's sessions changed: the figures of everyone ever a member of it."""
    members = Membership.objects.filter(group=group, role=Membership.Role.MEMBER)
    figures_changed(group.scheme_id, members.values_list("person_id", flat=True))


def person_figures_changed(person_pk: int) -> None:
    """Something about the person changed (a name): every scheme they are a trainee of."""
    schemes = (
        Membership.objects.filter(person=person_pk, role=Membership.Role.MEMBER)
        .values_list("group__scheme", flat=True)
        .distinct()
    )
    for scheme_pk in list(schemes):
        figures_changed(scheme_pk, [person_pk])

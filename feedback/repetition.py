"""Spotting repetitive cases: pure functions over plain sequences, no database.

A new group often falls into presenting the same kind of difficult case week
after week. Two patterns are flagged:

- a theme that comes back within a few weeks in the same group ("recurs");
- a presenter who presents a theme they have presented before, at any time and
  in any group of the scheme ("presenter").
"""

from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

RECUR_WITHIN = timedelta(weeks=4)
RECURS = "recurs"
PRESENTER = "presenter"


@dataclass(frozen=True)
class Occurrence:
    """One held session: when, who presented and which themes it was tagged with."""

    key: Hashable
    day: date
    presenter: Hashable | None
    themes: frozenset = field(default_factory=frozenset)
    group: Hashable | None = None


@dataclass(frozen=True)
class Repeat:
    """`theme` at session `key` repeats it at session `earlier`, `days` days before."""

    key: Hashable
    theme: Hashable
    kind: str
    earlier: Hashable
    earlier_day: date
    days: int


def find_repeats(
    occurrences: Iterable[Occurrence], *, within: timedelta = RECUR_WITHIN
) -> list[Repeat]:
    """Every repeat, in the order the sessions took place.

    A theme recurs when the same group had it within `within` before (inclusive);
    a presenter repeats when they presented the theme before, however long ago.
    Each compares with the latest earlier occurrence only.
    """
    last_in_group: dict[tuple, Occurrence] = {}
    last_by_presenter: dict[tuple, Occurrence] = {}
    repeats = []
    for occ in sorted(occurrences, key=lambda o: (o.day, str(o.key))):
        for theme in sorted(occ.themes, key=str):
            before = last_in_group.get((occ.group, theme))
            if before is not None and occ.day - before.day <= within:
                repeats.append(_repeat(occ, theme, RECURS, before))
            if occ.presenter is not None:
                presented = last_by_presenter.get((occ.presenter, theme))
                if presented is not None:
                    repeats.append(_repeat(occ, theme, PRESENTER, presented))
                last_by_presenter[(occ.presenter, theme)] = occ
            last_in_group[(occ.group, theme)] = occ
    return repeats


def _repeat(occ: Occurrence, theme, kind: str, before: Occurrence) -> Repeat:
    return Repeat(
        key=occ.key,
        theme=theme,
        kind=kind,
        earlier=before.key,
        earlier_day=before.day,
        days=(occ.day - before.day).days,
    )


def repeats_by_key(repeats: Sequence[Repeat]) -> dict[Hashable, list[Repeat]]:
    by_key: dict[Hashable, list[Repeat]] = defaultdict(list)
    for repeat in repeats:
        by_key[repeat.key].append(repeat)
    return dict(by_key)


@dataclass(frozen=True)
class Tally:
    """How many of the sessions looked at had `theme`, and the latest day one did."""

    theme: Hashable
    sessions: int
    last_day: date


def tally_themes(occurrences: Iterable[Occurrence]) -> dict[Hashable, Tally]:
    """{theme: Tally} over the occurrences: a theme in two or more of a group's last
    sessions is one it keeps coming back to."""
    counts: Counter = Counter()
    last: dict[Hashable, date] = {}
    for occ in occurrences:
        for theme in occ.themes:
            counts[theme] += 1
            last[theme] = max(last.get(theme, occ.day), occ.day)
    return {theme: Tally(theme, found, last[theme]) for theme, found in counts.items()}


def month_of(day: date) -> date:
    return day.replace(day=1)


def theme_counts_by_month(occurrences: Iterable[Occurrence]) -> dict[tuple, Counter]:
    """{(group, theme): Counter({first day of month: sessions tagged})}."""
    counts: dict[tuple, Counter] = defaultdict(Counter)
    for occ in occurrences:
        for theme in occ.themes:
            counts[(occ.group, theme)][month_of(occ.day)] += 1
    return dict(counts)


def months_between(first: date, last: date) -> list[date]:
    """The first day of each month from `first`'s month to `last`'s, inclusive."""
    months, month = [], month_of(first)
    while month <= last:
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return months


def quarter_of(day: date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def presenters_per_quarter(presented: Iterable[tuple[date, Hashable]]) -> dict[tuple, int]:
    """{(year, quarter): distinct presenters} from (day, presenter) pairs; None ignored."""
    people: dict[tuple, set] = defaultdict(set)
    for day, presenter in presented:
        if presenter is not None:
            people[quarter_of(day)].add(presenter)
    return {quarter: len(found) for quarter, found in sorted(people.items())}

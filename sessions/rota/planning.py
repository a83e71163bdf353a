"""Fair presenter assignment, as pure functions over plain data so that it can be tested
as properties for any membership history, leave and on-call clashes.

Slots are taken in date order. A member is eligible for a slot when one of their
memberships covers its date and they are neither on leave nor on call then (callers pass
members only: leaders are never in `members`). An open slot goes to, among the eligible:

1. a member who is overdue: they have waited WAIT_BOUND sessions they could have
   presented at while someone has two more dates in this rota (a member with many past
   presentations is not left out for months while newcomers catch up);
2. else one who offered to present that day (volunteered, or has a case);
3. else the one with the fewest presentations in their current membership, then the
   one who presented least recently, then membership order.

The same walk explains a rota already filled: why each presenter has their date.
"""

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

# Sessions a member may wait, while another member has two more dates, before the next
# date they can present at is theirs.
WAIT_BOUND = 4


@dataclass(frozen=True)
class RotaMember:
    person: int
    start: date
    end: date | None
    order: int = 0

    def covers(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


@dataclass(frozen=True)
class RotaSlot:
    key: int
    day: date
    presenter: int | None = None
    unavailable: frozenset[int] = field(default_factory=frozenset)
    # People who offered to present on this date.
    volunteers: frozenset[int] = field(default_factory=frozenset)


class Reason(StrEnum):
    VOLUNTEERED = "volunteered"
    OVERDUE = "overdue"
    FEWEST = "fewest"
    BY_HAND = "by_hand"  # set by a leader, or swapped, against the rota's order


@dataclass(frozen=True)
class Assignment:
    """Who presents at a slot, and why."""

    key: int
    day: date
    person: int
    reason: Reason
    presentations: int  # theirs before this date, in their current membership
    waited: int  # sessions they could have presented at since their last date here
    planned: bool  # chosen by this plan; False: the slot was filled already


def eligible(member: RotaMember, slot: RotaSlot) -> bool:
    return member.covers(slot.day) and member.person not in slot.unavailable


@dataclass
class _Tally:
    """The walk's running state, per person."""

    counts: dict[int, int]
    last: dict[int, date]
    dates: dict[int, int] = field(default_factory=dict)  # dates in this rota so far
    waits: dict[int, int] = field(default_factory=dict)

    def overdue(self, person: int, bound: int) -> bool:
        most = max(self.dates.values(), default=0)
        mine = self.dates.get(person, 0)
        return self.waits.get(person, 0) >= bound and most >= mine + 2

    def order_key(self, person: int, order: int):
        return (self.counts.get(person, 0), self.last.get(person, date.min), order)

    def record(self, slot: RotaSlot, person: int, candidates) -> None:
        for other in candidates:
            self.waits[other] = self.waits.get(other, 0) + 1
        self.waits[person] = 0
        self.dates[person] = self.dates.get(person, 0) + 1
        self.counts[person] = self.counts.get(person, 0) + 1
        self.last[person] = slot.day


def _candidates(slot: RotaSlot, members: list[RotaMember]) -> dict[int, int]:
    """Person -> membership order, of everyone eligible for the slot."""
    found: dict[int, int] = {}
    for member in members:
        if eligible(member, slot):
            found[member.person] = min(found.get(member.person, member.order), member.order)
    return found


def _choose(slot: RotaSlot, candidates: dict[int, int], tally: _Tally, bound: int) -> int:
    overdue = [p for p in candidates if tally.overdue(p, bound)]
    if overdue:
        return min(
            overdue,
            key=lambda p: (
                p not in slot.volunteers,
                tally.dates.get(p, 0),
                -tally.waits.get(p, 0),
                tally.order_key(p, candidates[p]),
            ),
        )
    pool = [p for p in candidates if p in slot.volunteers] or list(candidates)
    return min(pool, key=lambda p: tally.order_key(p, candidates[p]))


def _reason(slot: RotaSlot, person: int, candidates, tally: _Tally, bound: int) -> Reason:
    if person in slot.volunteers:
        return Reason.VOLUNTEERED
    if person in candidates and tally.overdue(person, bound):
        return Reason.OVERDUE
    if person in candidates and tally.counts.get(person, 0) == min(
        tally.counts.get(p, 0) for p in candidates
    ):
        return Reason.FEWEST
    return Reason.BY_HAND


def walk_rota(
    *,
    slots: list[RotaSlot],
    members: list[RotaMember],
    counts: dict[int, int],
    last_presented: dict[int, date] | None = None,
    bound: int = WAIT_BOUND,
) -> list[Assignment]:
    """Every slot's presenter in date order, and why: open slots are planned (`planned`),
    filled ones explained.

    `counts` holds each person's presentations in their current membership before these
    slots; `last_presented` the date of their latest one.
    """
    tally = _Tally(counts=dict(counts), last=dict(last_presented or {}))
    assignments = []
    for slot in sorted(slots, key=lambda s: (s.day, s.key)):
        candidates = _candidates(slot, members)
        person = slot.presenter
        if person is None:
            if not candidates:
                continue
            person = _choose(slot, candidates, tally, bound)
        assignments.append(
            Assignment(
                key=slot.key,
                day=slot.day,
                person=person,
                reason=_reason(slot, person, candidates, tally, bound),
                presentations=tally.counts.get(person, 0),
                waited=tally.waits.get(person, 0),
                planned=slot.presenter is None,
            )
        )
        tally.record(slot, person, candidates)
    return assignments


def plan_rota(
    *,
    slots: list[RotaSlot],
    members: list[RotaMember],
    counts: dict[int, int],
    last_presented: dict[int, date] | None = None,
    bound: int = WAIT_BOUND,
) -> dict[int, int]:
    """Slot key -> person for every open slot that has an eligible member."""
    walked = walk_rota(
        slots=slots, members=members, counts=counts, last_presented=last_presented, bound=bound
    )
    return {a.key: a.person for a in walked if a.planned}

"""Fair presenter assignment, as a pure function so it can be tested as a property.

Each open slot, in date order, goes to the eligible member with the fewest
presentations so far (past and planned), then the one who presented least
recently, then a stable order. Two members who are eligible for every slot
therefore never end more than one presentation apart.
"""

from dataclasses import dataclass, field
from datetime import date


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


def eligible(member: RotaMember, slot: RotaSlot) -> bool:
    return member.covers(slot.day) and member.person not in slot.unavailable


def plan_rota(
    *,
    slots: list[RotaSlot],
    members: list[RotaMember],
    counts: dict[int, int],
    last_presented: dict[int, date] | None = None,
) -> dict[int, int]:
    """Slot key -> person for every open slot that has an eligible member.

    `counts` holds presentations already made or planned (including the filled
    slots given here); `last_presented` the date of each person's latest one.
    """
    counts = dict(counts)
    last = dict(last_presented or {})
    plan: dict[int, int] = {}
    for slot in sorted(slots, key=lambda s: (s.day, s.key)):
        if slot.presenter is not None:
            continue
        candidates = [m for m in members if eligible(m, slot)]
        if not candidates:
            continue
        chosen = min(
            candidates,
            key=lambda m: (counts.get(m.person, 0), last.get(m.person, date.min), m.order),
        )
        plan[slot.key] = chosen.person
        counts[chosen.person] = counts.get(chosen.person, 0) + 1
        last[chosen.person] = slot.day
    return plan

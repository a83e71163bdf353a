"""Turning a group's meeting pattern into dated sessions.

Pure functions on dates and zones; sessions/schedule/services.py saves what they produce.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays

STEP = {"weekly": timedelta(weeks=1), "fortnightly": timedelta(weeks=2)}


@dataclass(frozen=True)
class TermSlot:
    day: date
    starts_at: datetime
    ends_at: datetime
    skip_reason: str = ""

    @property
    def will_be_created(self) -> bool:
        return not self.skip_reason


def pattern_dates(*, weekday: int, frequency: str, start: date, end: date) -> list[date]:
    """Meeting dates from the first `weekday` on or after `start`, through `end`."""
    first = start + timedelta(days=(weekday - start.weekday()) % 7)
    step = STEP[frequency]
    days = []
    day = first
    while day <= end:
        days.append(day)
        day += step
    return days


def public_holidays(*, country: str, subdivision: str, years: range) -> dict[date, str]:
    return dict(holidays.country_holidays(country, subdiv=subdivision or None, years=years))


def local_span(day: date, start: time, minutes: int, zone: str) -> tuple[datetime, datetime]:
    """Start and end of a meeting at local wall-clock time: DST changes keep 09:00 at 09:00."""
    starts_at = datetime.combine(day, start, tzinfo=ZoneInfo(zone))
    # Add the duration in wall-clock terms; a meeting never spans a DST change in practice.
    ends_at = datetime.combine(day, start) + timedelta(minutes=minutes)
    return starts_at, ends_at.replace(tzinfo=ZoneInfo(zone))


def plan_term(
    *,
    weekday: int,
    frequency: str,
    start_time: time,
    duration_minutes: int,
    zone: str,
    country: str,
    subdivision: str,
    start: date,
    end: date,
    excluded: set[date],
    existing: set[date],
) -> list[TermSlot]:
    """Every pattern date in the range, each either to be created or with why it is skipped."""
    days = pattern_dates(weekday=weekday, frequency=frequency, start=start, end=end)
    bank_holidays = public_holidays(
        country=country, subdivision=subdivision, years=range(start.year, end.year + 1)
    )
    slots = []
    for day in days:
        starts_at, ends_at = local_span(day, start_time, duration_minutes, zone)
        if day in existing:
            reason = "Already scheduled"
        elif day in bank_holidays:
            reason = f"Public holiday: {bank_holidays[day]}"
        elif day in excluded:
            reason = "Excluded"
        else:
            reason = ""
        slots.append(TermSlot(day, starts_at, ends_at, reason))
    return slots

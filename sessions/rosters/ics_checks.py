"""Checking each iCalendar event before anything is expanded: its dates, its length and
its repeat rules, each problem at its line and field (sessions/rosters/ics.py reads the file).
"""

import re
from datetime import UTC, date, datetime, time, timedelta

from icalendar.prop import vBroken, vRecur

from sessions.rosters.files import MAX_SHIFT_DAYS, MAX_YEAR, MIN_YEAR, _Problems, _short

ALLOWED_FREQUENCIES = {"DAILY", "WEEKLY", "MONTHLY", "YEARLY"}
_UNITS = {"DAILY": "days", "WEEKLY": "weeks", "MONTHLY": "months", "YEARLY": "years"}
MAX_TIMES_A_DAY = 4
MAX_LENGTH = timedelta(days=MAX_SHIFT_DAYS + 1)  # longer is refused before expansion

_EVENT_PROPERTIES = ("DTSTART", "DTEND", "DURATION", "RRULE", "RDATE", "EXDATE", "RECURRENCE-ID")
_SINGLE = ("DTSTART", "DTEND", "DURATION", "RECURRENCE-ID")
_NAMES = {
    "DTSTART": "start (DTSTART)",
    "DTEND": "end (DTEND)",
    "RECURRENCE-ID": "changed date (RECURRENCE-ID)",
}
_EXPECTED = {
    "DTSTART": "the start must be a date (20260304) or a date and time (20260304T080000).",
    "DTEND": "the end must be a date (20260304) or a date and time (20260304T200000).",
    "DURATION": "a length of time is written like PT12H.",
    "RRULE": "a repeat rule is written like FREQ=WEEKLY;COUNT=6.",
    "RDATE": "extra dates must be dates or dates and times, like the start.",
    "EXDATE": "left-out dates must be dates or dates and times, like the start.",
    "RECURRENCE-ID": "it must be a date or a date and time, like the start.",
}


# --- Checking each event ------------------------------------------------------------------------


def prop_values(prop) -> list:
    return prop if isinstance(prop, list) else [prop]


def times_a_day(rule) -> int:
    times = 1
    for part in ("BYHOUR", "BYMINUTE", "BYSECOND"):
        times *= max(1, len(rule.get(part) or []))
    return times


def _check_rule(rule, add) -> None:
    frequency = str((rule.get("FREQ") or [""])[0])
    if frequency not in ALLOWED_FREQUENCIES:
        add(
            f"An on-call shift cannot repeat {frequency.lower() or 'without a frequency'}; "
            "use DAILY, WEEKLY, MONTHLY or YEARLY."
        )
        return
    for interval in rule.get("INTERVAL") or []:
        if not isinstance(interval, int) or interval < 1:
            add(
                f"INTERVAL={_short(interval, 20)} cannot be right: a shift repeats every 1 "
                f"or more {_UNITS[frequency]}."
            )
            return
    for count in rule.get("COUNT") or []:
        if not isinstance(count, int) or count < 1:
            add(f"COUNT={_short(count, 20)} cannot be right: a shift happens once or more.")
            return
    for until in rule.get("UNTIL") or []:
        if not isinstance(until, date) or not MIN_YEAR <= until.year <= MAX_YEAR:
            add(f"The rule's end (UNTIL) {_short(until, 30)} cannot be right.")
            return
    times = times_a_day(rule)
    if times > MAX_TIMES_A_DAY:
        add(f"The rule repeats {times} times a day; an on-call shift cannot.")


def _check_when(prop: str, value, add) -> None:
    """A start, end or changed date: a real date or date and time, in a known zone."""
    when = value.dt
    name = _NAMES.get(prop, prop)
    if not isinstance(when, date):
        add(prop, f"The {name} must be a date or a date and time, not a length or a period.")
    elif not MIN_YEAR <= when.year <= MAX_YEAR:
        add(prop, f"The year {when.year} cannot be right for the {name}.")
    elif "TZID" in value.params and isinstance(when, datetime) and when.tzinfo is None:
        add(prop, f"Unknown time zone {_short(value.params['TZID'], 60)!r}.")


def _check_dates(prop: str, value, add) -> None:
    """RDATE and EXDATE: dates or dates and times (RDATE may also be periods)."""
    for item in getattr(value, "dts", []):
        when = item.dt[0] if prop == "RDATE" and isinstance(item.dt, tuple) else item.dt
        if not isinstance(when, date):
            add(prop, f"{_short(item.to_ical().decode(errors='replace'), 40)!r} is not a date.")
            return
        if not MIN_YEAR <= when.year <= MAX_YEAR:
            add(prop, f"The year {when.year} cannot be right for a date of this event.")
            return


def _expected_kind(prop: str, value) -> bool:
    if prop == "RRULE":
        return isinstance(value, vRecur)
    if prop in ("RDATE", "EXDATE"):
        return hasattr(value, "dts")
    return hasattr(value, "dt")


def check_event(event, where: dict[str, list[int]], problems: _Problems) -> bool:
    """Problems of one VEVENT before expansion, each at its line and field. True when usable."""
    begin = (where.get("BEGIN") or [None])[0]
    found = len(problems.items)

    def add(prop: str, message: str, nth: int = 0) -> None:
        lines = where.get(prop) or [begin]
        problems.add(lines[min(nth, len(lines) - 1)], prop, message)

    for prop in _SINGLE:
        if isinstance(event.get(prop), list):
            count = len(event[prop])
            add(prop, f"The event has {count} {prop} lines; it may have only one.", nth=1)
    if len(problems.items) > found:
        return False
    for prop in _EVENT_PROPERTIES:
        for value in prop_values(event.get(prop)) if prop in event else []:
            if isinstance(value, vBroken) or not _expected_kind(prop, value):
                shown = value.to_ical().decode(errors="replace")
                shown = _short(re.sub(r"\\([;,\\])", r"\1", shown), 60)  # as it was written
                add(prop, f"{shown!r} is not valid here: {_EXPECTED[prop]}")
    if len(problems.items) > found:
        return False
    start = event.get("DTSTART")
    if start is None:
        add("DTSTART", "The event has no start (DTSTART).")
        return False
    for prop in ("DTSTART", "DTEND", "RECURRENCE-ID"):
        if prop in event:
            _check_when(prop, event[prop], add)
    for prop in ("RDATE", "EXDATE"):
        for value in prop_values(event.get(prop)) if prop in event else []:
            _check_dates(prop, value, add)
    if len(problems.items) > found:
        return False
    length = event["DURATION"].dt if "DURATION" in event else None
    if isinstance(length, timedelta) and not timedelta(0) <= length <= MAX_LENGTH:
        shown = _short(event["DURATION"].to_ical().decode(errors="replace"), 30)
        add(
            "DURATION",
            f"The length {shown} is negative."
            if length < timedelta(0)
            else f"An on-call shift cannot last {shown}; the longest is {MAX_SHIFT_DAYS} days.",
        )
    elif "DURATION" in event and not isinstance(length, timedelta):
        add("DURATION", f"The length (DURATION) must be a length of time; {_EXPECTED['DURATION']}")
    end = event.get("DTEND")
    if end is not None:
        if isinstance(start.dt, datetime) != isinstance(end.dt, datetime):
            add("DTEND", "The start and end must both be dates or both be times.")
        elif _comparable(in_zone_of(end.dt, start.dt)) < _comparable(start.dt):
            add("DTEND", "The event ends before it starts.")
    for rule in prop_values(event["RRULE"]) if "RRULE" in event else []:
        _check_rule(rule, lambda message: add("RRULE", message))
    return len(problems.items) == found


def in_zone_of(end, start):
    """A floating end of an event whose start has a zone is in that zone."""
    if isinstance(end, datetime) and end.tzinfo is None and getattr(start, "tzinfo", None):
        return end.replace(tzinfo=start.tzinfo)
    return end


def _comparable(value: date | datetime) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.combine(value, time.min, UTC)

"""Reading iCalendar (.ics) rosters; `parse_ics` is the way in.

Time zones from VTIMEZONE (Outlook's "GMT Standard Time" too) or UTC, Windows
zone names and display names without a VTIMEZONE (sessions/timezones.py),
Google's X-WR-TIMEZONE, floating times in the person's own zone, all-day
events as whole local days, and recurrence (RRULE, RDATE, EXDATE) expanded by
`recurring-ical-events` over a bounded window around today. Every rule is
checked before it is expanded, and expansion itself is capped in occurrences
and in time, so no file can keep the server busy. Event titles are never
stored: a calendar may hold more than duty times.
"""

import logging
import re
import time as clock
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events
from dateutil.rrule import rrulestr
from icalendar.prop import vBroken, vRecur

from balint.imports import ImportFailed, fail
from sessions import timezones
from sessions.rosters import (
    MAX_EXPANDED,
    MAX_RULE_STEPS,
    MAX_SHIFT_DAYS,
    MAX_SHIFTS,
    MAX_YEAR,
    MIN_YEAR,
    ShiftRow,
    Window,
    _aware,
    _Problems,
    _short,
    decode_text,
    guarded,
    nothing_in_window,
)

logger = logging.getLogger(__name__)

MAX_EVENTS = 5_000  # VEVENTs in one file, before any expansion
MAX_OCCURRENCES = 10_000  # occurrences actually expanded from one file
MAX_EXPANSION_SECONDS = 5.0  # checking and expanding the rules of one file
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
TOO_MUCH = (
    "The calendar has too many events, or repeats too often or from too long ago, "
    "to be read; export the coming months only."
)


# --- Before parsing: lines, and zone names icalendar does not know ------------------------------


def _event_lines(text: str) -> list[dict[str, list[int]]]:
    """For each VEVENT in file order, the physical lines of its BEGIN and of each property."""
    events: list[dict[str, list[int]]] = []
    current: dict[str, list[int]] | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if not line or line[0] in " \t":  # a folded continuation line
            continue
        name = re.split(r"[;:]", line, maxsplit=1)[0].strip().upper()
        value = line.split(":", 1)[-1].strip().upper()
        if name == "BEGIN" and value == "VEVENT":
            current = {"BEGIN": [number]}
            events.append(current)
        elif name == "END" and value == "VEVENT":
            current = None
        elif current is not None:
            current.setdefault(name, []).append(number)
    return events


_TZID_PARAM = re.compile(r';TZID=("[^"]*"|\([^)]*\)[^;:]*|[^;:]*)', re.IGNORECASE)


def _named_zones(text: str, zone: ZoneInfo) -> str:
    """Rewrite TZIDs that are neither defined in the file nor known (OWA's display names)."""
    if ";TZID=" not in text.upper():
        return text
    defined = {m.strip().strip('"').strip() for m in re.findall(r"^TZID:(.*)$", text, re.M | re.I)}

    def replace(match: re.Match) -> str:
        tzid = match[1].strip().strip('"').strip()
        if tzid in defined or timezones.known(tzid):
            return match[0]
        name = timezones.resolve(tzid, zone)
        return match[0] if name is None else f";TZID={name}"

    return "".join(
        line if line[:1] in (" ", "\t") else _TZID_PARAM.sub(replace, line)
        for line in text.splitlines(keepends=True)
    )


# --- Checking each event ------------------------------------------------------------------------


def _values(prop) -> list:
    return prop if isinstance(prop, list) else [prop]


def _times_a_day(rule) -> int:
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
    times = _times_a_day(rule)
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


def _check_event(event, where: dict[str, list[int]], problems: _Problems) -> bool:
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
        for value in _values(event.get(prop)) if prop in event else []:
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
        for value in _values(event.get(prop)) if prop in event else []:
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
        elif _comparable(_in_zone_of(end.dt, start.dt)) < _comparable(start.dt):
            add("DTEND", "The event ends before it starts.")
    for rule in _values(event["RRULE"]) if "RRULE" in event else []:
        _check_rule(rule, lambda message: add("RRULE", message))
    return len(problems.items) == found


def _in_zone_of(end, start):
    """A floating end of an event whose start has a zone is in that zone."""
    if isinstance(end, datetime) and end.tzinfo is None and getattr(start, "tzinfo", None):
        return end.replace(tzinfo=start.tzinfo)
    return end


def _comparable(value: date | datetime) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.combine(value, time.min, UTC)


# --- Making events as their authors meant them -------------------------------------------------


def _tidy(event) -> None:
    """An empty `RRULE:` line means no rule; of two UID lines, the first is the event's."""
    if isinstance(event.get("UID"), list):
        event["UID"] = event["UID"][0]
    if "RRULE" not in event:
        return
    rules = [r for r in _values(event["RRULE"]) if not isinstance(r, vRecur) or len(r)]
    if len(rules) == len(_values(event["RRULE"])):
        return
    del event["RRULE"]
    if rules:
        event["RRULE"] = rules if len(rules) > 1 else rules[0]


def _normalise(event, zone: ZoneInfo) -> None:
    """A floating end, or a floating or date UNTIL, read in the zone of a start that has one.

    An all-day series' date-time UNTIL is a day in the person's zone: Exchange writes the last
    day's local midnight in UTC (20240728T230000Z for 29 July in Irish summer time).
    """
    start = event["DTSTART"].dt
    if "DTEND" in event:
        event["DTEND"].dt = _in_zone_of(event["DTEND"].dt, start)
    for rule in _values(event["RRULE"]) if "RRULE" in event else []:
        untils = rule.get("UNTIL") or []
        if len(untils) != 1:
            continue
        until = untils[0]
        if not isinstance(start, datetime):
            if isinstance(until, datetime):
                if until.tzinfo is not None:
                    until = until.astimezone(zone)
                rule["UNTIL"] = [until.date()]
        elif start.tzinfo is not None:
            if not isinstance(until, datetime):
                until = datetime.combine(until, time(23, 59, 59))
            if until.tzinfo is None:
                rule["UNTIL"] = [until.replace(tzinfo=start.tzinfo).astimezone(UTC)]


def _separate_same_uids(events) -> None:
    """Events sharing a UID without RECURRENCE-ID are separate events, each kept."""
    seen: set[str] = set()
    for index, event in enumerate(events):
        if "RECURRENCE-ID" in event:
            continue
        uid = str(event.get("UID", ""))
        if not uid or uid in seen:
            event["UID"] = f"{uid}#balint-{index}"
        seen.add(uid)


def _rule_ever_happens(rule, start: date | datetime) -> bool:
    """Whether a rule falls on any date at all; one that never does would be searched for ever.

    The Gregorian calendar repeats every 400 years, so a rule that finds nothing in the
    400 years before the last year dateutil can count to finds nothing ever.
    """
    parts = {k: v for k, v in rule.items() if k not in ("UNTIL", "COUNT")}
    naive = (
        start.replace(tzinfo=None)
        if isinstance(start, datetime)
        else datetime.combine(start, time.min)
    )
    shifted = naive.replace(year=naive.year + max(0, (9599 - naive.year) // 400) * 400)
    rule_text = icalendar.vRecur(parts).to_ical().decode()
    return next(iter(rrulestr(rule_text, dtstart=shifted)), None) is not None


def _check_expansion(events, filename: str, *, zone: ZoneInfo, window: Window) -> None:
    """Refuse, before expanding, a calendar whose rules would yield or walk too much."""
    window_days = (window.end - window.start).days + 1
    expanded = steps = 0
    for event in events:
        start = _aware(event["DTSTART"].dt, zone)
        expanded += 1
        if "RDATE" in event:
            expanded += sum(len(getattr(v, "dts", [])) for v in _values(event["RDATE"]))
        if "RRULE" not in event or start >= window.end:
            continue
        for rule in _values(event["RRULE"]):
            times = _times_a_day(rule)
            expanded += window_days * times
            steps += (window.end - start).days * times
    if expanded > MAX_EXPANDED or steps > MAX_RULE_STEPS:
        fail(filename, TOO_MUCH)


def _check_rules_happen(events, lines, filename: str, deadline: float) -> None:
    for index, event in enumerate(events):
        for rule in _values(event["RRULE"]) if "RRULE" in event else []:
            if clock.monotonic() > deadline:
                fail(filename, TOO_MUCH)
            try:
                happens = _rule_ever_happens(rule, event["DTSTART"].dt)
                message = "The repeat rule never falls on a real date (such as 30 February)"
            except (ValueError, TypeError, OverflowError, KeyError, IndexError):
                happens, message = False, "The repeat rule has a part that cannot be right"
            if not happens:
                where = lines[index] if index < len(lines) else {}
                fail(
                    filename,
                    f"{message}; correct or remove it.",
                    line=(where.get("RRULE") or where.get("BEGIN") or [None])[0],
                    field="RRULE",
                )


# --- Expanding ---------------------------------------------------------------------------------


def _occurrences(calendar, window: Window, filename: str, deadline: float) -> list:
    """The occurrences in the window, counted and timed as they are made."""
    query = recurring_ical_events.of(calendar)
    found = []
    for series in query.series:
        for occurrence in series.between(window.start, window.end):
            found.append(occurrence.as_component(False))
            if len(found) > MAX_OCCURRENCES:
                fail(
                    filename,
                    f"The calendar has more than {MAX_OCCURRENCES} events in the span of time "
                    "kept; export the coming months only.",
                )
            if clock.monotonic() > deadline:
                fail(filename, TOO_MUCH)
    return found


def _expand(calendar, events, lines, filename: str, window: Window, deadline: float) -> list:
    try:
        return _occurrences(calendar, window, filename, deadline)
    except ImportFailed:
        raise
    except Exception:
        logger.warning("Could not expand the recurrences of %s", filename, exc_info=True)
    # Find the event to blame, to name its line.
    for index, event in enumerate(events):
        single = icalendar.Calendar()
        for name, value in calendar.items():
            single[name] = value
        for zone_component in calendar.walk("VTIMEZONE"):
            single.add_component(zone_component)
        single.add_component(event)
        try:
            _occurrences(single, window, filename, deadline)
        except ImportFailed:
            raise
        except Exception:
            where = lines[index] if index < len(lines) else {}
            prop = next((p for p in ("RRULE", "RDATE", "EXDATE") if p in event), None)
            fail(
                filename,
                "The dates on which this event repeats could not be worked out; check its "
                "RRULE, RDATE and EXDATE lines are written like its start.",
                line=(where.get(prop or "BEGIN") or where.get("BEGIN") or [None])[0],
                field=prop,
            )
    fail(filename, "The dates on which the events repeat could not be worked out.")


@guarded
def parse_ics(raw: bytes, filename: str, *, zone: ZoneInfo, window: Window) -> list[ShiftRow]:
    text = _named_zones(decode_text(raw, filename), zone)
    try:
        calendar = icalendar.Calendar.from_ical(text)
    except ValueError as exc:
        if "multiple components" in str(exc).lower():
            fail(
                filename,
                "The file holds more than one calendar; export a single calendar.",
            )
        fail(
            filename,
            "This is not a valid iCalendar file: a line is not in the form NAME:value, "
            "or a BEGIN: line has no matching END:.",
        )
    except Exception:  # icalendar raises several kinds for broken input
        logger.info("Unreadable iCalendar file %s", filename, exc_info=True)
        fail(filename, "This is not a valid iCalendar file: it could not be read.")
    if not isinstance(calendar, icalendar.Calendar):
        fail(filename, "This is not a valid iCalendar file: it holds no VCALENDAR.")
    events = calendar.walk("VEVENT")
    if not events:
        fail(filename, "The calendar has no events.")
    if len(events) > MAX_EVENTS:
        fail(
            filename,
            f"The calendar has more than {MAX_EVENTS} events; export the coming months only.",
        )
    lines = _event_lines(text)
    problems = _Problems(filename)
    for index, event in enumerate(events):
        _tidy(event)
        if _check_event(event, lines[index] if index < len(lines) else {}, problems):
            _normalise(event, zone)
        if problems.full:
            break
    problems.raise_if_any()

    deadline = clock.monotonic() + MAX_EXPANSION_SECONDS
    _check_expansion(events, filename, zone=zone, window=window)
    _check_rules_happen(events, lines, filename, deadline)
    _separate_same_uids(events)
    occurrences = _expand(calendar, events, lines, filename, window, deadline)

    shifts: dict[tuple, ShiftRow] = {}
    moments = 0
    for occurrence in occurrences:
        if str(occurrence.get("STATUS", "")).upper() == "CANCELLED":
            continue
        start = occurrence["DTSTART"].dt
        end = occurrence["DTEND"].dt if "DTEND" in occurrence else None
        if end is None:
            end = start + timedelta(days=1) if not isinstance(start, datetime) else start
        starts_at, ends_at = _aware(start, zone), _aware(_in_zone_of(end, start), zone)
        if ends_at <= starts_at:
            moments += 1
            continue  # a moment, not a shift: it cannot clash with anything
        if ends_at - starts_at > timedelta(days=MAX_SHIFT_DAYS):
            fail(
                filename,
                f"An event from {starts_at:%d %b %Y} lasts more than {MAX_SHIFT_DAYS} days; "
                "that is not an on-call shift.",
            )
        row = ShiftRow(
            starts_at=starts_at, ends_at=ends_at, all_day=not isinstance(start, datetime)
        )
        shifts.setdefault(row.key, row)
    if len(shifts) > MAX_SHIFTS:
        fail(filename, f"The calendar has more than {MAX_SHIFTS} shifts in the next year.")
    if not shifts:
        if moments:
            fail(
                filename,
                "Nothing was imported: every event in the calendar ends when it starts, "
                "so none of them is a shift.",
            )
        fail(filename, nothing_in_window("events in the calendar", window))
    return sorted(shifts.values(), key=lambda s: (s.starts_at, s.ends_at))

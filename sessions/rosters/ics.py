"""Reading iCalendar (.ics) rosters; `parse_ics` is the way in.

Time zones from VTIMEZONE (Outlook's "GMT Standard Time" too) or UTC, Windows
zone names and display names without a VTIMEZONE (sessions/rosters/timezones.py),
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
from icalendar.prop import vRecur

from balint.imports import ImportFailed, fail
from sessions.rosters import timezones
from sessions.rosters.files import (
    MAX_EXPANDED,
    MAX_RULE_STEPS,
    MAX_SHIFT_DAYS,
    MAX_SHIFTS,
    ShiftRow,
    Window,
    _aware,
    _Problems,
    decode_text,
    guarded,
    nothing_in_window,
)
from sessions.rosters.ics_checks import check_event, in_zone_of, prop_values, times_a_day

logger = logging.getLogger(__name__)

MAX_EVENTS = 5_000  # VEVENTs in one file, before any expansion
MAX_OCCURRENCES = 10_000  # occurrences actually expanded from one file
MAX_EXPANSION_SECONDS = 5.0  # checking and expanding the rules of one file
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


# --- Making events as their authors meant them -------------------------------------------------


def _tidy(event) -> None:
    """An empty `RRULE:` line means no rule; of two UID lines, the first is the event's."""
    if isinstance(event.get("UID"), list):
        event["UID"] = event["UID"][0]
    if "RRULE" not in event:
        return
    rules = [r for r in prop_values(event["RRULE"]) if not isinstance(r, vRecur) or len(r)]
    if len(rules) == len(prop_values(event["RRULE"])):
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
        event["DTEND"].dt = in_zone_of(event["DTEND"].dt, start)
    for rule in prop_values(event["RRULE"]) if "RRULE" in event else []:
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
            expanded += sum(len(getattr(v, "dts", [])) for v in prop_values(event["RDATE"]))
        if "RRULE" not in event or start >= window.end:
            continue
        for rule in prop_values(event["RRULE"]):
            times = times_a_day(rule)
            expanded += window_days * times
            steps += (window.end - start).days * times
    if expanded > MAX_EXPANDED or steps > MAX_RULE_STEPS:
        fail(filename, TOO_MUCH)


def _check_rules_happen(events, lines, filename: str, deadline: float) -> None:
    for index, event in enumerate(events):
        for rule in prop_values(event["RRULE"]) if "RRULE" in event else []:
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
        if check_event(event, lines[index] if index < len(lines) else {}, problems):
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
        starts_at, ends_at = _aware(start, zone), _aware(in_zone_of(end, start), zone)
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

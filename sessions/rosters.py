"""Reading on-call rosters: iCalendar (.ics) and CSV for trainees, CSV and XLSX for organisers.

Pure functions from bytes to `ShiftRow`s. A file is read whole or refused:
every problem is collected with its file, line and field (balint.imports),
so a person can fix everything at once, and nothing of a bad file is saved.

iCalendar: time zones from VTIMEZONE (Outlook's "GMT Standard Time" too) or
UTC, Google's X-WR-TIMEZONE, floating times in the person's own zone, all-day
events as whole local days, and recurrence (RRULE, RDATE, EXDATE) expanded by
`recurring-ical-events` over a bounded window around today. Event titles are
never stored: a calendar may hold more than duty times.
"""

import csv
import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events
from icalendar.prop import vBroken

from balint.imports import ImportFailed, ImportProblem, fail

MAX_UPLOAD_BYTES = 2_000_000
MAX_ORGANISER_BYTES = 10_000_000
MAX_SHIFTS = 3_000  # per personal file or feed, after expanding recurrences
MAX_ORGANISER_ROWS = 100_000
MAX_PROBLEMS = 50
MAX_SHIFT_DAYS = 31
SHIFT_TYPE_LENGTH = 100
# Shifts are kept from two months back (recent history on the roster page) to
# a little over a year ahead (the longest term is 400 days).
WINDOW_PAST_DAYS = 60
WINDOW_FUTURE_DAYS = 400
# Expanding recurrences is bounded before it starts: by the occurrences it may
# yield in the window and by the steps the rule engine may take to get there.
MAX_EXPANDED = 20_000
MAX_RULE_STEPS = 1_000_000
ALLOWED_FREQUENCIES = {"DAILY", "WEEKLY", "MONTHLY", "YEARLY"}
MAX_TIMES_A_DAY = 4

ICS, CSV, XLSX = "ics", "csv", "xlsx"
PERSONAL_FORMATS = (ICS, CSV)
ORGANISER_FORMATS = (CSV, XLSX)
EXTENSIONS = {".ics": ICS, ".ical": ICS, ".ifb": ICS, ".csv": CSV, ".xlsx": XLSX}
FORMAT_NAMES = {ICS: "iCalendar (.ics)", CSV: "CSV (.csv)", XLSX: "Excel (.xlsx)"}

COLUMN_ALIASES = {
    "start": "start",
    "starts": "start",
    "start_time": "start",
    "from": "start",
    "end": "end",
    "ends": "end",
    "end_time": "end",
    "to": "end",
    "shift_type": "shift_type",
    "type": "shift_type",
    "shift": "shift_type",
    "email": "email",
    "email_address": "email",
    "registration_number": "registration_number",
    "registration": "registration_number",
    "reg_number": "registration_number",
}


@dataclass(frozen=True)
class ShiftRow:
    starts_at: datetime  # aware
    ends_at: datetime  # aware, after starts_at
    all_day: bool = False
    shift_type: str = ""
    person_id: int | None = None
    line: int | None = None

    @property
    def key(self) -> tuple:
        return (self.person_id, self.starts_at, self.ends_at)


@dataclass(frozen=True)
class Window:
    """The span of time whose shifts are kept."""

    start: datetime
    end: datetime

    @classmethod
    def around(cls, today: date, zone: ZoneInfo) -> "Window":
        return cls(
            start=datetime.combine(today - timedelta(days=WINDOW_PAST_DAYS), time.min, zone),
            end=datetime.combine(today + timedelta(days=WINDOW_FUTURE_DAYS), time.min, zone),
        )

    def keeps(self, starts_at: datetime, ends_at: datetime) -> bool:
        return starts_at < self.end and ends_at > self.start


@dataclass
class PeopleIndex:
    """Who an organiser's file may name: the people of the scheme."""

    by_email: dict[str, int] = field(default_factory=dict)
    by_registration: dict[str, list[int]] = field(default_factory=dict)

    @staticmethod
    def normalise_registration(value: str) -> str:
        return re.sub(r"\s+", "", value).upper()

    @classmethod
    def of(cls, people: Iterable[tuple[int, str, str]]) -> "PeopleIndex":
        index = cls()
        for pk, email, registration in people:
            index.by_email[email.strip().lower()] = pk
            if registration.strip():
                key = cls.normalise_registration(registration)
                index.by_registration.setdefault(key, []).append(pk)
        return index


class _Problems:
    """Collects problems; stops collecting (and reading) after MAX_PROBLEMS."""

    def __init__(self, filename: str):
        self.filename = filename
        self.items: list[ImportProblem] = []

    def add(self, line: int | None, field: str | None, message: str) -> None:
        if len(self.items) < MAX_PROBLEMS:
            self.items.append(ImportProblem(self.filename, line, field, message))

    @property
    def full(self) -> bool:
        return len(self.items) >= MAX_PROBLEMS

    def raise_if_any(self) -> None:
        if self.items:
            raise ImportFailed(self.items)


# --- Which kind of file ---------------------------------------------------------------


def detect_format(raw: bytes, filename: str, *, allowed: tuple[str, ...], max_bytes: int) -> str:
    """ICS, CSV or XLSX, from the content first and the name second; refuse anything else."""
    if len(raw) > max_bytes:
        fail(filename, f"The file is larger than {max_bytes // 1_000_000} MB.")
    if not raw.strip():
        fail(filename, "The file is empty.")
    wanted = " or ".join(FORMAT_NAMES[f] for f in allowed)
    extension = ("." + filename.rsplit(".", 1)[-1].lower()) if "." in filename else ""
    if raw.startswith(b"PK\x03\x04"):
        if XLSX in allowed and extension == ".xlsx":
            return XLSX
        fail(filename, f"This is a compressed or Office file, not {wanted}.")
    if b"\x00" in raw[:8192]:
        fail(filename, f"This is not a text file; upload {wanted}.")
    head = raw[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").upper()
    if head.startswith(b"BEGIN:VCALENDAR"):
        if ICS in allowed:
            return ICS
        fail(filename, f"This is an iCalendar file; upload {wanted}.")
    if EXTENSIONS.get(extension) == ICS:
        fail(filename, "This is not an iCalendar file: it does not begin with BEGIN:VCALENDAR.")
    if EXTENSIONS.get(extension) == CSV and CSV in allowed:
        return CSV
    fail(filename, f"Upload {wanted}; {filename} is neither.")


def decode_text(raw: bytes, filename: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        fail(filename, "The file is not UTF-8 text; export or save it as UTF-8.")


def parse_personal(
    raw: bytes, filename: str, *, zone: ZoneInfo, today: date, max_bytes: int = MAX_UPLOAD_BYTES
) -> tuple[str, list[ShiftRow]]:
    """A trainee's file or feed: (format, shifts)."""
    kind = detect_format(raw, filename, allowed=PERSONAL_FORMATS, max_bytes=max_bytes)
    window = Window.around(today, zone)
    if kind == ICS:
        return kind, parse_ics(raw, filename, zone=zone, window=window)
    return kind, parse_csv(raw, filename, zone=zone, window=window)


# --- iCalendar --------------------------------------------------------------------------

_EVENT_PROPERTIES = ("DTSTART", "DTEND", "DURATION", "RRULE", "RDATE", "EXDATE")


def _event_lines(text: str) -> list[dict[str, int]]:
    """For each VEVENT in file order, the physical line of its BEGIN and of each property."""
    events: list[dict[str, int]] = []
    current: dict[str, int] | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if not line or line[0] in " \t":  # a folded continuation line
            continue
        name = re.split(r"[;:]", line, maxsplit=1)[0].strip().upper()
        value = line.split(":", 1)[-1].strip().upper()
        if name == "BEGIN" and value == "VEVENT":
            current = {"BEGIN": number}
            events.append(current)
        elif name == "END" and value == "VEVENT":
            current = None
        elif current is not None:
            current.setdefault(name, number)
    return events


def _short(text: object, limit: int = 160) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _values(prop) -> list:
    return prop if isinstance(prop, list) else [prop]


def _times_a_day(rule) -> int:
    times = 1
    for part in ("BYHOUR", "BYMINUTE", "BYSECOND"):
        times *= max(1, len(rule.get(part) or []))
    return times


def _check_rule(rule, add) -> None:
    frequency = (rule.get("FREQ") or [""])[0]
    if frequency not in ALLOWED_FREQUENCIES:
        add(
            f"An on-call shift cannot repeat {frequency.lower() or 'without a frequency'}; "
            "use DAILY, WEEKLY, MONTHLY or YEARLY."
        )
        return
    times = _times_a_day(rule)
    if times > MAX_TIMES_A_DAY:
        add(f"The rule repeats {times} times a day; an on-call shift cannot.")


def _check_event(event, where: dict[str, int], problems: _Problems) -> bool:
    """Problems of one VEVENT before expansion, each at its line and field. True when usable."""
    begin = where.get("BEGIN")
    found = len(problems.items)

    def add(prop: str, message: str) -> None:
        problems.add(where.get(prop, begin), prop, message)

    for prop in _EVENT_PROPERTIES:
        for value in _values(event.get(prop)) if prop in event else []:
            if isinstance(value, vBroken):
                shown = _short(value.to_ical().decode(errors="replace"))
                add(prop, f"{shown!r} is not valid here.")
    if len(problems.items) > found:
        return False
    start = event.get("DTSTART")
    if start is None:
        add("DTSTART", "The event has no start (DTSTART).")
        return False
    for prop in ("DTSTART", "DTEND"):
        value = event.get(prop)
        if value is not None and "TZID" in value.params and getattr(value.dt, "tzinfo", 1) is None:
            add(prop, f"Unknown time zone {value.params['TZID']!r}.")
    end = event.get("DTEND")
    if end is not None and len(problems.items) == found:
        if isinstance(start.dt, datetime) != isinstance(end.dt, datetime):
            add("DTEND", "The start and end must both be dates or both be times.")
        elif _comparable(end.dt) < _comparable(start.dt):
            add("DTEND", "The event ends before it starts.")
    rule = event.get("RRULE")
    if rule is not None:
        for one in _values(rule):
            _check_rule(one, lambda message: add("RRULE", message))
    return len(problems.items) == found


def _comparable(value: date | datetime) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.combine(value, time.min, UTC)


def _aware(value: date | datetime, zone: ZoneInfo) -> datetime:
    """An aware instant: floating times are in the person's zone; a date is its local midnight."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value.replace(tzinfo=zone)
        return value.astimezone(UTC)
    return datetime.combine(value, time.min, zone)


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
        fail(
            filename,
            "The calendar has too many events, or repeats too often or from too long ago, "
            "to be read; export the coming months only.",
        )


def parse_ics(raw: bytes, filename: str, *, zone: ZoneInfo, window: Window) -> list[ShiftRow]:
    text = decode_text(raw, filename)
    try:
        calendar = icalendar.Calendar.from_ical(text)
    except Exception as exc:  # icalendar raises several kinds for broken input
        fail(filename, f"This is not a valid iCalendar file: {_short(exc)}")
    if not isinstance(calendar, icalendar.Calendar):
        fail(filename, "This is not a valid iCalendar file: it holds no VCALENDAR.")
    events = calendar.walk("VEVENT")
    if not events:
        fail(filename, "The calendar has no events.")
    lines = _event_lines(text)
    problems = _Problems(filename)
    for index, event in enumerate(events):
        _check_event(event, lines[index] if index < len(lines) else {}, problems)
        if problems.full:
            break
    problems.raise_if_any()

    _check_expansion(events, filename, zone=zone, window=window)
    try:
        occurrences = recurring_ical_events.of(calendar).between(window.start, window.end)
    except Exception as exc:  # recurring-ical-events has its own errors for bad recurrences
        fail(filename, f"The repeating events could not be worked out: {_short(exc)}")

    shifts: dict[tuple, ShiftRow] = {}
    for occurrence in occurrences:
        if str(occurrence.get("STATUS", "")).upper() == "CANCELLED":
            continue
        start = occurrence["DTSTART"].dt
        end = occurrence["DTEND"].dt if "DTEND" in occurrence else None
        if end is None:
            end = start + timedelta(days=1) if not isinstance(start, datetime) else start
        starts_at, ends_at = _aware(start, zone), _aware(end, zone)
        if ends_at <= starts_at:
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
    return sorted(shifts.values(), key=lambda s: (s.starts_at, s.ends_at))


# --- Dates and times in CSV and XLSX cells ---------------------------------------------------

_DAY_FIRST = ("%d/%m/%Y", "%d/%m/%y", "%d.%m.%Y", "%d-%m-%Y")
_TIMES = ("%H:%M", "%H:%M:%S")
HOW_TO_WRITE = "write it as YYYY-MM-DD HH:MM (or DD/MM/YYYY HH:MM)"


def parse_when(value: str) -> date | datetime:
    """A date (a whole day) or a date and time; ValueError if it is neither."""
    value = value.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return date.fromisoformat(value)
    if re.match(r"\d{4}-\d{2}-\d{2}[T ]", value):
        return datetime.fromisoformat(value)
    for day_format in _DAY_FIRST:
        try:
            return datetime.strptime(value, day_format).date()
        except ValueError:
            pass
        for time_format in _TIMES:
            try:
                return datetime.strptime(value, f"{day_format} {time_format}")
            except ValueError:
                pass
    raise ValueError(value)


def _cell_when(value) -> date | datetime | None:
    """A cell's value (a string from CSV, or a typed value from XLSX) as a date or datetime."""
    if value is None:
        return None
    if isinstance(value, datetime | date):
        return value
    text = str(value).strip()
    return parse_when(text) if text else None


def _row_span(row, columns, *, zone: ZoneInfo, add) -> tuple[datetime, datetime, bool] | None:
    """Start, end and all-day from a row's two cells, or None after adding problems."""
    values = {}
    for name in ("start", "end"):
        raw = _cell(row, columns, name)
        try:
            values[name] = _cell_when(raw)
        except ValueError:
            add(name, f"{_short(raw, 40)!r} is not a date or time; {HOW_TO_WRITE}.")
            continue
        if values[name] is None:
            add(name, f"The {name} is missing.")
    if len(values) < 2 or None in values.values():
        return None
    start, end = values["start"], values["end"]
    if isinstance(start, datetime) != isinstance(end, datetime):
        add("end", "Give the start and end both as dates (a whole-day shift) or both with a time.")
        return None
    all_day = not isinstance(start, datetime)
    if all_day:
        if end < start:
            add("end", "The shift ends before it starts.")
            return None
        end = end + timedelta(days=1)  # a whole-day shift's last day is inclusive
    starts_at, ends_at = _aware(start, zone), _aware(end, zone)
    if ends_at <= starts_at:
        add(
            "end",
            "The shift ends before it starts."
            if ends_at < starts_at
            else "The shift ends when it starts.",
        )
        return None
    if ends_at - starts_at > timedelta(days=MAX_SHIFT_DAYS):
        add("end", f"The shift lasts more than {MAX_SHIFT_DAYS} days.")
        return None
    return starts_at, ends_at, all_day


def _header(cells, filename: str, *, required, either=()) -> dict[str, int]:
    """Column name -> index, from the first row; refuse the file when columns are missing."""
    columns: dict[str, int] = {}
    for index, cell in enumerate(cells):
        name = re.sub(r"[\s\-]+", "_", str(cell or "").strip().lower())
        canonical = COLUMN_ALIASES.get(name)
        if canonical and canonical not in columns:
            columns[canonical] = index
    missing = [c for c in required if c not in columns]
    expected = list(required)
    if either:
        expected = [" or ".join(either), *expected]
        if not any(c in columns for c in either):
            missing = [" or ".join(either), *missing]
    if missing:
        fail(
            filename,
            f"Missing column(s): {', '.join(missing)}. The first line must name the columns: "
            f"{', '.join(expected)}, and optionally shift_type.",
            line=1,
        )
    return columns


def _cell(row, columns: dict[str, int], name: str):
    index = columns.get(name)
    if index is None or index >= len(row):
        return None
    return row[index]


def _csv_rows(raw: bytes, filename: str) -> Iterable[tuple[int, list[str]]]:
    text = decode_text(raw, filename)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                yield reader.line_num, row
    except csv.Error as exc:
        fail(filename, f"The CSV cannot be read: {exc}", line=reader.line_num)


def parse_csv(raw: bytes, filename: str, *, zone: ZoneInfo, window: Window) -> list[ShiftRow]:
    """A trainee's CSV: start, end and optionally shift_type."""
    rows = iter(_csv_rows(raw, filename))
    first = next(rows, None)
    if first is None:
        fail(filename, "The file is empty.")
    columns = _header(first[1], filename, required=("start", "end"))
    problems = _Problems(filename)
    shifts: dict[tuple, ShiftRow] = {}
    count = 0
    for line, row in rows:
        count += 1
        if problems.full:
            break

        def add(name, message, line=line):
            problems.add(line, name, message)

        span = _row_span(row, columns, zone=zone, add=add)
        if span is None or not window.keeps(span[0], span[1]):
            continue
        shift_type = str(_cell(row, columns, "shift_type") or "").strip()[:SHIFT_TYPE_LENGTH]
        item = ShiftRow(span[0], span[1], span[2], shift_type, None, line)
        shifts.setdefault(item.key, item)
        if len(shifts) > MAX_SHIFTS:
            fail(filename, f"The file has more than {MAX_SHIFTS} shifts in the next year.")
    problems.raise_if_any()
    if count == 0:
        fail(filename, "The file has no shifts, only a header line.")
    return sorted(shifts.values(), key=lambda s: (s.starts_at, s.ends_at))


# --- Organiser's scheme-wide file (CSV or XLSX) ------------------------------------------------


def _xlsx_rows(raw: bytes, filename: str) -> Iterable[tuple[int, list]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        fail(filename, f"This is not a readable Excel (.xlsx) file: {_short(exc)}")
    except Exception as exc:  # openpyxl raises its own errors for damaged workbooks
        fail(filename, f"This is not a readable Excel (.xlsx) file: {_short(exc)}")
    try:
        sheet = book.worksheets[0]
        for number, cells in enumerate(sheet.iter_rows(), start=1):
            values = [_xlsx_value(cell) for cell in cells]
            if any(v not in (None, "") for v in values):
                yield number, values
    finally:
        book.close()


def _xlsx_value(cell):
    """Excel keeps dates as date-times; a cell formatted without hours is a whole day."""
    value = cell.value
    if isinstance(value, datetime):
        number_format = (getattr(cell, "number_format", "") or "").lower()
        if "h" not in number_format and value.time() == time.min:
            return value.date()
    return value


def parse_organiser(
    raw: bytes, filename: str, *, people: PeopleIndex, zone: ZoneInfo, today: date
) -> list[ShiftRow]:
    """A scheme-wide roster: email or registration_number, start, end, optional shift_type."""
    kind = detect_format(raw, filename, allowed=ORGANISER_FORMATS, max_bytes=MAX_ORGANISER_BYTES)
    rows = iter(_xlsx_rows(raw, filename) if kind == XLSX else _csv_rows(raw, filename))
    first = next(rows, None)
    if first is None:
        fail(filename, "The file is empty.")
    columns = _header(
        first[1], filename, required=("start", "end"), either=("email", "registration_number")
    )
    window = Window.around(today, zone)
    problems = _Problems(filename)
    shifts: dict[tuple, ShiftRow] = {}
    count = 0
    for line, row in rows:
        count += 1
        if count > MAX_ORGANISER_ROWS:
            fail(filename, f"The file has more than {MAX_ORGANISER_ROWS} rows.", line=line)
        if problems.full:
            break

        def add(name, message, line=line):
            problems.add(line, name, message)

        person_id = _person(row, columns, people, add)
        span = _row_span(row, columns, zone=zone, add=add)
        if person_id is None or span is None or not window.keeps(span[0], span[1]):
            continue
        shift_type = str(_cell(row, columns, "shift_type") or "").strip()[:SHIFT_TYPE_LENGTH]
        item = ShiftRow(span[0], span[1], span[2], shift_type, person_id, line)
        shifts.setdefault(item.key, item)
    problems.raise_if_any()
    if count == 0:
        fail(filename, "The file has no shifts, only a header line.")
    return sorted(shifts.values(), key=lambda s: (s.starts_at, s.person_id or 0, s.ends_at))


def _person(row, columns, people: PeopleIndex, add) -> int | None:
    email = str(_cell(row, columns, "email") or "").strip().lower()
    registration = str(_cell(row, columns, "registration_number") or "").strip()
    by_email = by_registration = None
    if email:
        by_email = people.by_email.get(email)
        if by_email is None:
            add("email", f"No one in this scheme has the email address {email!r}.")
            return None
    if registration:
        matches = people.by_registration.get(PeopleIndex.normalise_registration(registration), [])
        if not matches:
            add("registration_number", f"No one in this scheme has registration {registration!r}.")
            return None
        if by_email is not None:
            if by_email not in matches:
                add(
                    "registration_number",
                    "The email and registration number are of different people.",
                )
                return None
        elif len(matches) > 1:
            add(
                "registration_number",
                f"Several people share registration {registration!r}; give their email instead.",
            )
            return None
        else:
            by_registration = matches[0]
    person = by_email or by_registration
    if person is None:
        add("email", "Give the person's email or registration number.")
    return person

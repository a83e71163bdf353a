"""Reading on-call rosters: iCalendar (.ics) and CSV for trainees, CSV and XLSX for organisers.

Pure functions from bytes to `ShiftRow`s. A file is read whole or refused:
every problem is collected with its file, line and field (balint.imports),
so a person can fix everything at once, and nothing of a bad file is saved.

The iCalendar reader is in sessions/ics.py (time zone names in sessions/timezones.py);
a person's file comes in through sessions/roster_files.py. Every reader is `guarded`:
whatever a file holds, only ImportFailed comes out.
"""

import csv
import io
import logging
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from balint.imports import ImportFailed, ImportProblem, fail
from balint.imports import guarded as imports_guarded

logger = logging.getLogger(__name__)

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
# A date outside these years is a mistake, and near their ends it breaks date arithmetic.
MIN_YEAR, MAX_YEAR = 1000, 9000
MAX_CELL_CHARS = 500  # longer CSV and XLSX cells are cut to this before they are read
# An .xlsx is a zip: what it may unpack to is checked before openpyxl opens it.
MAX_XLSX_UNPACKED_BYTES = 20_000_000
MAX_XLSX_ENTRIES = 1_000
MAX_XLSX_RATIO = 200  # unpacked size / packed size of one entry over 1 MB
MAX_XLSX_COLUMNS = 100  # columns read of each row

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


# A file's unforeseen failure, as the person is told it (balint.imports.guarded).
guarded = imports_guarded(
    "The file could not be read: something in it is not in a form this site "
    "understands. Export it again from your calendar or spreadsheet; if that "
    "does not help, tell us (error {error})."
)


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


def _short(text: object, limit: int = 160) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _aware(value: date | datetime, zone: ZoneInfo) -> datetime:
    """An aware instant: floating times are in the person's zone; a date is its local midnight."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value.replace(tzinfo=zone)
        return value.astimezone(UTC)
    return datetime.combine(value, time.min, zone)


def nothing_in_window(what: str, window: Window) -> str:
    return (
        f"Nothing was imported: none of the {what} falls between "
        f"{window.start:%d %b %Y} and {window.end:%d %b %Y}, the span of time kept."
    )


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
    for name, value in values.items():
        if not MIN_YEAR <= value.year <= MAX_YEAR:
            add(name, f"The year {value.year} cannot be right for a shift.")
            return None
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
                yield reader.line_num, [cell[:MAX_CELL_CHARS] for cell in row]
    except csv.Error as exc:
        fail(filename, _csv_error(str(exc)), line=reader.line_num or None)


def _csv_error(error: str) -> str:
    if "field larger than field limit" in error:
        return (
            f"A cell is far too long for a roster (over {csv.field_size_limit():,} characters); "
            "a quote mark may be missing, or this is not the roster file."
        )
    if "NUL" in error:
        return "The line holds a null character; this is not a text export of a roster."
    return 'The CSV cannot be read from this line on; check its quote marks (").'


@guarded
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
    if not shifts:
        fail(filename, nothing_in_window("shifts in the file", window))
    return sorted(shifts.values(), key=lambda s: (s.starts_at, s.ends_at))


# --- Organiser's scheme-wide file (CSV or XLSX) ------------------------------------------------


def _xlsx_rows(raw: bytes, filename: str) -> Iterable[tuple[int, list]]:
    from openpyxl import load_workbook

    _check_zip(raw, filename)
    unreadable = (
        "This is not a readable Excel (.xlsx) file: it may be damaged, protected by a "
        "password or in another format. Open it in Excel and save it as .xlsx again."
    )
    try:
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds of error for damaged workbooks
        logger.info("Unreadable workbook %r", filename, exc_info=True)
        fail(filename, unreadable)
    number = 0
    try:
        sheet = book.worksheets[0]
        for number, cells in enumerate(sheet.iter_rows(max_col=MAX_XLSX_COLUMNS), start=1):
            values = [_xlsx_value(cell) for cell in cells]
            if any(v not in (None, "") for v in values):
                yield number, values
    except Exception:
        logger.info("Unreadable sheet in workbook %r", filename, exc_info=True)
        fail(filename, unreadable, line=number + 1)
    finally:
        book.close()


def _check_zip(raw: bytes, filename: str) -> None:
    """Refuse a workbook that would unpack to far more than it is (a "zip bomb")."""
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        fail(filename, "This is not a readable Excel (.xlsx) file: it is damaged or incomplete.")
    unpacked = sum(entry.file_size for entry in entries)
    absurd = any(
        entry.file_size > 1_000_000
        and entry.file_size > MAX_XLSX_RATIO * max(entry.compress_size, 1)
        for entry in entries
    )
    if len(entries) > MAX_XLSX_ENTRIES or unpacked > MAX_XLSX_UNPACKED_BYTES or absurd:
        fail(
            filename,
            "This workbook would unpack to more than a roster can be "
            f"({unpacked / 1_000_000:.0f} MB from {len(raw) / 1_000_000:.1f} MB); "
            "copy the roster alone into a new workbook and upload that.",
        )


def _xlsx_value(cell):
    """Excel keeps dates as date-times; a cell formatted without hours is a whole day."""
    value = cell.value
    if isinstance(value, str):
        return value[:MAX_CELL_CHARS]
    if isinstance(value, datetime):
        number_format = (getattr(cell, "number_format", "") or "").lower()
        if "h" not in number_format and value.time() == time.min:
            return value.date()
    return value


@guarded
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
    if not shifts:
        fail(filename, nothing_in_window("shifts in the file", window))
    return sorted(shifts.values(), key=lambda s: (s.starts_at, s.person_id or 0, s.ends_at))


def _person(row, columns, people: PeopleIndex, add) -> int | None:
    email = str(_cell(row, columns, "email") or "").strip().lower()
    registration = str(_cell(row, columns, "registration_number") or "").strip()
    by_email = by_registration = None
    if email:
        by_email = people.by_email.get(email)
        if by_email is None:
            add("email", f"No one in this scheme has the email address {_short(email, 80)!r}.")
            return None
    if registration:
        matches = people.by_registration.get(PeopleIndex.normalise_registration(registration), [])
        if not matches:
            add(
                "registration_number",
                f"No one in this scheme has registration {_short(registration, 40)!r}.",
            )
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
                f"Several people share registration {_short(registration, 40)!r}; "
                "give their email instead.",
            )
            return None
        else:
            by_registration = matches[0]
    person = by_email or by_registration
    if person is None:
        add("email", "Give the person's email or registration number.")
    return person

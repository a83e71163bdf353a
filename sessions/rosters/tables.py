"""Reading CSV and XLSX rosters: a trainee's CSV, and an organiser's scheme-wide CSV or XLSX.

Pure functions from bytes to `ShiftRow`s (sessions/rosters/files.py).
"""

import csv
import io
import logging
import re
import zipfile
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from balint.imports import fail
from sessions.rosters.files import (
    COLUMN_ALIASES,
    MAX_CELL_CHARS,
    MAX_ORGANISER_BYTES,
    MAX_ORGANISER_ROWS,
    MAX_SHIFT_DAYS,
    MAX_SHIFTS,
    MAX_XLSX_COLUMNS,
    MAX_XLSX_ENTRIES,
    MAX_XLSX_RATIO,
    MAX_XLSX_UNPACKED_BYTES,
    MAX_YEAR,
    MIN_YEAR,
    ORGANISER_FORMATS,
    SHIFT_TYPE_LENGTH,
    XLSX,
    PeopleIndex,
    ShiftRow,
    Window,
    _aware,
    _Problems,
    _short,
    decode_text,
    detect_format,
    guarded,
    nothing_in_window,
)

logger = logging.getLogger(__name__)

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

"""What every on-call roster reader shares: the formats and limits, a shift row, the span
of time kept, the problems collected, and which kind a file is.

A file is read whole or refused: every problem is collected with its file, line and
field (balint.imports), so a person can fix everything at once, and nothing of a bad
file is saved. Every reader is `guarded`: whatever a file holds, only ImportFailed
comes out. The readers are sessions/rosters/tables.py (CSV and XLSX) and
sessions/rosters/ics.py (iCalendar); a person's own file comes in through
sessions/rosters/personal.py.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from balint.imports import ImportFailed, ImportProblem, fail
from balint.imports import guarded as imports_guarded

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

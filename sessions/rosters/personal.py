"""The way in for a person's own roster file or feed: which kind it is, then its reader
(sessions/rosters/ics.py for iCalendar, sessions/rosters/tables.py for CSV)."""

from datetime import date
from zoneinfo import ZoneInfo

from sessions.rosters.files import (
    ICS,
    MAX_UPLOAD_BYTES,
    PERSONAL_FORMATS,
    ShiftRow,
    Window,
    detect_format,
)
from sessions.rosters.ics import parse_ics
from sessions.rosters.tables import parse_csv


def parse_personal(
    raw: bytes, filename: str, *, zone: ZoneInfo, today: date, max_bytes: int = MAX_UPLOAD_BYTES
) -> tuple[str, list[ShiftRow]]:
    """A trainee's file or feed: (format, shifts)."""
    kind = detect_format(raw, filename, allowed=PERSONAL_FORMATS, max_bytes=max_bytes)
    window = Window.around(today, zone)
    if kind == ICS:
        return kind, parse_ics(raw, filename, zone=zone, window=window)
    return kind, parse_csv(raw, filename, zone=zone, window=window)

"""Hostile and broken roster files: each is refused quickly, with a sentence naming where and why.

The readers in sessions/rosters.py (and sessions/ics.py) are pure functions from bytes
to rows; here they are given files that once hung the server, crashed it with a 500,
or echoed library text. Whatever the bytes, only rows or ImportFailed come out.
"""

import io
import logging
import zipfile
from datetime import date
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from balint.imports import ImportFailed
from sessions.rosters import ics
from sessions.rosters import personal as roster_files
from sessions.rosters import tables as rosters
from tests.factories.rosters import event
from tests.factories.rosters import ics as calendar

DUBLIN = ZoneInfo("Europe/Dublin")
TODAY = date(2026, 3, 2)
WINDOW = rosters.Window.around(TODAY, DUBLIN)
HEADER = "email,registration_number,start,end,shift_type"
PEOPLE = rosters.PeopleIndex.of([(1, "aoife@example.org", "IMC 400123")])
RAW_LIBRARY_TEXT = (
    "Expected time",
    "Found multiple components",
    "not supported between",
    "unsupported RDATE",
    "object has no attribute",
    "field larger than field limit",
    "Traceback",
)


def read_ics(raw: bytes) -> list[rosters.ShiftRow]:
    return ics.parse_ics(raw, "roster.ics", zone=DUBLIN, window=WINDOW)


def read_csv(raw: bytes) -> list[rosters.ShiftRow]:
    return rosters.parse_csv(raw, "roster.csv", zone=DUBLIN, window=WINDOW)


def read_organiser(raw: bytes, filename: str = "rota.csv") -> list[rosters.ShiftRow]:
    return rosters.parse_organiser(raw, filename, people=PEOPLE, zone=DUBLIN, today=TODAY)


def refused(read, raw: bytes, *args):
    with pytest.raises(ImportFailed) as failure:
        read(raw, *args)
    for problem in failure.value.problems:
        assert not any(text in problem.message for text in RAW_LIBRARY_TEXT), problem.message
    return failure.value.problems


# --- Files that never returned -----------------------------------------------------------------

INTERVAL_ZERO = (
    b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTART:20260304T080000Z\r\n"
    b"DTEND:20260304T200000Z\r\nRRULE:FREQ=DAILY;INTERVAL=0\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


@pytest.fixture
def no_expansion(monkeypatch):
    """Fails the test if a rule is expanded at all: these must be refused before."""

    def expand(*args, **kwargs):
        raise AssertionError("the rule was expanded before it was checked")

    monkeypatch.setattr(ics.recurring_ical_events, "of", expand)


@pytest.mark.parametrize("interval", ["0", "-1"])
def test_a_rule_repeating_every_zero_days_is_refused_at_once(interval, no_expansion):
    raw = INTERVAL_ZERO.replace(b"INTERVAL=0", f"INTERVAL={interval}".encode())

    (problem,) = refused(read_ics, raw)

    assert (problem.line, problem.field) == (6, "RRULE")
    assert f"INTERVAL={interval} cannot be right" in problem.message


def test_a_rule_that_never_falls_on_a_date_is_refused_before_expansion(no_expansion):
    raw = calendar(
        event(
            "DTSTART:20260304T080000Z",
            "DTEND:20260304T200000Z",
            "RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30",
        )
    )

    (problem,) = refused(read_ics, raw)

    assert (problem.line, problem.field) == (9, "RRULE")
    assert "never falls on a real date" in problem.message


def test_expansion_stops_at_the_occurrence_cap(monkeypatch):
    # No time budget: on a loaded machine the 10,000 occurrences took longer than the
    # budget, which then stopped the reading first (a 2026-12-03 failure).
    monkeypatch.setattr(ics, "MAX_EXPANSION_SECONDS", float("inf"))
    raw = calendar(
        *(
            event(
                f"DTSTART:20260301T00{i:02d}00Z",
                f"DTEND:20260301T01{i:02d}00Z",
                "RRULE:FREQ=DAILY;BYHOUR=0,6,12,18",
                uid=f"many{i}",
            )
            for i in range(7)  # 7 × 4 a day × 401 days: more than MAX_OCCURRENCES
        )
    )
    (problem,) = refused(read_ics, raw)
    assert f"more than {ics.MAX_OCCURRENCES} events" in problem.message


def test_expansion_stops_when_its_time_budget_is_spent(monkeypatch):
    """Whatever a file makes slow, the reading stops: the budget is checked as each
    occurrence is made. The clock is faked, so the test itself takes no time."""
    readings = iter(range(0, 10_000, 2))  # each reading of the clock, two seconds on
    monkeypatch.setattr(ics.clock, "monotonic", lambda: next(readings))
    raw = calendar(event("DTSTART:20260302T080000Z", "DTEND:20260302T200000Z", "RRULE:FREQ=WEEKLY"))

    (problem,) = refused(read_ics, raw)

    assert problem.message == ics.TOO_MUCH


def test_a_calendar_of_too_many_events_is_refused_before_reading_them():
    raw = calendar(
        *(
            event("DTSTART:20260304T080000Z", "DTEND:20260304T200000Z", uid=f"e{i}")
            for i in range(ics.MAX_EVENTS + 1)
        )
    )
    (problem,) = refused(read_ics, raw)
    assert f"more than {ics.MAX_EVENTS} events" in problem.message


def zipped(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "entries",
    [
        {"xl/worksheets/sheet1.xml": b"<" * (rosters.MAX_XLSX_UNPACKED_BYTES + 1)},  # too big
        {"xl/worksheets/sheet1.xml": b" " * 5_000_000},  # 5 MB from a few kB
    ],
    ids=["total", "ratio"],
)
def test_a_zip_bomb_is_refused_before_it_is_unpacked(entries):
    raw = zipped(entries)
    assert len(raw) < 100_000

    (problem,) = refused(read_organiser, raw, "rota.xlsx")

    assert "would unpack to more than a roster can be" in problem.message


def test_a_workbook_with_a_damaged_sheet_is_refused_with_a_sentence():
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["email", "start", "end"])
    buffer = io.BytesIO()
    book.save(buffer)
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as original:
        entries = {info.filename: original.read(info) for info in original.infolist()}
    entries["xl/worksheets/sheet1.xml"] = b"<worksheet><sheetData><row r='1'><c r='A1'"

    (problem,) = refused(read_organiser, zipped(entries), "rota.xlsx")

    assert problem.message.startswith("This is not a readable Excel (.xlsx) file: it may be")


def test_long_cells_are_cut_short_in_messages():
    raw = f"{HEADER}\n{'x' * 100_000}@example.org,,2026-03-10 08:00,2026-03-10 20:00,\n"
    (problem,) = refused(read_organiser, raw.encode())
    assert problem.field == "email"
    assert len(problem.message) < 200


# --- Files that crashed with a 500 -------------------------------------------------------------

CRASHED = [
    # (raw, line, field, message fragment)
    (
        calendar(
            event(
                "DTSTART;TZID=Asia/Tokyo:00010101T080000",
                "DTEND;TZID=Asia/Tokyo:00010101T200000",
            )
        ),
        7,
        "DTSTART",
        "The year 1 cannot be right for the start",
    ),
    (
        calendar("UID:d\nDTSTART;VALUE=DURATION:PT1H"),
        6,
        "DTSTART",
        "must be a date or a date and time, not a length",
    ),
    (
        calendar("UID:p\nDTSTART;VALUE=PERIOD:20260304T080000Z/PT1H"),
        6,
        "DTSTART",
        "not a length or a period",
    ),
    (
        calendar(event("DTSTART:20260304T080000Z", "DTEND:20260304T200000Z", "DTSTART:20260305")),
        9,
        "DTSTART",
        "The event has 2 DTSTART lines",
    ),
    (
        calendar(event("DTSTART:20260304T080000Z", "DTEND:20260304T200000Z", "DTEND:20260305")),
        9,
        "DTEND",
        "The event has 2 DTEND lines",
    ),
    (
        calendar(event("DTSTART;VALUE=DATE:20260310", "DTEND;VALUE=DATE:20260311", "RDATE:PT1H")),
        9,
        "RDATE",
        "'PT1H' is not a date",
    ),
    (
        calendar(
            event("DTSTART:20260304T080000Z", "DTEND:20260304T200000Z", "RRULE;VALUE=DATE:2026")
        ),
        9,
        "RRULE",
        "is not valid here: a repeat rule is written like FREQ=WEEKLY;COUNT=6",
    ),
    (
        calendar(
            event("DTSTART:20260304T080000Z", "DTEND:20260304T200000Z", "RRULE:FREQ=DAILY;COUNT=-1")
        ),
        9,
        "RRULE",
        "COUNT=-1 cannot be right",
    ),
    (
        calendar(
            event(
                "DTSTART:20260304T080000Z", "DTEND:20260304T200000Z", "RRULE:FREQ=DAILY;BYHOUR=25"
            )
        ),
        9,
        "RRULE",
        "The repeat rule has a part that cannot be right",
    ),
    (
        calendar("UID:huge\nDTSTART:20260304T080000Z\nDURATION:P999999999D"),
        7,
        "DURATION",
        "An on-call shift cannot last P999999999D",
    ),
    (
        calendar(event("DTSTART;VALUE=DATE:PT1H", "DTEND;VALUE=DATE:20260311")),
        7,
        "DTSTART",
        "must be a date or a date and time, not a length or a period",
    ),
    (
        b"BEGIN:VCALENDAR\r\nDTSTART;VALUE=TIME:garbage\r\nBEGIN:VEVENT\r\nEND:VEVENT\r\n"
        b"END:VCALENDAR\r\n",
        None,
        None,
        "This is not a valid iCalendar file",
    ),
    (
        calendar(event("DTSTART:20260304T080000Z", "DTEND:20260304T200000Z"))
        + calendar(event("DTSTART:20260305T080000Z", "DTEND:20260305T200000Z")),
        None,
        None,
        "more than one calendar",
    ),
]


@pytest.mark.parametrize(("raw", "line", "field", "message"), CRASHED)
def test_a_file_that_once_crashed_is_refused_with_a_sentence(raw, line, field, message):
    (problem, *_) = refused(read_ics, raw)
    assert (problem.line, problem.field) == (line, field)
    assert message in problem.message


def test_two_uid_lines_in_a_repeating_event_are_read_as_the_first():
    raw = calendar(
        event("DTSTART:20260304T080000Z", "DTEND:20260304T200000Z", "RRULE:FREQ=DAILY;COUNT=2")
        + "\nUID:second"
    )
    assert [row.starts_at.day for row in read_ics(raw)] == [4, 5]


@pytest.mark.parametrize("read", [read_csv, read_organiser], ids=["trainee", "organiser"])
def test_a_whole_day_shift_on_the_last_day_of_9999_is_refused(read):
    prefix = "aoife@example.org,," if read is read_organiser else ""
    header = HEADER if read is read_organiser else "start,end,shift_type"
    raw = f"{header}\n{prefix}9999-12-31,9999-12-31,Day\n".encode()

    (problem,) = refused(read, raw)

    assert (problem.line, problem.field) == (2, "start")
    assert "The year 9999 cannot be right" in problem.message


def test_a_csv_cell_past_the_field_limit_is_a_sentence():
    raw = b'start,end\n"' + b"x" * 200_000 + b'",2026-03-04\n'
    (problem,) = refused(read_csv, raw)
    assert "A cell is far too long for a roster" in problem.message
    assert problem.line is not None


# --- Nothing unexpected gets out ---------------------------------------------------------------


def test_anything_unexpected_becomes_import_failed_and_is_logged(monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("internal detail")

    monkeypatch.setattr(ics, "_expand", broken)
    monkeypatch.setattr(rosters, "_row_span", broken)
    good_ics = calendar(event("DTSTART:20260304T080000Z", "DTEND:20260304T200000Z"))
    good_csv = b"start,end\n2026-03-04 08:00,2026-03-04 20:00\n"

    with caplog.at_level(logging.ERROR, logger="sessions.rosters"):
        for read, raw in [(read_ics, good_ics), (read_csv, good_csv)]:
            (problem,) = refused(read, raw)
            assert problem.message.startswith("The file could not be read:")
            assert "internal detail" not in problem.message

    assert [r.exc_info[0] for r in caplog.records] == [RuntimeError, RuntimeError]


VALID_ICS = calendar(
    event(
        "DTSTART;TZID=Europe/Dublin:20260304T080000",
        "DTEND;TZID=Europe/Dublin:20260304T200000",
        "RRULE:FREQ=WEEKLY;COUNT=6",
        "EXDATE;TZID=Europe/Dublin:20260318T080000",
    ),
    event("DTSTART;VALUE=DATE:20260310", "DTEND;VALUE=DATE:20260311", uid="b"),
).decode()
VALID_CSV = "start,end,shift_type\n2026-03-04 08:00,2026-03-04 20:00,Day\n2026-03-10,2026-03-11,W\n"
PROPERTIES = ["DTSTART", "DTEND", "RDATE", "EXDATE", "RRULE", "DURATION", "RECURRENCE-ID", "UID"]
PARAMETERS = ["", ";VALUE=DATE", ";VALUE=PERIOD", ";VALUE=TIME", ";TZID=Asia/Tokyo", ";TZID=x"]
VALUES = [
    "",
    "garbage",
    "20260304",
    "20260304T080000",
    "00010101T000000",
    "99991231T235959Z",
    "PT1H",
    "20260304T080000Z/PT1H",
    "FREQ=DAILY;UNTIL=20260310",
    "FREQ=DAILY;INTERVAL=0",
    "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=31",
    "FREQ=WEEKLY;COUNT=-1",
    "FREQ=WEEKLY;BYSETPOS=0",
    "FREQ=DAILY;BYHOUR=25",
    "FREQ=MONTHLY;BYDAY=MO,XX",
]
ics_line = st.builds(
    "{}{}:{}".format,
    st.sampled_from(PROPERTIES),
    st.sampled_from(PARAMETERS),
    st.sampled_from(VALUES),
) | st.text(max_size=40)
csv_line = st.sampled_from(
    ["", "2026-03-04", "9999-12-31", "0001-01-01 00:00", "31/02/2026 08:00", '"', "x" * 600]
).map(lambda cell: f"{cell},{cell}") | st.text(max_size=40)


def mutated(text: str, new_lines):
    """Insert, delete, duplicate or replace lines of a valid file."""

    @st.composite
    def build(draw):
        lines = text.splitlines()
        for _ in range(draw(st.integers(1, 4))):
            at = draw(st.integers(0, len(lines)))
            action = draw(st.sampled_from(["insert", "delete", "duplicate", "replace"]))
            if action == "insert" or not lines:
                lines.insert(at, draw(new_lines))
                continue
            at = min(at, len(lines) - 1)
            if action == "delete":
                del lines[at]
            elif action == "duplicate":
                lines.insert(at, lines[at])
            else:
                name = lines[at].split(":", 1)[0]
                lines[at] = f"{name}:{draw(st.sampled_from(VALUES))}"
        return ("\r\n".join(lines) + "\r\n").encode()

    return build()


def rows_or_refused(read, raw: bytes, *args) -> None:
    try:
        rows = read(raw, *args)
    except ImportFailed as failure:
        assert failure.problems
        for problem in failure.problems:
            assert not any(text in problem.message for text in RAW_LIBRARY_TEXT), problem
    else:
        assert all(row.starts_at < row.ends_at for row in rows)


FUZZ = settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(raw=mutated(VALID_ICS, ics_line))
def test_a_mangled_calendar_gives_rows_or_a_refusal(raw):
    rows_or_refused(read_ics, raw)


@FUZZ
@given(raw=mutated(VALID_CSV, csv_line))
def test_a_mangled_csv_gives_rows_or_a_refusal(raw):
    rows_or_refused(read_csv, raw)
    rows_or_refused(read_organiser, raw.replace(b"start,end", b"email,start,end", 1))


@FUZZ
@given(raw=st.binary(max_size=300), name=st.sampled_from(["r.ics", "r.csv", "r.xlsx"]))
def test_any_bytes_give_rows_or_a_refusal(raw, name):
    def personal(raw, name):
        return roster_files.parse_personal(raw, name, zone=DUBLIN, today=TODAY)[1]

    rows_or_refused(personal, raw, name)
    rows_or_refused(read_organiser, raw, name)
    rows_or_refused(personal, b"BEGIN:VCALENDAR\r\n" + raw, "r.ics")

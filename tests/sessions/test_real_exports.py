"""Real calendar exports, read shift by shift against an independent reading (issue 15).

Each file in tests/files/real/ is read the way a trainee's upload is read
(`roster_files.parse_personal`, zone Europe/Dublin, the window around a fixed day near the
file's export date) and compared, start, end and all-day flag of every shift, with either

- what `recurring_ical_events.of(icalendar.Calendar.from_ical(raw))` expands the unmodified
  file to over the same window, where those libraries read the file as its calendar app does;
- or a list written by hand of the shifts as the calendar app that wrote the file shows
  them, where the libraries alone read it differently (the reason is given next to it).

Where the files come from (all kept byte for byte unless said otherwise):

- exchange2010_allday_moved.ics: niccokunzmann/python-recurring-ical-events,
  recurring_ical_events/test/calendars/issue_28_rrule_with_UTC_endinginZ.ics, a published
  Exchange 2010 (Outlook on the web) calendar: "GMT Standard Time" VTIMEZONE, fortnightly
  all-day events, moved occurrences with a date-time RECURRENCE-ID, CRLF, folded UIDs.
- exchange2010_evolution_local_until.ics: the same repository, .../issue_27_t1.ics: Exchange
  2010 through Evolution: a daily rule with a local-time UNTIL, a TZID that no VTIMEZONE
  defines, folded DTSTART values, X-LIC-ERROR lines.
- exchange2010_alarm_allday_exdate.ics: collective/icalendar,
  src/icalendar/tests/calendars/alarm_outlook_in_future.ics (Exchange 2010, made in Outlook):
  an all-day fortnightly series with EXDATE;TZID=GMT Standard Time on a date, the same series
  twice under two UIDs, a timed event. Line ends changed to CRLF, as Exchange writes them
  (the stored copy has LF).
- google_sydney_moved.ics: python-recurring-ical-events, .../issue_62_moved_event_2.ics:
  Google Calendar, Australia/Sydney, timed and all-day weekly rules with UTC and date UNTILs,
  each with a moved occurrence.
- google_machbar.ics: python-recurring-ical-events, .../machbar_16_feb_2019.ics: a whole
  Google Calendar export (64 events: X-WR-TIMEZONE, UTC and Europe/Berlin times, EXDATEs,
  RECURRENCE-IDs, monthly BYDAY rules, endless weekly rules).
- google_exdate_moved.ics: python-recurring-ical-events,
  .../issue_151_macos_linux_difference.ics: Google Calendar, America/Los_Angeles, a yearly
  rule with an EXDATE and a moved first occurrence, VALARMs with X-WR-ALARMUID.
- thunderbird_overrides.ics: python-recurring-ical-events, .../issue_223_thunderbird.ics:
  Thunderbird, the full historical Europe/London VTIMEZONE, a daily rule with a UTC UNTIL and
  two changed occurrences.
- apple_macos_allday_alarm.ics: sabre-io/vobject, the Mac OS X 10.8 event in
  ICalendarSplitterTest::testICalendarImportWithOutVTIMEZONES: Apple Calendar's all-day
  event with its VALARM (X-WR-ALARMUID, X-APPLE-DEFAULT-ALARM). Line ends changed to CRLF.
- owa_display_name_quirks.ics: NOT a real export (none with these quirks was found in public
  test suites): written for this test in the exact structure of the Exchange 2010 files
  above, with what OWA and Exchange are reported to write: display-name TZIDs with no
  VTIMEZONE, a DTSTART with a TZID and a floating DTEND, an empty RRULE: line, a daily rule
  with a local-time UNTIL across the change to summer time, two events sharing a UID without
  RECURRENCE-ID, an all-day leave block.
- healthroster_export.csv: NOT a real export: written for this test in the column style of a
  hospital e-rostering export (Allocate HealthRoster / RLDatix): BOM, CRLF, day-first Excel
  dates with and without seconds, two-digit years and one-digit hours, an ISO row, overnight
  shifts over both clock changes, an all-day leave row, a duplicated row, an empty row.
"""

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events
import time_machine

from sessions.rosters import files as rosters
from sessions.rosters import personal as roster_files

DUBLIN = ZoneInfo("Europe/Dublin")
REAL = Path(__file__).parents[1] / "files" / "real"
LIBRARY = "library"  # expected: what recurring-ical-events expands the raw file to


def at(y, m, d, hh=0, mm=0, zone=DUBLIN) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=zone)


def days(first: date, last: date) -> tuple:
    """An all-day event from the first day to the last, inclusive, as whole Dublin days."""
    after = last + timedelta(days=1)
    return (at(first.year, first.month, first.day), at(after.year, after.month, after.day), True)


def one_day(y, m, d) -> tuple:
    return days(date(y, m, d), date(y, m, d))


def timed(start: datetime, end: datetime) -> tuple:
    return (start, end, False)


def _utc(shifts) -> list[tuple]:
    return sorted({(s.astimezone(UTC), e.astimezone(UTC), all_day) for s, e, all_day in shifts})


def read(name: str, today: date) -> list[tuple]:
    raw = (REAL / name).read_bytes()
    with time_machine.travel(datetime.combine(today, time(12), DUBLIN), tick=False):
        _, rows = roster_files.parse_personal(raw, name, zone=DUBLIN, today=today)
    return _utc((row.starts_at, row.ends_at, row.all_day) for row in rows)


def by_library(name: str, today: date) -> list[tuple]:
    """recurring-ical-events on the unmodified file; dates and floating times are Dublin's."""
    window = rosters.Window.around(today, DUBLIN)
    calendar = icalendar.Calendar.from_ical((REAL / name).read_bytes())
    shifts = []
    for event in recurring_ical_events.of(calendar).between(window.start, window.end):
        if str(event.get("STATUS", "")).upper() == "CANCELLED":
            continue
        start, end = event.start, event.end
        all_day = not isinstance(start, datetime)
        if all_day:
            start, end = (datetime.combine(d, time.min, DUBLIN) for d in (start, end))
        else:
            start, end = (t if t.tzinfo else t.replace(tzinfo=DUBLIN) for t in (start, end))
        if end > start:  # an event without length is no shift
            shifts.append((start, end, all_day))
    return _utc(shifts)


# fmt: off
BIN_DAYS = [
    # Black bin, every other Thursday from 2 April to 17 September; 16 April, 28 May and
    # 3 September moved to the Friday.
    (4, 2), (4, 17), (4, 30), (5, 14), (5, 29), (6, 11), (6, 25),
    (7, 9), (7, 23), (8, 6), (8, 20), (9, 4), (9, 17),
    # Blue recycle bin, every other Thursday from 9 April to 24 September.
    (4, 9), (4, 23), (5, 7), (5, 21), (6, 4), (6, 18), (7, 2),
    (7, 16), (7, 30), (8, 13), (8, 27), (9, 10), (9, 24),
]
# fmt: on


CASES = [
    # (file, a day near its export (the window is 60 days back, 400 ahead), expected)
    pytest.param(
        "exchange2010_allday_moved.ics",
        date(2020, 5, 25),
        # recurring-ical-events drops the last occurrence of both series: UNTIL
        # 20200916T230000Z and 20200923T230000Z are midnight of 17 and 24 September in
        # London summer time, where Outlook ends them (both are occurrence days).
        [one_day(2020, month, day) for month, day in BIN_DAYS],
        id="exchange2010_allday_moved",
    ),
    pytest.param(
        "exchange2010_evolution_local_until.ics",
        date(2020, 4, 23),
        LIBRARY,  # 26 and 28 April, 14:00 Berlin: 27 excluded, UNTIL 29 April 00:00 local
        id="exchange2010_evolution_local_until",
    ),
    pytest.param(
        "exchange2010_alarm_allday_exdate.ics",
        date(2024, 7, 1),
        LIBRARY,  # 1-7 July and 29 July-4 August (15 July excluded), 4 October 18:30
        id="exchange2010_alarm_allday_exdate",
    ),
    pytest.param("google_sydney_moved.ics", date(2023, 6, 29), LIBRARY, id="google_sydney_moved"),
    pytest.param("google_machbar.ics", date(2019, 2, 16), LIBRARY, id="google_machbar"),
    pytest.param("google_exdate_moved.ics", date(2016, 7, 1), LIBRARY, id="google_exdate_moved"),
    pytest.param(
        "thunderbird_overrides.ics", date(2025, 4, 21), LIBRARY, id="thunderbird_overrides"
    ),
    pytest.param(
        "apple_macos_allday_alarm.ics", date(2012, 6, 5), LIBRARY, id="apple_macos_allday_alarm"
    ),
    pytest.param(
        "owa_display_name_quirks.ics",
        date(2026, 3, 2),
        # recurring-ical-events reads a display-name TZID with no VTIMEZONE as floating time
        # (so Sydney's 08:00 as Dublin's) and keeps one of two events sharing a UID.
        [
            timed(at(2026, 3, 5, 20), at(2026, 3, 6, 8)),
            # "(GMT+10:00) Canberra, Melbourne, Sydney" 08:00 in summer time (UTC+11); the
            # floating DTEND 09:30 is in the start's zone.
            timed(at(2026, 3, 11, 21, zone=UTC), at(2026, 3, 11, 22, 30, zone=UTC)),
            # Nights every day until the local UNTIL 30 March 20:00; one is an hour short.
            timed(at(2026, 3, 27, 20), at(2026, 3, 28, 8)),
            timed(at(2026, 3, 28, 20), at(2026, 3, 29, 8)),
            timed(at(2026, 3, 29, 20), at(2026, 3, 30, 8)),
            timed(at(2026, 3, 30, 20), at(2026, 3, 31, 8)),
            timed(at(2026, 4, 18, 9), at(2026, 4, 18, 21)),  # the same UID twice: both kept
            timed(at(2026, 4, 19, 9), at(2026, 4, 19, 21)),
            days(date(2026, 5, 4), date(2026, 5, 8)),  # leave, Monday to Friday
        ],
        id="owa_display_name_quirks",
    ),
]


@pytest.mark.parametrize(("name", "today", "expected"), CASES)
def test_a_real_export_reads_shift_by_shift_as_its_calendar_shows_it(name, today, expected):
    expected = by_library(name, today) if expected == LIBRARY else _utc(expected)

    found = read(name, today)

    assert found, "a real export must give shifts in its window"
    assert found == expected


def test_a_hospital_rota_csv_export_reads_shift_by_shift():
    today = date(2026, 3, 2)
    raw = (REAL / "healthroster_export.csv").read_bytes()
    with time_machine.travel(datetime.combine(today, time(12), DUBLIN), tick=False):
        kind, rows = roster_files.parse_personal(
            raw, "healthroster_export.csv", zone=DUBLIN, today=today
        )

    assert kind == rosters.CSV
    assert [(r.starts_at, r.ends_at, r.all_day, r.shift_type) for r in rows] == [
        (at(2026, 3, 2, 8), at(2026, 3, 2, 20), False, "LD"),
        (at(2026, 3, 6, 20), at(2026, 3, 7, 8), False, "N"),  # overnight
        (at(2026, 3, 7, 20), at(2026, 3, 8, 8), False, "N"),
        (at(2026, 3, 9), at(2026, 3, 14), True, "AL"),  # leave 9-13 March, both days inclusive
        (at(2026, 3, 16, 8), at(2026, 3, 16, 16, 30), False, "E"),  # "16/03/26 8:00"
        (at(2026, 3, 28, 20), at(2026, 3, 29, 8), False, "N"),  # 11 hours; listed twice
        (at(2026, 4, 4, 8), at(2026, 4, 4, 20), False, "LD"),
        (at(2026, 10, 24, 20), at(2026, 10, 25, 8), False, "N"),  # 13 hours
    ]
    hours = [r.ends_at.astimezone(UTC) - r.starts_at.astimezone(UTC) for r in rows]
    assert hours[5] == timedelta(hours=11)  # the clocks go forward that night
    assert hours[-1] == timedelta(hours=13)  # and back

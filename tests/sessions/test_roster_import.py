"""A trainee's own roster file: `services.roster_upload` and the readers in sessions/rosters.py.

Bad files are refused whole, with a message naming the file, line and field, and
nothing is saved. Good files from Outlook, Google and CSV exports land as UTC
instants, across the change to summer time too.
"""

from datetime import timedelta
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied

from balint.imports import ImportFailed
from sessions.models import OnCallShift, RosterSource
from sessions.rosters import files as rosters
from tests import factories
from tests.factories.rosters import (
    GOOGLE_HEADER,
    OUTLOOK_HEADER,
    OUTLOOK_TIMEZONE,
    OnCallShiftFactory,
    RosterSourceFactory,
    SchemeRosterFactory,
    csv_file,
    dublin,
    event,
    ics,
    spans,
    upload,
    utc,
)
from tests.factories.sessions import NOW

# The files in tests/files/ were written by hand for these tests to mimic what Outlook Web
# Access, Outlook for Windows and Google Calendar export (their quirks included); they are
# not real exports.
FILES = Path(__file__).parents[1] / "files"


pytestmark = pytest.mark.usefixtures("frozen_now")


# --- Good files -------------------------------------------------------------------------------


def test_outlook_night_shift_across_the_change_to_summer_time(trainee):
    raw = ics(
        event(
            "DTSTART;TZID=GMT Standard Time:20260328T200000",
            "DTEND;TZID=GMT Standard Time:20260329T090000",
            "SUMMARY:Night on call – Ward 7",
        ),
        header=OUTLOOK_HEADER,
        timezone=OUTLOOK_TIMEZONE,
    )

    result = upload(trainee, raw, "Outlook export.ics")

    # 20:00 GMT to 09:00 Irish summer time: twelve hours, not thirteen.
    assert spans(trainee) == [(utc(2026, 3, 28, 20), utc(2026, 3, 29, 8))]
    assert result.shifts == 1
    assert result.source.kind == RosterSource.Kind.ICS_UPLOAD
    assert result.source.name == "Outlook export.ics"
    assert OnCallShift.objects.get().shift_type == ""  # event titles are never stored


def test_outlook_weekly_on_call_with_one_exception_date(trainee):
    raw = ics(
        event(
            "DTSTART;TZID=GMT Standard Time:20260304T080000",
            "DTEND;TZID=GMT Standard Time:20260304T200000",
            "RRULE:FREQ=WEEKLY;COUNT=6",
            "EXDATE;TZID=GMT Standard Time:20260318T080000",
        ),
        header=OUTLOOK_HEADER,
        timezone=OUTLOOK_TIMEZONE,
    )

    upload(trainee, raw)

    assert spans(trainee) == [
        (utc(2026, 3, 4, 8), utc(2026, 3, 4, 20)),
        (utc(2026, 3, 11, 8), utc(2026, 3, 11, 20)),
        (utc(2026, 3, 25, 8), utc(2026, 3, 25, 20)),
        (utc(2026, 4, 1, 7), utc(2026, 4, 1, 19)),  # 08:00 Irish summer time
        (utc(2026, 4, 8, 7), utc(2026, 4, 8, 19)),
    ]


def test_google_utc_times_weekly_rule_and_exception(trainee):
    """Google writes UTC times and names the calendar's zone in X-WR-TIMEZONE: a weekly
    shift keeps its local time when summer time starts, as Google Calendar shows it."""
    raw = ics(
        event(
            "DTSTART:20260304T080000Z",
            "DTEND:20260304T200000Z",
            "RRULE:FREQ=WEEKLY;UNTIL=20260401T080000Z",
            "EXDATE:20260311T080000Z",
        ),
        event("DTSTART:20260404T090000", "DTEND:20260404T210000"),  # floating: X-WR-TIMEZONE
        header=GOOGLE_HEADER,
    )

    upload(trainee, raw, "basic.ics")

    assert spans(trainee) == [
        (utc(2026, 3, 4, 8), utc(2026, 3, 4, 20)),
        (utc(2026, 3, 18, 8), utc(2026, 3, 18, 20)),
        (utc(2026, 3, 25, 8), utc(2026, 3, 25, 20)),
        (utc(2026, 4, 1, 7), utc(2026, 4, 1, 19)),  # still 08:00 in Dublin, summer time
        (utc(2026, 4, 4, 8), utc(2026, 4, 4, 20)),  # floating 09:00 in X-WR-TIMEZONE
    ]


def test_all_day_events_cover_whole_local_days(trainee):
    raw = ics(
        event("DTSTART;VALUE=DATE:20260328", "DTEND;VALUE=DATE:20260330"),
        event("DTSTART;VALUE=DATE:20260310", "SUMMARY:no end: one day", uid="one"),
    )

    upload(trainee, raw)

    assert spans(trainee) == [
        (dublin(2026, 3, 10), dublin(2026, 3, 11)),
        (dublin(2026, 3, 28), dublin(2026, 3, 30)),  # a 47-hour weekend: summer time began
    ]
    assert all(OnCallShift.objects.values_list("all_day", flat=True))


def test_floating_times_without_a_calendar_zone_are_the_persons_own(trainee):
    upload(trainee, ics(event("DTSTART:20260404T090000", "DTEND:20260404T210000")))
    assert spans(trainee) == [(dublin(2026, 4, 4, 9), dublin(2026, 4, 4, 21))]


def test_duration_cancelled_events_and_the_window(trainee):
    raw = ics(
        event("DTSTART:20260304T080000Z", "DURATION:PT12H", uid="a"),
        event("DTSTART:20260305T080000Z", "DTEND:20260305T200000Z", "STATUS:CANCELLED", uid="b"),
        event("DTSTART:20251001T080000Z", "DTEND:20251001T200000Z", uid="long-ago"),
        event("DTSTART:20280101T080000Z", "DTEND:20280101T200000Z", uid="too-far"),
        event("DTSTART:20260306T080000Z", "DTEND:20260306T080000Z", uid="a-moment"),
    )

    upload(trainee, raw)

    assert spans(trainee) == [(utc(2026, 3, 4, 8), utc(2026, 3, 4, 20))]


def test_an_endless_rule_stops_at_the_window(trainee):
    upload(
        trainee,
        ics(event("DTSTART:20250105T080000Z", "DTEND:20250105T200000Z", "RRULE:FREQ=WEEKLY")),
    )

    found = spans(trainee)
    window = rosters.Window.around(NOW.date(), NOW.tzinfo)
    assert window.start <= found[0][1]
    assert found[-1][0] < window.end
    assert len(found) == 66  # Sundays from 4 Jan 2026 (60 days back) to 400 days ahead


def test_csv_in_several_date_styles(trainee):
    raw = csv_file(
        "2026-03-28 20:00,2026-03-29 09:00,Night on call",
        "04/04/2026 08:00,04/04/2026 20:00,Day",
        "2026-04-05T08:00+00:00,2026-04-05T20:00Z,Day (UTC)",
        "2026-04-11,2026-04-12,Weekend",
        "2026-04-11,2026-04-12,Weekend",  # the same shift twice is saved once
    )

    result = upload(trainee, raw, "rota.csv", name="Hospital rota")

    assert spans(trainee) == [
        (utc(2026, 3, 28, 20), utc(2026, 3, 29, 8)),
        (dublin(2026, 4, 4, 8), dublin(2026, 4, 4, 20)),
        (utc(2026, 4, 5, 8), utc(2026, 4, 5, 20)),
        (dublin(2026, 4, 11), dublin(2026, 4, 13)),  # both days, inclusive
    ]
    assert list(OnCallShift.objects.values_list("shift_type", flat=True)) == [
        "Night on call",
        "Day",
        "Day (UTC)",
        "Weekend",
    ]
    assert result.source.kind == RosterSource.Kind.CSV_UPLOAD
    assert result.source.name == "Hospital rota"


def test_csv_columns_may_come_in_any_order_with_other_names(trainee):
    raw = b"Type,From,To,Notes\nNight,2026-03-10 20:00,2026-03-11 08:00,ignored\n"
    upload(trainee, raw, "export.csv")
    assert spans(trainee) == [(dublin(2026, 3, 10, 20), dublin(2026, 3, 11, 8))]


def test_a_scheme_in_another_zone_reads_times_there(db):
    trainee = factories.MembershipFactory(group__scheme__time_zone="America/New_York").person
    upload(trainee, csv_file("2026-03-10 08:00,2026-03-10 20:00,Day"), "rota.csv")
    assert spans(trainee) == [(utc(2026, 3, 10, 12), utc(2026, 3, 11, 0))]  # EDT, UTC−4


# --- Re-importing replaces that source's shifts and nothing else --------------------------------


def test_reimporting_replaces_only_that_sources_shifts(trainee, scheme):
    first = upload(trainee, csv_file("2026-03-10 08:00,2026-03-10 20:00,A"), "a.csv").source
    upload(trainee, csv_file("2026-03-11 08:00,2026-03-11 20:00,B"), "b.csv")
    organisers = SchemeRosterFactory(scheme=scheme)
    OnCallShiftFactory(source=organisers, person=trainee, starts_at=dublin(2026, 3, 12, 8))
    colleague = factories.UserFactory()
    OnCallShiftFactory(source__person=colleague, starts_at=dublin(2026, 3, 10, 8))

    again = upload(
        trainee,
        csv_file("2026-03-20 08:00,2026-03-20 20:00,A2", "2026-03-21 08:00,2026-03-21 20:00,A2"),
        "a.csv",
        replace=first,
    )

    assert again.source.pk == first.pk
    assert RosterSource.objects.filter(person=trainee).count() == 2
    assert sorted(
        OnCallShift.objects.filter(person=trainee).values_list("shift_type", flat=True)
    ) == [
        "",
        "A2",
        "A2",
        "B",
    ]
    assert OnCallShift.objects.filter(person=colleague).count() == 1


def test_a_replacement_may_change_format(trainee):
    first = upload(trainee, csv_file("2026-03-10 08:00,2026-03-10 20:00,A"), "a.csv").source
    upload(trainee, ics(event("DTSTART:20260312T080000Z", "DTEND:20260312T200000Z")), replace=first)
    first.refresh_from_db()
    assert first.kind == RosterSource.Kind.ICS_UPLOAD
    assert spans(trainee) == [(utc(2026, 3, 12, 8), utc(2026, 3, 12, 20))]


def test_no_one_replaces_someone_elses_roster(trainee):
    theirs = RosterSourceFactory()
    OnCallShiftFactory(source=theirs)

    with pytest.raises(PermissionDenied):
        upload(trainee, csv_file("2026-03-10 08:00,2026-03-10 20:00,A"), "a.csv", replace=theirs)

    assert OnCallShift.objects.get().person == theirs.person
    assert not OnCallShift.objects.filter(person=trainee).exists()


def test_a_feed_is_not_replaced_by_a_file(trainee):
    feed = RosterSourceFactory(
        person=trainee, kind=RosterSource.Kind.FEED, feed_url="https://x.org/f"
    )
    with pytest.raises(PermissionDenied):
        upload(trainee, csv_file("2026-03-10 08:00,2026-03-10 20:00,A"), "a.csv", replace=feed)


def test_window_reaches_from_sixty_days_back_to_four_hundred_ahead():
    window = rosters.Window.around(NOW.date(), NOW.tzinfo)
    assert window.start == dublin(2026, 1, 1)
    assert window.end == dublin(2026, 3, 2) + timedelta(days=400)


# --- Files as real calendar programs write them -------------------------------------------------


def test_outlook_web_access_zones_named_by_display_name(trainee):
    """OWA writes Windows display names as TZIDs and no VTIMEZONE defines them."""
    upload(trainee, (FILES / "owa_display_name_tzid.ics").read_bytes(), "calendar.ics")

    assert spans(trainee) == [
        (utc(2026, 3, 3, 21), utc(2026, 3, 4, 9)),  # 08:00 in Sydney, summer time (UTC+11)
        (utc(2026, 3, 11, 0), utc(2026, 3, 11, 12)),  # 20:00 in New York, summer time (UTC−4)
        (utc(2026, 4, 12, 7), utc(2026, 4, 12, 19)),  # "(GMT +01:00)": Irish summer time
    ]


@pytest.mark.parametrize(
    ("tzid", "starts_at"),
    [
        ('"(GMT+10:00) Canberra, Melbourne, Sydney"', utc(2026, 3, 3, 21)),
        ("(UTC+10:00) Canberra, Melbourne, Sydney", utc(2026, 3, 3, 21)),  # unquoted, as some do
        ('"(UTC-05:00) Eastern Time (US and Canada)"', utc(2026, 3, 4, 13)),
        ("GMT Standard Time", utc(2026, 3, 4, 8)),
        ('"(GMT) Greenwich Mean Time : Dublin, Edinburgh, Lisbon, London"', utc(2026, 3, 4, 8)),
        ('"(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna"', utc(2026, 3, 4, 7)),
        ('"(GMT+05:30) Chennai, Kolkata, Mumbai, New Delhi"', utc(2026, 3, 4, 2, 30)),
        # Only an offset: the person's own zone if it is ever at that offset (OWA names the
        # offset of the day of export), else that fixed offset.
        ("(GMT +01:00)", dublin(2026, 3, 4, 8)),
        ("(GMT+03:00)", utc(2026, 3, 4, 5)),
        ("Customized Time Zone", dublin(2026, 3, 4, 8)),  # no clue: the person's own zone
    ],
)
def test_windows_zone_names_without_a_vtimezone(trainee, tzid, starts_at):
    raw = ics(event(f"DTSTART;TZID={tzid}:20260304T080000", f"DTEND;TZID={tzid}:20260304T200000"))
    upload(trainee, raw)
    assert spans(trainee) == [(starts_at, starts_at + timedelta(hours=12))]


def test_outlook_daily_rule_ending_at_a_local_time_keeps_its_last_day(trainee):
    """UNTIL=20260306T200000 is 20:00 in New York (the start's zone), not 20:00 UTC."""
    upload(trainee, (FILES / "outlook_local_until.ics").read_bytes(), "Outlook.ics")

    assert spans(trainee) == [
        (utc(2026, 3, 5, 1), utc(2026, 3, 5, 4)),
        (utc(2026, 3, 6, 1), utc(2026, 3, 6, 4)),
        (utc(2026, 3, 7, 1), utc(2026, 3, 7, 4)),  # 6 March, 20:00 in New York
    ]


def test_google_export_with_a_moved_occurrence_and_an_all_day_weekend(trainee):
    upload(trainee, (FILES / "google_export.ics").read_bytes(), "Rota_4k2b@group.ics")

    assert spans(trainee) == [
        (dublin(2026, 3, 5, 8), dublin(2026, 3, 5, 20)),
        (dublin(2026, 3, 13, 9), dublin(2026, 3, 13, 21)),  # moved from Thursday 12th
        (dublin(2026, 3, 19, 8), dublin(2026, 3, 19, 20)),
        (dublin(2026, 3, 28), dublin(2026, 3, 30)),
    ]


def test_a_floating_end_is_read_in_the_zone_of_the_start(trainee):
    upload(
        trainee,
        ics(event("DTSTART;TZID=America/New_York:20260304T080000", "DTEND:20260304T100000")),
    )
    assert spans(trainee) == [(utc(2026, 3, 4, 13), utc(2026, 3, 4, 15))]


def test_an_empty_rule_is_no_rule(trainee):
    upload(trainee, ics(event("DTSTART:20260304T080000Z", "DTEND:20260304T200000Z", "RRULE:")))
    assert spans(trainee) == [(utc(2026, 3, 4, 8), utc(2026, 3, 4, 20))]


def test_events_sharing_a_uid_without_recurrence_id_are_each_kept(trainee):
    raw = ics(
        event("DTSTART:20260304T080000Z", "DTEND:20260304T200000Z", uid="rota-export"),
        event("DTSTART:20260305T080000Z", "DTEND:20260305T200000Z", uid="rota-export"),
        event("DTSTART:20260306T080000Z", "DTEND:20260306T200000Z", uid="rota-export"),
    )
    upload(trainee, raw)
    assert [start for start, _ in spans(trainee)] == [
        utc(2026, 3, 4, 8),
        utc(2026, 3, 5, 8),
        utc(2026, 3, 6, 8),
    ]


@pytest.mark.parametrize(
    ("raw", "filename", "message"),
    [
        (
            ics(
                event("DTSTART:20260304T080000Z", "DTEND:20260304T080000Z", uid="a"),
                event("DTSTART:20260305T080000Z", "DURATION:PT0S", uid="b"),
            ),
            "roster.ics",
            "every event in the calendar ends when it starts",
        ),
        (
            ics(event("DTSTART:20240304T080000Z", "DTEND:20240304T200000Z")),
            "roster.ics",
            "none of the events in the calendar falls between 01 Jan 2026 and 06 Apr 2027",
        ),
        (
            csv_file("2024-03-04 08:00,2024-03-04 20:00,Day"),
            "roster.csv",
            "none of the shifts in the file falls between 01 Jan 2026",
        ),
    ],
)
def test_a_file_with_nothing_to_import_says_why(trainee, raw, filename, message):
    with pytest.raises(ImportFailed) as refused:
        upload(trainee, raw, filename)

    (problem,) = refused.value.problems
    assert problem.message.startswith("Nothing was imported: ")
    assert message in problem.message
    assert not RosterSource.objects.exists()
    assert not OnCallShift.objects.exists()

"""sessions.schedule: a meeting pattern turned into dated slots (pure, no database)."""

from datetime import UTC, date, datetime, time

import holidays

from sessions.schedule.planning import local_span, pattern_dates, plan_term
from tests.factories.sessions import DUBLIN

MONDAY, WEDNESDAY = 0, 2


def plan(**overrides):
    args = {
        "weekday": WEDNESDAY,
        "frequency": "weekly",
        "start_time": time(9, 0),
        "duration_minutes": 60,
        "zone": "Europe/Dublin",
        "country": "IE",
        "subdivision": "",
        "start": date(2026, 3, 2),
        "end": date(2026, 3, 31),
        "excluded": set(),
        "existing": set(),
    }
    return plan_term(**{**args, **overrides})


def date_at(day, hour, minute):
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=DUBLIN)


def days_created(slots):
    return [s.day for s in slots if s.will_be_created]


def skipped(slots):
    return {s.day: s.skip_reason for s in slots if not s.will_be_created}


def test_weekly_starts_on_the_first_meeting_day_on_or_after_the_start():
    # 2 March 2026 is a Monday; the group meets on Wednesdays.
    days = pattern_dates(
        weekday=WEDNESDAY, frequency="weekly", start=date(2026, 3, 2), end=date(2026, 3, 31)
    )
    assert days == [date(2026, 3, 4), date(2026, 3, 11), date(2026, 3, 18), date(2026, 3, 25)]


def test_a_start_on_the_meeting_day_is_the_first_date():
    days = pattern_dates(
        weekday=WEDNESDAY, frequency="weekly", start=date(2026, 3, 4), end=date(2026, 3, 11)
    )
    assert days == [date(2026, 3, 4), date(2026, 3, 11)]


def test_a_start_just_after_the_meeting_day_waits_a_week():
    days = pattern_dates(
        weekday=WEDNESDAY, frequency="weekly", start=date(2026, 3, 5), end=date(2026, 3, 18)
    )
    assert days == [date(2026, 3, 11), date(2026, 3, 18)]


def test_fortnightly_meets_every_other_week_and_the_end_is_inclusive():
    days = pattern_dates(
        weekday=WEDNESDAY, frequency="fortnightly", start=date(2026, 3, 2), end=date(2026, 4, 15)
    )
    assert days == [date(2026, 3, 4), date(2026, 3, 18), date(2026, 4, 1), date(2026, 4, 15)]


def test_no_meeting_day_in_the_range_gives_no_dates():
    assert (
        pattern_dates(
            weekday=WEDNESDAY, frequency="weekly", start=date(2026, 3, 5), end=date(2026, 3, 10)
        )
        == []
    )


def test_plan_term_creates_every_pattern_date_at_the_meeting_time():
    slots = plan(frequency="fortnightly")

    assert days_created(slots) == [date(2026, 3, 4), date(2026, 3, 18)]
    first = slots[0]
    assert first.starts_at == date_at(date(2026, 3, 4), 9, 0)
    assert first.ends_at == date_at(date(2026, 3, 4), 10, 0)


def test_st_patricks_day_on_the_meeting_day_is_skipped():
    # 17 March 2027 is a Wednesday.
    assert date(2027, 3, 17) in holidays.country_holidays("IE", years=2027)
    assert date(2027, 3, 17).weekday() == WEDNESDAY

    slots = plan(start=date(2027, 3, 1), end=date(2027, 3, 31))

    assert days_created(slots) == [
        date(2027, 3, 3),
        date(2027, 3, 10),
        date(2027, 3, 24),
        date(2027, 3, 31),
    ]
    assert skipped(slots) == {date(2027, 3, 17): "Public holiday: Saint Patrick's Day"}


def test_a_monday_group_skips_st_patricks_day_and_the_bank_holidays():
    # 17 March 2025 is a Monday; so is the May bank holiday (5 May 2025).
    assert date(2025, 3, 17).weekday() == MONDAY

    slots = plan(weekday=MONDAY, start=date(2025, 3, 1), end=date(2025, 5, 31))

    assert set(skipped(slots)) == {
        date(2025, 3, 17),
        date(2025, 4, 21),  # Easter Monday
        date(2025, 5, 5),
    }
    assert date(2025, 3, 24) in days_created(slots)


def test_a_holiday_on_another_weekday_does_not_move_the_meeting():
    # 17 March 2026 is a Tuesday: the Wednesday group meets as usual on the 18th.
    slots = plan()
    assert skipped(slots) == {}
    assert date(2026, 3, 18) in days_created(slots)


def test_the_schemes_subdivision_is_used():
    # 12 July 2027 (Battle of the Boyne) is a holiday in Northern Ireland only.
    assert date(2027, 7, 12).weekday() == MONDAY
    term = {"weekday": MONDAY, "start": date(2027, 7, 1), "end": date(2027, 7, 31)}

    northern_ireland = plan(country="GB", subdivision="NIR", **term)
    england = plan(country="GB", subdivision="ENG", **term)
    whole_uk = plan(country="GB", subdivision="", **term)

    assert skipped(northern_ireland) == {date(2027, 7, 12): "Public holiday: Battle of the Boyne"}
    assert skipped(england) == {}
    assert skipped(whole_uk) == {}
    assert date(2027, 7, 12) in days_created(england)


def test_holidays_of_every_year_the_term_spans_are_skipped():
    # A term across New Year: 1 January 2025 is a Wednesday.
    slots = plan(start=date(2024, 12, 1), end=date(2025, 1, 31))
    assert skipped(slots) == {
        date(2024, 12, 25): "Public holiday: Christmas Day",
        date(2025, 1, 1): "Public holiday: New Year's Day",
    }


def test_summer_time_keeps_the_local_meeting_time():
    # Summer time starts on 29 March 2026 and ends on 25 October 2026.
    slots = plan(start=date(2026, 3, 18), end=date(2026, 11, 4))
    by_day = {s.day: s for s in slots}

    for slot in slots:
        local = slot.starts_at.astimezone(DUBLIN)
        assert (local.hour, local.minute) == (9, 0), slot.day
        assert slot.ends_at.astimezone(DUBLIN).hour == 10, slot.day

    def utc_hour(day):
        return by_day[day].starts_at.astimezone(UTC).hour

    assert utc_hour(date(2026, 3, 25)) == 9  # Irish winter time is UTC
    assert utc_hour(date(2026, 4, 1)) == 8  # Irish summer time is UTC+1
    assert utc_hour(date(2026, 10, 21)) == 8
    assert utc_hour(date(2026, 10, 28)) == 9
    assert by_day[date(2026, 4, 1)].ends_at - by_day[date(2026, 4, 1)].starts_at == (
        by_day[date(2026, 3, 25)].ends_at - by_day[date(2026, 3, 25)].starts_at
    )


def test_a_meeting_on_the_day_the_clocks_change_keeps_its_local_time():
    # Sunday 29 March 2026: the clocks go forward at 01:00.
    starts_at, ends_at = local_span(date(2026, 3, 29), time(9, 0), 60, "Europe/Dublin")
    assert starts_at.astimezone(UTC).hour == 8
    assert (ends_at - starts_at).total_seconds() == 3600

    # Sunday 25 October 2026: the clocks go back at 02:00.
    starts_at, ends_at = local_span(date(2026, 10, 25), time(9, 0), 60, "Europe/Dublin")
    assert starts_at.astimezone(UTC).hour == 9
    assert (ends_at - starts_at).total_seconds() == 3600


def test_another_time_zone_is_respected():
    slots = plan(
        zone="America/New_York", country="US", start=date(2026, 3, 2), end=date(2026, 3, 11)
    )
    # US summer time starts on 8 March 2026: 09:00 is 14:00 UTC, then 13:00 UTC.
    assert [s.starts_at.astimezone(UTC).hour for s in slots] == [14, 13]


def test_excluded_dates_are_skipped():
    slots = plan(excluded={date(2026, 3, 11), date(2026, 3, 12)})

    assert days_created(slots) == [date(2026, 3, 4), date(2026, 3, 18), date(2026, 3, 25)]
    assert skipped(slots) == {date(2026, 3, 11): "Excluded"}


def test_existing_dates_are_reported_already_scheduled():
    slots = plan(existing={date(2026, 3, 4), date(2026, 3, 25)})

    assert days_created(slots) == [date(2026, 3, 11), date(2026, 3, 18)]
    assert skipped(slots) == {
        date(2026, 3, 4): "Already scheduled",
        date(2026, 3, 25): "Already scheduled",
    }


def test_every_pattern_date_is_listed_with_its_reason():
    slots = plan(
        start=date(2027, 3, 1),
        end=date(2027, 3, 31),
        excluded={date(2027, 3, 24)},
        existing={date(2027, 3, 3)},
    )
    assert [(s.day, s.skip_reason) for s in slots] == [
        (date(2027, 3, 3), "Already scheduled"),
        (date(2027, 3, 10), ""),
        (date(2027, 3, 17), "Public holiday: Saint Patrick's Day"),
        (date(2027, 3, 24), "Excluded"),
        (date(2027, 3, 31), ""),
    ]

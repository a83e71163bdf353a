"""Calendar feeds: `/calendar/<token>.ics` and `/sessions/<pk>.ics` (the page that gives the
address: test_view_calendar.py).

Every feed is parsed back with icalendar, as a calendar app would read it.
"""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from icalendar import Calendar

from sessions import services
from tests import factories
from tests.access import assert_sign_in_first
from tests.factories.sessions import DUBLIN, CalendarTokenFactory, SessionFactory

WINTER, SUMMER, LATER = date(2026, 3, 4), date(2026, 4, 1), date(2026, 4, 8)


pytestmark = pytest.mark.usefixtures("frozen_now")


@pytest.fixture
def colleague(group):
    return factories.MembershipFactory(group=group).person


@pytest.fixture
def sessions(group, leader, trainee, colleague):
    """Mine in winter time, the colleague's in summer time, and a cancelled one."""
    mine = SessionFactory(group=group, slot_date=WINTER, presenter=trainee)
    theirs = SessionFactory(group=group, slot_date=SUMMER, presenter=colleague)
    cancelled = SessionFactory(group=group, slot_date=LATER)
    services.session_cancel(actor=leader, session=cancelled, reason="Leader at a conference")
    return mine, theirs, cancelled


def feed_url(person):
    return f"/calendar/{services.calendar_token_for(person).token}.ics"


def events(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.content)
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def uid(session):
    return f"balint-session-{session.pk}@127.0.0.1"


def test_the_feed_lists_the_sessions_of_my_groups(client, sessions, trainee):
    mine, theirs, cancelled = sessions

    found = events(client.get(feed_url(trainee)))

    assert set(found) == {uid(mine), uid(theirs), uid(cancelled)}


def test_times_are_local_with_the_time_zone(client, sessions, trainee):
    mine, theirs, _ = sessions
    found = events(client.get(feed_url(trainee)))

    for session, utc_hour in ((mine, 9), (theirs, 8)):
        event = found[uid(session)]
        assert event["DTSTART"].params["TZID"] == "Europe/Dublin"
        assert event["DTEND"].params["TZID"] == "Europe/Dublin"
        start = event.decoded("DTSTART")
        assert (start.hour, start.minute) == (9, 0)
        assert start.astimezone(UTC).hour == utc_hour
        assert event.decoded("DTEND") - start == timedelta(hours=1)
    assert found[uid(mine)].decoded("DTSTART") == datetime(2026, 3, 4, 9, 0, tzinfo=DUBLIN)


def test_the_embedded_time_zone_has_the_right_offsets(client, sessions, trainee):
    """Calendar apps without a time zone database rely on the VTIMEZONE block."""
    calendar = Calendar.from_ical(client.get(feed_url(trainee)).content)
    (vtimezone,) = calendar.walk("VTIMEZONE")
    assert vtimezone["TZID"] == "Europe/Dublin"
    zone = vtimezone.to_tz()

    assert datetime(2026, 3, 4, 9, 0, tzinfo=zone).utcoffset() == timedelta(0)
    assert datetime(2026, 4, 1, 9, 0, tzinfo=zone).utcoffset() == timedelta(hours=1)
    assert datetime(2026, 10, 28, 9, 0, tzinfo=zone).utcoffset() == timedelta(0)


def test_you_present_only_on_your_own_dates(client, sessions, trainee, colleague):
    mine, theirs, _ = sessions

    for_me = events(client.get(feed_url(trainee)))
    for_them = events(client.get(feed_url(colleague)))

    assert "You present" in str(for_me[uid(mine)]["SUMMARY"])
    assert "You present" not in str(for_me[uid(theirs)]["SUMMARY"])
    assert "You present" in str(for_them[uid(theirs)]["SUMMARY"])
    assert "You present" not in str(for_them[uid(mine)]["SUMMARY"])
    assert f"Presenter: {trainee.full_name}" in str(for_them[uid(mine)]["DESCRIPTION"])


def test_cancelled_sessions_are_marked_cancelled(client, sessions, trainee):
    mine, _, cancelled = sessions
    found = events(client.get(feed_url(trainee)))

    event = found[uid(cancelled)]
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["SUMMARY"]).startswith("Cancelled: ")
    assert "Leader at a conference" in str(event["DESCRIPTION"])
    assert int(event["SEQUENCE"]) == 1
    assert str(found[uid(mine)]["STATUS"]) == "CONFIRMED"


def test_the_uid_stays_while_the_sequence_rises(client, sessions, trainee, leader):
    mine, *_ = sessions
    before = events(client.get(feed_url(trainee)))[uid(mine)]

    services.session_move(actor=leader, session=mine, day=date(2026, 3, 5))
    after = events(client.get(feed_url(trainee)))[uid(mine)]
    services.session_cancel(actor=leader, session=mine, reason="Leader unwell")
    last = events(client.get(feed_url(trainee)))[uid(mine)]

    assert int(before["SEQUENCE"]) == 0
    assert int(after["SEQUENCE"]) == 1
    assert int(last["SEQUENCE"]) == 2
    assert before.decoded("DTSTART").date() == WINTER
    assert after.decoded("DTSTART").date() == date(2026, 3, 5)
    assert str(last["STATUS"]) == "CANCELLED"


def test_the_feed_needs_no_sign_in(client, sessions, trainee):
    client.logout()
    assert len(events(client.get(feed_url(trainee)))) == 3


def test_resetting_the_token_retires_the_old_address(client, sessions, trainee):
    old = feed_url(trainee)
    client.force_login(trainee)

    response = client.post("/calendar/")

    assert response.status_code == 302
    assert response["Location"] == "/calendar/"
    client.logout()
    assert client.get(old).status_code == 404
    new = feed_url(trainee)
    assert new != old
    assert len(events(client.get(new))) == 3


@pytest.mark.parametrize("token", ["", "x", "not-a-real-token-at-all-0123456789abcdef"])
def test_an_unknown_token_is_not_found(client, sessions, token):
    assert client.get(f"/calendar/{token}.ics").status_code == 404


def test_a_deactivated_persons_feed_is_not_found(client, sessions, trainee):
    url = feed_url(trainee)
    trainee.is_active = False
    trainee.save()
    assert client.get(url).status_code == 404


def test_another_persons_token_shows_only_their_groups(client, sessions, trainee, other_group):
    mine, *_ = sessions
    elsewhere = factories.MembershipFactory(group=other_group).person
    their_session = SessionFactory(group=other_group, slot_date=WINTER, presenter=elsewhere)
    token = CalendarTokenFactory(person=elsewhere).token

    response = client.get(f"/calendar/{token}.ics")
    theirs = events(response)
    body = response.content.decode()

    assert set(theirs) == {uid(their_session)}
    assert trainee.full_name not in body
    assert uid(mine) not in body


def test_the_feed_follows_the_membership_dates(client, group, leader):
    former = factories.MembershipFactory(
        group=group, start_date=date(2025, 9, 1), end_date=date(2026, 3, 10)
    ).person
    during = SessionFactory(group=group, slot_date=WINTER)
    SessionFactory(group=group, slot_date=SUMMER)
    too_old = SessionFactory(group=group, slot_date=date(2025, 11, 26))

    found = events(client.get(feed_url(former)))

    # Sessions after the membership ended, or over 90 days ago, are not listed.
    assert set(found) == {uid(during)}
    assert uid(too_old) not in found


def test_the_feed_runs_a_fixed_number_of_queries(client, group, trainee):
    url = feed_url(trainee)

    def queries_for(count):
        group.sessions.all().delete()
        for i in range(count):
            SessionFactory(group=group, slot_date=WINTER + timedelta(weeks=i), presenter=trainee)
        with CaptureQueriesContext(connection) as captured:
            assert len(events(client.get(url))) == count
        return len(captured)

    assert queries_for(2) == queries_for(25)


# --- One session as a file ---------------------------------------------------------------------


def ics_url(session):
    return f"/sessions/{session.pk}.ics"


def test_anonymous_is_sent_to_sign_in_for_a_session_file(client, sessions):
    mine, *_ = sessions
    assert_sign_in_first(client, ics_url(mine))


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("trainee", 200),
        ("leader", 200),
        ("other_group_leader", 404),
        ("organiser", 200),
        ("other_scheme_organiser", 404),
        ("stranger", 404),
    ],
)
def test_session_file_access_by_role(client, request, sessions, role, status):
    mine, *_ = sessions
    client.force_login(request.getfixturevalue(role))
    assert client.get(ics_url(mine)).status_code == status


def test_a_single_session_downloads_as_one_event(client, group, sessions, trainee):
    mine, *_ = sessions
    client.force_login(trainee)

    response = client.get(ics_url(mine))

    assert response["Content-Disposition"] == (
        f'attachment; filename="balint-{group.name.lower().replace(" ", "-")}-2026-03-04.ics"'
    )
    found = events(response)
    assert list(found) == [uid(mine)]
    event = found[uid(mine)]
    assert "You present" in str(event["SUMMARY"])
    assert event.decoded("DTSTART") == datetime(2026, 3, 4, 9, 0, tzinfo=DUBLIN)
    assert event["DTSTART"].params["TZID"] == "Europe/Dublin"


def test_the_single_file_says_you_present_only_to_the_presenter(client, sessions, colleague):
    mine, theirs, cancelled = sessions
    client.force_login(colleague)

    assert "You present" not in str(events(client.get(ics_url(mine)))[uid(mine)]["SUMMARY"])
    assert "You present" in str(events(client.get(ics_url(theirs)))[uid(theirs)]["SUMMARY"])
    assert str(events(client.get(ics_url(cancelled)))[uid(cancelled)]["STATUS"]) == "CANCELLED"

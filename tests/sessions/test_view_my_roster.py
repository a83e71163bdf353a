"""`/rosters/`: a trainee's on-call rosters, upcoming shifts and clashes — their own only."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sessions.clashes import services
from tests.access import assert_sign_in_first
from tests.factories.rosters import (
    FeedSourceFactory,
    OnCallShiftFactory,
    RosterSourceFactory,
    SchemeRosterFactory,
    dublin,
)
from tests.factories.sessions import SessionFactory

URL = "/rosters/"


pytestmark = pytest.mark.usefixtures("frozen_now")


def test_anonymous_is_sent_to_sign_in(client):
    assert_sign_in_first(client, URL)


@pytest.mark.parametrize(
    "role", ["trainee", "leader", "organiser", "other_scheme_organiser", "stranger"]
)
def test_everyone_signed_in_sees_their_own_roster(client, request, role):
    client.force_login(request.getfixturevalue(role))
    response = client.get(URL)
    assert response.status_code == 200
    assert response.context["sources"] == []


def test_shows_my_rosters_and_shifts_and_nobody_elses(client, trainee, scheme):
    mine = RosterSourceFactory(person=trainee, name="My hospital rota")
    OnCallShiftFactory(source=mine, shift_type="Night on call")
    schemes = SchemeRosterFactory(scheme=scheme, name="Scheme-wide rota")
    OnCallShiftFactory(source=schemes, person=trainee, starts_at=dublin(2026, 3, 6, 8))
    theirs = RosterSourceFactory(name="Someone else's rota")
    OnCallShiftFactory(source=theirs, shift_type="Not mine")
    OnCallShiftFactory(source=schemes, person=theirs.person, shift_type="Also not mine")
    client.force_login(trainee)

    response = client.get(URL)

    assert response.context["sources"] == [mine]
    assert response.context["sources"][0].shift_count == 1
    assert [s.source for s in response.context["shifts"]] == [mine, schemes]
    content = response.content.decode()
    assert "My hospital rota" in content
    assert "Night on call" in content
    assert "Wed 4 Mar 2026, 08:00 – Wed 4 Mar, 20:00" in content
    assert "Someone else" not in content
    assert "not mine" not in content.lower()


def test_shows_my_clashes_and_offers_a_swap_when_i_present(client, group, trainee, leader):
    session = SessionFactory(group=group, slot_date=date(2026, 3, 4), presenter=trainee)
    OnCallShiftFactory(source__person=trainee, person=trainee)
    services.clashes_recompute()
    client.force_login(trainee)

    content = client.get(URL).content.decode()

    assert "Wed 4 Mar 2026, 09:00" in content
    assert "on call Wed 4 Mar 08:00–Wed 4 Mar 20:00" in content
    assert f"/sessions/{session.pk}/swap/" in content

    client.force_login(leader)
    assert "No clashes with your upcoming sessions." in client.get(URL).content.decode()


def test_a_feed_shows_its_address_without_the_secret_and_its_last_error(client, trainee):
    FeedSourceFactory(
        person=trainee,
        feed_url="https://rota.example.org/me.ics?token=s3cret",
        last_error="The feed answered HTTP 404 Not Found.",
    )
    client.force_login(trainee)

    content = client.get(URL).content.decode()

    assert "https://rota.example.org/me.ics" in content
    assert "s3cret" not in content
    assert "Last refresh failed" in content
    assert "Refresh now" in content


def test_a_fixed_number_of_queries(client, group, trainee, django_assert_num_queries):
    client.force_login(trainee)
    source = RosterSourceFactory(person=trainee)
    OnCallShiftFactory(source=source)
    SessionFactory(group=group, slot_date=date(2026, 3, 4))
    services.clashes_recompute()
    with CaptureQueriesContext(connection) as few:
        client.get(URL)

    for week in range(1, 20):
        day = date(2026, 3, 4) + timedelta(weeks=week)
        OnCallShiftFactory(
            source=RosterSourceFactory(person=trainee),
            starts_at=dublin(day.year, day.month, day.day, 8),
        )
        SessionFactory(group=group, slot_date=day)
    services.clashes_recompute()
    with django_assert_num_queries(len(few)):
        client.get(URL)

"""Generating a term: `services.term_generate` and `/groups/<pk>/sessions/term/`."""

from datetime import UTC, date, time

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from sessions.models import Session
from sessions.schedule import services
from tests import factories
from tests.access import GROUP_LEADERS_AND_ORGANISERS, assert_sign_in_first
from tests.factories.sessions import DUBLIN, SessionFactory

TERM = {"start": date(2026, 3, 2), "end": date(2026, 3, 31)}
MARCH_WEDNESDAYS = [date(2026, 3, 4), date(2026, 3, 11), date(2026, 3, 18), date(2026, 3, 25)]


pytestmark = pytest.mark.usefixtures("frozen_now")


def url(group):
    return f"/groups/{group.pk}/sessions/term/"


def slot_dates(group):
    return list(group.sessions.order_by("slot_date").values_list("slot_date", flat=True))


# --- The service ------------------------------------------------------------------


def test_generates_the_terms_sessions(group, leader):
    created = services.term_generate(actor=leader, group=group, **TERM)

    assert [s.slot_date for s in created] == MARCH_WEDNESDAYS
    assert slot_dates(group) == MARCH_WEDNESDAYS
    session = group.sessions.get(slot_date=date(2026, 3, 4))
    assert session.status == Session.Status.SCHEDULED
    assert session.presenter is None
    assert session.sequence == 0


def test_the_same_term_twice_makes_no_duplicates(group, leader):
    services.term_generate(actor=leader, group=group, **TERM)
    again = services.term_generate(actor=leader, group=group, **TERM)

    assert again == []
    assert group.sessions.count() == 4
    assert slot_dates(group) == MARCH_WEDNESDAYS


def test_an_overlapping_term_adds_only_the_new_dates(group, leader):
    services.term_generate(actor=leader, group=group, **TERM)
    added = services.term_generate(
        actor=leader, group=group, start=date(2026, 3, 15), end=date(2026, 4, 10)
    )

    assert [s.slot_date for s in added] == [date(2026, 4, 1), date(2026, 4, 8)]
    assert group.sessions.count() == 6


def test_a_moved_session_keeps_its_slot_and_is_not_refilled(group, leader):
    services.term_generate(actor=leader, group=group, **TERM)
    session = group.sessions.get(slot_date=date(2026, 3, 11))
    services.session_move(actor=leader, session=session, day=date(2026, 3, 12))

    again = services.term_generate(actor=leader, group=group, **TERM)

    assert again == []
    assert group.sessions.count() == 4
    assert not group.sessions.filter(starts_at__date=date(2026, 3, 11)).exists()
    preview = services.term_preview(group=group, **TERM)
    assert {s.day: s.skip_reason for s in preview}[date(2026, 3, 11)] == "Already scheduled"


def test_a_session_added_by_hand_on_a_pattern_date_is_not_duplicated(group, leader):
    services.session_add(actor=leader, group=group, day=date(2026, 3, 18))
    services.term_generate(actor=leader, group=group, **TERM)

    assert slot_dates(group) == MARCH_WEDNESDAYS


def test_public_holidays_and_excluded_dates_are_not_created(group, leader):
    created = services.term_generate(
        actor=leader,
        group=group,
        start=date(2027, 3, 1),
        end=date(2027, 3, 31),
        excluded={date(2027, 3, 24)},
    )
    assert [s.slot_date for s in created] == [
        date(2027, 3, 3),
        date(2027, 3, 10),
        date(2027, 3, 31),
    ]


def test_the_schemes_subdivision_is_used(leader):
    scheme = factories.SchemeFactory(holiday_country="GB", holiday_subdivision="NIR")
    group = factories.GroupFactory(scheme=scheme, meeting_weekday=0)
    organiser = factories.OrganiserFactory(scheme=scheme).person

    created = services.term_generate(
        actor=organiser, group=group, start=date(2027, 7, 1), end=date(2027, 7, 31)
    )

    assert date(2027, 7, 12) not in [s.slot_date for s in created]
    assert [s.slot_date for s in created] == [
        date(2027, 7, 5),
        date(2027, 7, 19),
        date(2027, 7, 26),
    ]


def test_stored_times_keep_the_local_meeting_time_across_summer_time(group, leader):
    services.term_generate(
        actor=leader, group=group, start=date(2026, 3, 16), end=date(2026, 11, 4)
    )

    stored = {s.slot_date: s for s in Session.objects.filter(group=group)}
    for session in stored.values():
        assert session.starts_at.astimezone(DUBLIN).time() == time(9, 0)
        assert session.ends_at.astimezone(DUBLIN).time() == time(10, 0)
    assert stored[date(2026, 3, 25)].starts_at.astimezone(UTC).hour == 9
    assert stored[date(2026, 4, 1)].starts_at.astimezone(UTC).hour == 8
    assert stored[date(2026, 10, 21)].starts_at.astimezone(UTC).hour == 8
    assert stored[date(2026, 10, 28)].starts_at.astimezone(UTC).hour == 9


def test_the_group_time_zone_follows_the_scheme(leader):
    scheme = factories.SchemeFactory(time_zone="America/New_York", holiday_country="US")
    group = factories.GroupFactory(scheme=scheme)
    organiser = factories.OrganiserFactory(scheme=scheme).person

    created = services.term_generate(
        actor=organiser, group=group, start=date(2026, 3, 2), end=date(2026, 3, 11)
    )
    assert [s.starts_at.astimezone(UTC).hour for s in created] == [14, 13]


def test_preview_saves_nothing(group):
    preview = services.term_preview(group=group, **TERM)

    assert [s.day for s in preview] == MARCH_WEDNESDAYS
    assert all(s.will_be_created for s in preview)
    assert group.sessions.count() == 0


def test_a_term_that_ends_before_it_starts_is_refused(group, leader):
    with pytest.raises(ValidationError, match="ends before it starts"):
        services.term_generate(
            actor=leader, group=group, start=date(2026, 3, 31), end=date(2026, 3, 1)
        )
    assert group.sessions.count() == 0


def test_a_term_longer_than_the_limit_is_refused(group, leader):
    with pytest.raises(ValidationError, match="at most 400 days"):
        services.term_generate(
            actor=leader, group=group, start=date(2026, 3, 1), end=date(2027, 6, 1)
        )
    assert group.sessions.count() == 0


@pytest.mark.parametrize("role", ["trainee", "other_group_leader", "other_scheme_organiser"])
def test_only_leaders_and_organisers_may_generate(request, group, role):
    with pytest.raises(PermissionDenied):
        services.term_generate(actor=request.getfixturevalue(role), group=group, **TERM)
    assert group.sessions.count() == 0


def test_a_co_leader_and_the_organiser_may_generate(group, organiser):
    co_leader = factories.LeaderFactory(group=group, role="co_leader").person
    assert len(services.term_generate(actor=co_leader, group=group, **TERM)) == 4
    assert services.term_generate(actor=organiser, group=group, **TERM) == []


def test_a_former_leader_may_not_generate(group):
    former = factories.LeaderFactory(
        group=group, start_date=date(2025, 9, 1), end_date=date(2026, 2, 28)
    ).person
    with pytest.raises(PermissionDenied):
        services.term_generate(actor=former, group=group, **TERM)


# --- The page -----------------------------------------------------------------------


def test_anonymous_is_sent_to_sign_in(client, group):
    assert_sign_in_first(client, url(group))


@pytest.mark.parametrize(("role", "status"), GROUP_LEADERS_AND_ORGANISERS)
def test_access_by_role(group, status, signed_in):
    assert signed_in.get(url(group)).status_code == status


@pytest.mark.parametrize(
    ("role", "status"),
    [("trainee", 403), ("other_group_leader", 404), ("other_scheme_organiser", 404)],
)
def test_others_cannot_create_a_term(client, request, group, role, status):
    client.force_login(request.getfixturevalue(role))
    response = client.post(url(group), {"start": "2026-03-02", "end": "2026-03-31", "confirm": "1"})
    assert response.status_code == status
    assert group.sessions.count() == 0


def test_preview_shows_the_dates_without_saving(client, group, leader):
    client.force_login(leader)
    response = client.post(
        url(group), {"start": "2027-03-01", "end": "2027-03-31", "excluded": "2027-03-24"}
    )

    assert response.status_code == 200
    assert [(s.day, s.skip_reason) for s in response.context["preview"]] == [
        (date(2027, 3, 3), ""),
        (date(2027, 3, 10), ""),
        (date(2027, 3, 17), "Public holiday: Saint Patrick's Day"),
        (date(2027, 3, 24), "Excluded"),
        (date(2027, 3, 31), ""),
    ]
    content = response.content.decode()
    assert "Wed 3 Mar 2027, 09:00" in content
    assert "skipped: Public holiday: Saint Patrick&#x27;s Day" in content
    assert "Create these sessions" in content
    assert group.sessions.count() == 0


def test_confirm_creates_the_sessions(client, group, leader):
    client.force_login(leader)
    response = client.post(
        url(group),
        {"start": "2027-03-01", "end": "2027-03-31", "excluded": "2027-03-24 ", "confirm": "1"},
    )

    assert response.status_code == 302
    assert response["Location"] == f"/groups/{group.pk}/sessions/"
    assert slot_dates(group) == [date(2027, 3, 3), date(2027, 3, 10), date(2027, 3, 31)]


def test_confirming_twice_creates_no_duplicates(client, group, organiser):
    client.force_login(organiser)
    data = {"start": "2026-03-02", "end": "2026-03-31", "confirm": "1"}
    client.post(url(group), data)
    client.post(url(group), data)

    assert slot_dates(group) == MARCH_WEDNESDAYS


def test_preview_marks_dates_already_scheduled(client, group, leader):
    SessionFactory(group=group, slot_date=date(2026, 3, 11))
    client.force_login(leader)
    response = client.post(url(group), {"start": "2026-03-02", "end": "2026-03-31"})

    reasons = {s.day: s.skip_reason for s in response.context["preview"]}
    assert reasons[date(2026, 3, 11)] == "Already scheduled"
    assert reasons[date(2026, 3, 4)] == ""


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"start": "2026-03-31", "end": "2026-03-01"}, "The term ends before it starts."),
        ({"start": "2026-03-01", "end": "2027-06-01"}, "A term can span at most 400 days."),
        (
            {"start": "2026-03-01", "end": "2026-03-31", "excluded": "31/03/2026"},
            "write it as YYYY-MM-DD",
        ),
    ],
)
def test_bad_terms_are_refused(client, group, leader, data, message):
    client.force_login(leader)
    response = client.post(url(group), {**data, "confirm": "1"})

    assert response.status_code == 400
    assert message in response.content.decode()
    assert group.sessions.count() == 0

"""`/rota/`: a trainee's upcoming sessions, who presents, and when they next present."""

from datetime import date, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sessions import services
from tests import factories
from tests.access import assert_sign_in_first
from tests.factories.sessions import LeaveFactory, SessionFactory, SwapRequestFactory, wednesdays

URL = "/rota/"


pytestmark = pytest.mark.usefixtures("frozen_now")


@pytest.fixture
def colleague(group):
    return factories.MembershipFactory(group=group).person


def item_for(content: str, when: str) -> str:
    """The list item of the session shown as `when`, e.g. "Wed 18 Mar 2026, 09:00"."""
    (item,) = [chunk for chunk in content.split("<li")[1:] if when in chunk]
    return item


def test_anonymous_is_sent_to_sign_in(client):
    assert_sign_in_first(client, URL)


@pytest.mark.parametrize(
    "role",
    ["trainee", "leader", "other_group_leader", "organiser", "other_scheme_organiser", "stranger"],
)
def test_everyone_signed_in_sees_their_own_rota(client, request, role):
    client.force_login(request.getfixturevalue(role))
    assert client.get(URL).status_code == 200


def test_lists_the_upcoming_sessions_of_my_groups_only(client, group, trainee, other_group):
    past = SessionFactory(group=group, slot_date=date(2026, 2, 25))
    upcoming = [SessionFactory(group=group, slot_date=d) for d in wednesdays(3)]
    SessionFactory(group=other_group, slot_date=date(2026, 3, 11))
    client.force_login(trainee)

    response = client.get(URL)

    assert list(response.context["sessions"]) == upcoming
    assert past not in response.context["sessions"]


def test_sessions_after_my_membership_ends_are_not_listed(client, group):
    leaving = factories.MembershipFactory(
        group=group, start_date=date(2026, 1, 5), end_date=date(2026, 3, 15)
    ).person
    before, _after = (SessionFactory(group=group, slot_date=d) for d in wednesdays(3)[1:])
    early = SessionFactory(group=group, slot_date=date(2026, 3, 4))
    client.force_login(leaving)

    assert list(client.get(URL).context["sessions"]) == [early, before]


def test_my_own_dates_are_highlighted(client, group, trainee, colleague):
    SessionFactory(group=group, slot_date=date(2026, 3, 4), presenter=colleague)
    SessionFactory(group=group, slot_date=date(2026, 3, 11))
    SessionFactory(group=group, slot_date=date(2026, 3, 18), presenter=trainee)
    client.force_login(trainee)

    content = client.get(URL).content.decode()

    mine = item_for(content, "Wed 18 Mar 2026, 09:00")
    assert "list-group-item-warning mine" in mine
    assert "You present" in mine
    assert "Ask to swap" in mine
    assert "Give back" in mine
    theirs = item_for(content, "Wed 4 Mar 2026, 09:00")
    assert "list-group-item-warning mine" not in theirs  # not "mine": a name may hold it
    assert colleague.full_name in theirs
    assert "Ask to swap" not in theirs
    assert "not yet assigned" in item_for(content, "Wed 11 Mar 2026, 09:00")
    assert content.count("list-group-item-warning mine") == 1


def test_shows_the_days_until_i_next_present(client, group, trainee):
    SessionFactory(group=group, slot_date=date(2026, 3, 25), presenter=trainee)
    SessionFactory(group=group, slot_date=date(2026, 3, 18), presenter=trainee)
    client.force_login(trainee)

    response = client.get(URL)

    assert response.context["days_until"] == 16
    assert response.context["next_session"].slot_date == date(2026, 3, 18)
    assert "You present in <strong>16 days</strong>" in response.content.decode()


def test_says_tomorrow_and_today(client, group, leader, trainee):
    tomorrow = services.session_add(actor=leader, group=group, day=date(2026, 3, 3))
    services.presenter_set(actor=leader, session=tomorrow, presenter=trainee)
    client.force_login(trainee)
    assert "You present <strong>tomorrow</strong>" in client.get(URL).content.decode()

    later_today = services.session_add(
        actor=leader, group=group, day=date(2026, 3, 2), start_time=time(14, 0)
    )
    services.presenter_set(actor=leader, session=later_today, presenter=trainee)
    assert "You present <strong>today</strong>" in client.get(URL).content.decode()


def test_a_session_earlier_today_is_not_next(client, group, trainee):
    SessionFactory(group=group, slot_date=date(2026, 3, 2), presenter=trainee)  # 09:00, gone
    client.force_login(trainee)

    response = client.get(URL)

    assert response.context["next_session"] is None
    assert "You have no presenting date yet." in response.content.decode()


def test_times_are_shown_in_local_time_across_summer_time(client, group, trainee):
    SessionFactory(group=group, slot_date=date(2026, 4, 1), presenter=trainee)
    client.force_login(trainee)

    content = client.get(URL).content.decode()

    assert "Wed 1 Apr 2026, 09:00" in content
    assert "Wed 1 Apr 2026, 08:00" not in content
    assert "Wednesday 1 April, 09:00" in content


def test_cancelled_sessions_show_as_cancelled(client, group, leader, trainee):
    session = SessionFactory(group=group, slot_date=date(2026, 3, 11))
    services.session_cancel(actor=leader, session=session, reason="Room flooded")
    client.force_login(trainee)

    item = item_for(client.get(URL).content.decode(), "Wed 11 Mar 2026, 09:00")

    assert "Cancelled" in item
    assert "Room flooded" in item


def test_shows_swap_requests_to_and_from_me(client, group, trainee, colleague):
    mine = SessionFactory(group=group, slot_date=date(2026, 3, 18), presenter=trainee)
    theirs = SessionFactory(group=group, slot_date=date(2026, 3, 4), presenter=colleague)
    asked_of_me = SwapRequestFactory(requester_session=theirs, recipient_session=mine)

    client.force_login(trainee)
    response = client.get(URL)
    assert response.context["swaps_to_me"] == [asked_of_me]
    assert response.context["swaps_from_me"] == []
    assert f"/swaps/{asked_of_me.pk}/accept/" in response.content.decode()

    client.force_login(colleague)
    response = client.get(URL)
    assert response.context["swaps_from_me"] == [asked_of_me]
    assert "Withdraw request" in response.content.decode()
    assert f"/swaps/{asked_of_me.pk}/accept/" not in response.content.decode()


def test_pages_through_many_sessions(client, group, trainee):
    for when in wednesdays(25):
        SessionFactory(group=group, slot_date=when)
    client.force_login(trainee)

    assert len(client.get(URL).context["sessions"]) == 20
    assert len(client.get(URL + "?page=2").context["sessions"]) == 5


def test_a_fixed_number_of_queries_whatever_the_number_of_sessions(
    client, group, trainee, colleague, other_group, django_assert_num_queries
):
    factories.MembershipFactory(group=other_group, person=trainee)
    client.force_login(trainee)

    def add_sessions(count, first):
        for i in range(count):
            presenter = (trainee, colleague, None)[i % 3]
            SessionFactory(group=group, slot_date=first + timedelta(weeks=i), presenter=presenter)
            SessionFactory(group=other_group, slot_date=first + timedelta(weeks=i, days=1))

    add_sessions(2, date(2026, 3, 4))
    with CaptureQueriesContext(connection) as few:
        assert len(client.get(URL).context["sessions"]) == 4

    add_sessions(15, date(2026, 6, 3))
    with django_assert_num_queries(len(few)):
        assert len(client.get(URL).context["sessions"]) == 20


# --- On-call clashes ------------------------------------------------------------------------


def _on_call(person, day):
    from tests.factories.rosters import OnCallShiftFactory, dublin

    return OnCallShiftFactory(
        source__person=person,
        person=person,
        starts_at=dublin(day.year, day.month, day.day, 8),
        ends_at=dublin(day.year, day.month, day.day, 20),
    )


def test_my_clashes_are_marked_on_my_sessions(client, group, trainee, colleague):
    clashing, free = (SessionFactory(group=group, slot_date=d) for d in wednesdays(2))
    _on_call(trainee, clashing.slot_date)
    _on_call(colleague, free.slot_date)
    services.clashes_recompute()
    client.force_login(trainee)

    content = client.get(URL).content.decode()

    item = item_for(content, "Wed 4 Mar 2026, 09:00")
    assert "On-call clash" in item
    assert "You are on call Wed 4 Mar 08:00–Wed 4 Mar 20:00" in item
    assert "On-call clash" not in item_for(content, "Wed 11 Mar 2026, 09:00")


def test_a_fixed_number_of_queries_with_clashes_too(
    client, group, trainee, colleague, django_assert_num_queries
):
    client.force_login(trainee)
    for when, presenter in zip(wednesdays(2), (trainee, colleague), strict=True):
        SessionFactory(group=group, slot_date=when, presenter=presenter)
        _on_call(trainee, when)
    services.clashes_recompute()
    with CaptureQueriesContext(connection) as few:
        assert len(client.get(URL).context["sessions"]) == 2

    for when in wednesdays(20, first=date(2026, 3, 18)):
        SessionFactory(group=group, slot_date=when, presenter=trainee)
        _on_call(trainee, when)
    services.clashes_recompute()
    with django_assert_num_queries(len(few)):
        response = client.get(URL)
    assert len(response.context["sessions"]) == 20
    assert all(s.my_clash for s in response.context["sessions"])


# Session, user, memberships, count and page of sessions, their clashes, the next date
# presenting (with its group and scheme, for the time zone), swaps, navigation; and the
# rotas of the groups they are a member of: groups, upcoming sessions, memberships,
# leave, clashes, offers and past presentations (test_view_rota_members.py).
ROTA_QUERIES = 16


def test_the_next_date_presenting_costs_one_query(
    client, group, trainee, django_assert_max_num_queries
):
    SessionFactory(group=group, slot_date=date(2026, 3, 4), presenter=trainee)
    client.force_login(trainee)

    with django_assert_max_num_queries(ROTA_QUERIES):
        response = client.get(URL)

    assert response.context["next_session"].presenter == trainee
    assert response.context["days_until"] is not None


# --- Leave ----------------------------------------------------------------------------------


def test_my_leave_is_marked_on_my_sessions(client, group, trainee, colleague):
    away, here = (SessionFactory(group=group, slot_date=d) for d in wednesdays(2))
    LeaveFactory(person=trainee, start_date=away.slot_date)
    LeaveFactory(person=colleague, start_date=here.slot_date)  # someone else's: not shown
    client.force_login(trainee)

    content = client.get(URL).content.decode()

    assert "On leave</span> You are on leave that day" in item_for(content, "Wed 4 Mar 2026, 09:00")
    assert "On leave" not in item_for(content, "Wed 11 Mar 2026, 09:00")


@pytest.mark.parametrize("away", ["leave", "on call"])
def test_the_next_presenting_date_says_when_i_am_away_then(client, group, trainee, away):
    first, _later = (
        SessionFactory(group=group, slot_date=d, presenter=trainee) for d in wednesdays(2)
    )
    if away == "leave":
        LeaveFactory(person=trainee, start_date=first.slot_date)
    else:
        _on_call(trainee, first.slot_date)
        services.clashes_recompute()
    client.force_login(trainee)

    content = client.get(URL).content.decode()

    banner = content.split('id="next-presentation">', 1)[1].split("</div>", 1)[0]
    said = "on leave that day" if away == "leave" else "on call then"
    assert f"You are {said}.</strong> Ask someone to swap, or give the date back" in banner


def test_the_next_presenting_date_says_nothing_more_when_i_am_free(client, group, trainee):
    SessionFactory(group=group, slot_date=wednesdays(1)[0], presenter=trainee)
    client.force_login(trainee)

    content = client.get(URL).content.decode()

    assert "Ask someone to swap" not in content


# --- Swap requests ----------------------------------------------------------------------------


def test_an_incoming_swap_within_48_hours_says_it_will_ask(client, group, trainee, colleague):
    soon = SessionFactory(group=group, slot_date=date(2026, 3, 4), presenter=colleague)  # 47 h
    mine = SessionFactory(group=group, slot_date=date(2026, 3, 18), presenter=trainee)
    SwapRequestFactory(requester_session=soon, recipient_session=mine)
    client.force_login(trainee)

    alert = client.get(URL).content.decode().split('swap-to-me">', 1)[1].split("</li>", 1)[0]

    assert "<strong>That is within 48 hours:</strong> you are asked to confirm." in alert
    assert "Accept swap…" in alert


def test_my_request_stays_on_its_date_until_answered(client, group, trainee, colleague):
    mine = SessionFactory(group=group, slot_date=date(2026, 3, 18), presenter=trainee)
    theirs = SessionFactory(group=group, slot_date=date(2026, 3, 4), presenter=colleague)
    swap = SwapRequestFactory(requester_session=mine, recipient_session=theirs)
    client.force_login(trainee)

    content = client.get(URL).content.decode()
    item = item_for(content, "Wed 18 Mar 2026, 09:00")
    assert f"You asked {colleague.full_name} to swap it for Wed 4 Mar: waiting" in item
    assert "Swap asked" not in item_for(content, "Wed 4 Mar 2026, 09:00")

    services.swap_decline(actor=colleague, swap=swap)
    content = client.get(URL).content.decode()
    assert "Swap asked" not in content
    news = content.split('id="swap-news">', 1)[1].split("</ul>", 1)[0]
    assert f"{colleague.full_name} declined your request to swap Wed 18 Mar for Wed 4 Mar" in news


def test_a_request_withdrawn_from_me_shows_on_my_rota_for_two_weeks(
    client, frozen_now, group, trainee, colleague
):
    mine = SessionFactory(group=group, slot_date=date(2026, 4, 1), presenter=trainee)
    theirs = SessionFactory(group=group, slot_date=date(2026, 3, 25), presenter=colleague)
    swap = SwapRequestFactory(requester_session=theirs, recipient_session=mine)
    services.swap_decline(actor=colleague, swap=swap)  # the requester withdraws
    client.force_login(trainee)

    response = client.get(URL)
    assert response.context["swaps_to_me"] == []
    assert response.context["swap_news"] == [swap]
    assert f"{colleague.full_name}’s request to swap is withdrawn" in response.content.decode()
    client.force_login(colleague)
    assert client.get(URL).context["swap_news"] == []  # they did it themselves

    frozen_now.shift(timedelta(days=14, minutes=1))
    client.force_login(trainee)
    assert client.get(URL).context["swap_news"] == []


def test_swaps_and_their_answers_cost_no_more_queries(
    client, group, trainee, colleague, django_assert_max_num_queries
):
    for i, day in enumerate(wednesdays(8)):
        mine = SessionFactory(group=group, slot_date=day, presenter=trainee)
        theirs = SessionFactory(group=group, slot_date=day + timedelta(days=1), presenter=colleague)
        swap = SwapRequestFactory(requester_session=mine, recipient_session=theirs)
        if i % 2:
            services.swap_decline(actor=colleague, swap=swap)
    client.force_login(trainee)

    with django_assert_max_num_queries(ROTA_QUERIES):
        response = client.get(URL)
    assert len(response.context["swaps_from_me"]) == 4
    assert len(response.context["swap_news"]) == 4

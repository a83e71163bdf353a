"""`/groups/<pk>/rota/`: the leaders' presenter rota: each member's presentations in their
current membership, their next date and why, and the offers to present."""

import re
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sessions.models import Session
from sessions.rota import services
from tests import factories
from tests.access import GROUP_LEADERS_AND_ORGANISERS, assert_sign_in_first
from tests.factories.sessions import LeaveFactory, SessionFactory, wednesdays

pytestmark = pytest.mark.usefixtures("frozen_now")


def url(group):
    return f"/groups/{group.pk}/rota/"


def row_of(content: str, name: str) -> str:
    """The text of the standings row that names `name`, tags dropped."""
    table = content.split('id="standings"', 1)[1].split("</table>", 1)[0]
    (row,) = [r for r in table.split("<tr")[1:] if name in r]
    return " ".join(re.sub(r"<[^>]+>", " ", "<tr" + row).split())


def test_anonymous_is_sent_to_sign_in(client, group):
    assert_sign_in_first(client, url(group))


@pytest.mark.parametrize(("role", "status"), GROUP_LEADERS_AND_ORGANISERS)
def test_access_by_role(group, status, signed_in):
    assert signed_in.get(url(group)).status_code == status


@pytest.fixture
def planned(group, leader):
    """Three members and four dates, planned: `a` presented once in this membership (and
    three times in an earlier one), `c` is on leave for the first date and volunteered
    for the third."""
    a = factories.MembershipFactory(
        group=group, start_date=date(2025, 1, 6), end_date=date(2025, 12, 19)
    ).person
    for when in (date(2025, 3, 5), date(2025, 4, 2), date(2025, 5, 7)):
        SessionFactory(group=group, slot_date=when, status=Session.Status.HELD, presenter=a)
    factories.MembershipFactory(group=group, person=a, start_date=date(2026, 1, 5))
    SessionFactory(group=group, slot_date=date(2026, 2, 25), status="held", presenter=a)
    b = factories.MembershipFactory(group=group).person
    c = factories.MembershipFactory(group=group).person
    days = wednesdays(4)
    sessions = [SessionFactory(group=group, slot_date=when) for when in days]
    LeaveFactory(person=c, start_date=days[0])
    services.presenting_offer_make(person=c, session=sessions[2], kind="volunteer")
    services.rota_assign(actor=leader, group=group)
    return a, b, c


def test_shows_each_members_count_next_date_and_why(client, group, leader, planned):
    a, b, c = planned
    client.force_login(leader)

    response = client.get(url(group))

    standings = response.context["rota"].standings
    assert [(s.person, s.presented, s.dates, s.next_date) for s in standings] == [
        (b, 0, 1, date(2026, 3, 4)),
        (c, 0, 2, date(2026, 3, 11)),
        (a, 1, 1, date(2026, 3, 25)),  # the earlier membership's three do not count
    ]
    content = response.content.decode()
    assert row_of(content, b.full_name).endswith("Wed 4 Mar fewest presentations (0)")
    assert row_of(content, c.full_name).endswith("fewest presentations (0) on leave 4 Mar")
    assert row_of(content, a.full_name) == f"{a.full_name} 1 1 Wed 25 Mar fewest presentations (1)"
    offers = content.split('id="offers"', 1)[1].split("</ul>", 1)[0]
    assert f"Wed 18 Mar: {c.full_name} · Volunteered" in offers
    assert "presents" in offers


def test_says_why_someone_has_no_date(client, group, leader, planned):
    leaving = factories.MembershipFactory(
        group=group, start_date=date(2026, 1, 5), end_date=date(2026, 3, 3)
    ).person
    joining = factories.MembershipFactory(group=group, start_date=date(2026, 6, 1)).person
    away = factories.MembershipFactory(group=group).person
    LeaveFactory(person=away, start_date=date(2026, 3, 1), end_date=date(2026, 4, 1))
    SessionFactory(group=group, slot_date=date(2026, 4, 1))  # open: someone is next in line
    client.force_login(leader)

    content = client.get(url(group)).content.decode()

    assert row_of(content, leaving.full_name).endswith("None yet membership ends 3 Mar")
    assert row_of(content, joining.full_name).endswith("None yet joins 1 Jun")
    assert "away on every date on leave 4 Mar on leave 11 Mar" in row_of(content, away.full_name)
    assert "1 upcoming session without a presenter" in content


def test_leaders_are_not_in_the_rota(client, group, leader, planned):
    client.force_login(leader)

    standings = client.get(url(group)).context["rota"].standings

    assert leader not in [s.person for s in standings]


def test_assigning_from_the_rota_page_comes_back_to_it(client, group, leader, trainee):
    session = SessionFactory(group=group)
    client.force_login(leader)

    response = client.post(f"/groups/{group.pk}/rota/assign/", {"return_to": "rota"})

    assert response.status_code == 302
    assert response["Location"] == url(group)
    session.refresh_from_db()
    assert session.presenter == trainee


def test_a_fixed_number_of_queries_whatever_the_numbers(
    client, group, leader, django_assert_num_queries
):
    client.force_login(leader)

    def grow(count, first):
        people = [factories.MembershipFactory(group=group).person for _ in range(count)]
        for i in range(count * 2):
            when = first + timedelta(weeks=i)
            session = SessionFactory(group=group, slot_date=when)
            LeaveFactory(person=people[i % count], start_date=when)
            services.presenting_offer_make(
                person=people[(i + 1) % count], session=session, kind="volunteer"
            )
            SessionFactory(group=group, slot_date=when - timedelta(weeks=60), presenter=people[0])
        services.rota_assign(actor=leader, group=group)

    grow(2, date(2026, 3, 4))
    with CaptureQueriesContext(connection) as few:
        assert len(client.get(url(group)).context["rota"].standings) == 2

    grow(6, date(2026, 4, 1))
    with django_assert_num_queries(len(few)):
        response = client.get(url(group))
    assert len(response.context["rota"].standings) == 8
    assert len(response.context["rota"].offers) == 16

"""`/rota/` as a member sees the presenter rota: offering to present (volunteer for an
open date, "I have a case" for the next session) and taking it back, who presents in
their group and why, and the note on presenting before their first date."""

import re
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sessions.models import Session
from sessions.rota import services
from tests import factories
from tests.factories.sessions import LeaveFactory, SessionFactory, wednesdays

URL = "/rota/"

pytestmark = pytest.mark.usefixtures("frozen_now")


def item_for(content: str, when: str) -> str:
    """The list item of the session shown as `when`, e.g. "Wed 18 Mar 2026, 09:00"."""
    (item,) = [chunk for chunk in content.split("<li")[1:] if when in chunk]
    return item


def rota_rows(content: str) -> list[str]:
    """The rows of the "Who presents" table, as text."""
    table = content.split("Who presents in", 1)[1].split("</table>", 1)[0]
    return [" ".join(re.sub(r"<[^>]+>", " ", "<tr" + r).split()) for r in table.split("<tr")[2:]]


FIRST, SECOND, THIRD = "Wed 4 Mar 2026, 09:00", "Wed 11 Mar 2026, 09:00", "Wed 18 Mar 2026, 09:00"


@pytest.fixture
def dates(group):
    return [SessionFactory(group=group, slot_date=when) for when in wednesdays(3)]


def test_a_member_may_volunteer_for_open_dates_and_have_a_case_for_the_next(
    client, group, trainee, dates
):
    colleague = factories.MembershipFactory(group=group).person
    dates[1].presenter = colleague
    dates[1].save()
    client.force_login(trainee)

    content = client.get(URL).content.decode()

    first, second, third = (item_for(content, when) for when in (FIRST, SECOND, THIRD))
    assert "Volunteer to present" in first and "I have a case" in first
    assert "Volunteer to present" not in second and "I have a case" not in second
    assert "Volunteer to present" in third and "I have a case" not in third
    assert f'action="/sessions/{dates[2].pk}/offer/"' in third


def test_no_offer_while_on_leave_nor_for_a_date_outside_the_membership(client, group, dates):
    leaving = factories.MembershipFactory(
        group=group, start_date=date(2026, 1, 5), end_date=dates[1].slot_date
    ).person
    LeaveFactory(person=leaving, start_date=dates[0].slot_date)
    client.force_login(leaving)

    content = client.get(URL).content.decode()

    assert "On leave" in item_for(content, FIRST)
    assert "Volunteer to present" not in item_for(content, FIRST)
    assert "Volunteer to present" in item_for(content, SECOND)
    assert THIRD not in content  # after their membership


def test_a_leader_is_offered_nothing_and_sees_no_members_rota(client, group, leader, dates):
    client.force_login(leader)

    content = client.get(URL).content.decode()

    assert FIRST in content
    assert "Volunteer to present" not in content and "I have a case" not in content
    assert "Who presents in" not in content


def test_my_offer_shows_and_can_be_withdrawn_until_the_date_is_planned(
    client, group, leader, trainee, dates
):
    volunteered = services.presenting_offer_make(person=trainee, session=dates[2], kind="volunteer")
    services.presenting_offer_make(person=trainee, session=dates[0], kind="have_a_case")
    client.force_login(trainee)

    content = client.get(URL).content.decode()
    assert "You have a case" in item_for(content, FIRST)
    third = item_for(content, THIRD)
    assert "You volunteered" in third and "Volunteer to present" not in third
    assert f'action="/offers/{volunteered.pk}/withdraw/"' in third

    services.rota_assign(actor=leader, group=group)
    third = item_for(client.get(URL).content.decode(), THIRD)
    assert "You volunteered" in third and "You present" in third
    assert "Withdraw offer" not in third


def test_who_presents_in_my_group_and_why(client, group, leader, trainee, dates):
    colleague = factories.MembershipFactory(group=group).person
    away = factories.MembershipFactory(group=group).person
    SessionFactory(group=group, slot_date=date(2026, 2, 25), status="held", presenter=colleague)
    LeaveFactory(person=trainee, start_date=dates[0].slot_date)
    LeaveFactory(person=away, start_date=dates[0].slot_date, end_date=dates[2].slot_date)
    services.presenting_offer_make(person=colleague, session=dates[2], kind="volunteer")
    services.rota_assign(actor=leader, group=group)
    client.force_login(trainee)

    content = client.get(URL).content.decode()

    assert f"Who presents in {group.name}" in content
    assert rota_rows(content) == [
        f"{colleague.full_name} 1 Wed 4 Mar fewest presentations (1)",
        "You 0 Wed 11 Mar fewest presentations (0) on leave 4 Mar",  # my leave: shown to me
        f"{away.full_name} 0 None yet",  # theirs: not shown to me
    ]


def test_the_note_on_presenting_is_offered_before_a_first_date(client, group, trainee, dates):
    client.force_login(trainee)
    assert "Your first time?" not in client.get(URL).content.decode()  # no date yet

    dates[1].presenter = trainee
    dates[1].save()
    banner = client.get(URL).content.decode().split('id="next-presentation"', 1)[1]
    assert 'Your first time? <a href="/rota/presenting/">' in banner.split("</div>", 1)[0]

    SessionFactory(group=group, slot_date=date(2026, 2, 25), status="held", presenter=trainee)
    assert "Your first time?" not in client.get(URL).content.decode()


def test_the_rotas_cost_a_fixed_number_of_queries(
    client, trainee, group, other_group, django_assert_num_queries
):
    factories.MembershipFactory(group=other_group, person=trainee)
    client.force_login(trainee)

    def grow(count, first):
        for rota_group in (group, other_group):
            people = [factories.MembershipFactory(group=rota_group).person for _ in range(count)]
            for i in range(count):
                when = first + timedelta(weeks=i)
                session = SessionFactory(group=rota_group, slot_date=when)
                LeaveFactory(person=people[i], start_date=when)
                services.presenting_offer_make(person=trainee, session=session, kind="volunteer")
                SessionFactory(
                    group=rota_group,
                    slot_date=when - timedelta(weeks=50),
                    status=Session.Status.HELD,
                    presenter=people[i],
                )

    grow(1, date(2026, 3, 4))
    with CaptureQueriesContext(connection) as few:
        assert len(client.get(URL).context["rotas"]) == 2

    grow(5, date(2026, 4, 1))
    with django_assert_num_queries(len(few)):
        response = client.get(URL)
    assert [len(rota.standings) for rota in response.context["rotas"]] == [7, 7]
    assert sum(s.offer_actions.offer is not None for s in response.context["sessions"]) == 12

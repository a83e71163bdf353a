"""`/`, the leader's section: per group led, the next session with who is expected, the
register to take on the day, registers not taken yet and swaps waiting for an answer.

The clock stands at NOW: Monday 2 March 2026, 10:00 in Dublin; sessions on Wednesdays.
"""

from datetime import date, datetime, timedelta

import pytest

from sessions.models import Session
from tests import factories
from tests.attendance.test_view_home import get_home
from tests.factories.attendance import AttendanceFactory, HeldSessionFactory
from tests.factories.rosters import ClashFactory
from tests.factories.sessions import (
    DUBLIN,
    LeaveFactory,
    SessionFactory,
    SwapRequestFactory,
    wednesdays,
)

pytestmark = pytest.mark.usefixtures("frozen_now")

NEXT, AFTER = wednesdays(2)  # 4 and 11 March


def leader_scene(group, trainee):
    """Seven members; on 4 March one is on leave and one on call, so five are expected,
    below the group's minimum of six. The trainee presents."""
    members = [trainee] + [
        factories.MembershipFactory(group=group, person__full_name=f"Dr Member {i}").person
        for i in range(6)
    ]
    upcoming = SessionFactory(group=group, slot_date=NEXT, presenter=trainee)
    SessionFactory(group=group, slot_date=AFTER)
    LeaveFactory(person=members[1], start_date=NEXT)
    ClashFactory(session=upcoming, person=members[2])
    return upcoming, members


def card_of(response):
    (card,) = response.context["home"].groups
    return card


def test_leader_sees_the_next_session_and_who_is_expected(client, group, leader, trainee):
    group.location = "Seminar Room 2"
    group.save()
    upcoming, members = leader_scene(group, trainee)

    response, content = get_home(client, leader)

    card = card_of(response)
    assert card.group == group
    assert card.next.session == upcoming
    assert (card.next.expected, len(card.next.members)) == (5, 7)
    assert "Next session" in content
    assert "Wed 4 March, 09:00" in content
    assert f"Seminar Room 2 · Presenting: {trainee.full_name}" in content
    assert "Expected: <strong>5 of 7</strong> members" in content
    assert f"Away: {members[1].full_name} (leave), {members[2].full_name} (on call)." in content


def test_leader_is_warned_below_the_minimum_and_told_what_to_do(client, group, leader, trainee):
    leader_scene(group, trainee)

    _, content = get_home(client, leader)

    assert (
        "Below the group's minimum of 6.</strong> Ask those away whether they can come" in content
    )
    assert f'href="/groups/{group.pk}/sessions/">Sessions page</a>' in content
    card = card_of(get_home(client, leader)[0])
    combine = f'href="/sessions/{card.next.session.pk}/combine/">combine with another group'
    assert combine in content
    assert f'href="/groups/{group.pk}/guests/">accept guests</a>' in content


def test_no_warning_when_enough_members_are_expected(client, group, leader, trainee):
    leader_scene(group, trainee)
    group.min_members = 5
    group.save()

    response, content = get_home(client, leader)

    assert not card_of(response).next.below_minimum
    assert "Below the group" not in content


def test_a_session_without_presenter_asks_for_one(client, group, leader, trainee):
    SessionFactory(group=group, slot_date=NEXT)
    _, content = get_home(client, leader)
    assert "nobody yet: assign a presenter" in content


def test_a_group_without_sessions_is_told_to_plan_a_term(client, group, leader):
    _, content = get_home(client, leader)
    assert "No session scheduled: plan a term" in content


def test_no_take_register_before_the_day(client, group, leader, trainee):
    upcoming, _ = leader_scene(group, trainee)

    response, content = get_home(client, leader)

    assert not card_of(response).is_today
    assert "Take register" not in content
    assert f"/sessions/{upcoming.pk}/register/" not in content


@pytest.mark.parametrize("hour", [7, 11, 23])  # before, after the session, late that day
def test_take_register_on_the_sessions_day(client, group, leader, trainee, frozen_now, hour):
    upcoming, _ = leader_scene(group, trainee)
    frozen_now.move_to(datetime(2026, 3, 4, hour, 0, tzinfo=DUBLIN))

    response, content = get_home(client, leader)

    card = card_of(response)
    assert card.next.session == upcoming
    assert card.is_today
    assert '<h4 class="h6 mb-1">Today</h4>' in content
    assert f'href="/sessions/{upcoming.pk}/register/">Take register' in content
    assert card.untaken == []  # the card's own session is not listed twice


def test_a_register_taken_today_can_be_opened_again(client, group, leader, trainee, frozen_now):
    upcoming, _ = leader_scene(group, trainee)
    frozen_now.move_to(datetime(2026, 3, 4, 11, 0, tzinfo=DUBLIN))
    AttendanceFactory(session=upcoming, person=trainee)

    _, content = get_home(client, leader)

    assert f'href="/sessions/{upcoming.pk}/register/">Open the register' in content
    assert "Take register" not in content


def test_the_day_after_the_untaken_register_is_listed(client, group, leader, trainee, frozen_now):
    upcoming, _ = leader_scene(group, trainee)
    frozen_now.move_to(datetime(2026, 3, 5, 9, 0, tzinfo=DUBLIN))

    response, content = get_home(client, leader)

    card = card_of(response)
    assert card.next.session.slot_date == AFTER
    assert card.untaken == [upcoming]
    assert f'<li><a href="/sessions/{upcoming.pk}/register/">Wed 4 Mar' in content


def test_registers_not_taken_in_the_last_eight_weeks(client, group, other_group, leader):
    # Past and still scheduled: no register saved (saving one marks the session held).
    untaken = SessionFactory(group=group, slot_date=date(2026, 2, 18))
    earlier = SessionFactory(group=group, slot_date=date(2026, 2, 11))
    taken = HeldSessionFactory(group=group, slot_date=date(2026, 2, 25))
    AttendanceFactory(session=taken)
    SessionFactory(
        group=group, slot_date=date(2026, 2, 4), status="cancelled", cancel_reason="Snow"
    )
    SessionFactory(group=group, slot_date=date(2026, 3, 4) - timedelta(weeks=9))
    SessionFactory(group=other_group, slot_date=date(2026, 2, 18))

    response, content = get_home(client, leader)

    assert card_of(response).untaken == [untaken, earlier]
    assert "Registers not taken" in content
    assert f"/sessions/{taken.pk}/register/" not in content


def test_leader_sees_swaps_in_their_group_waiting_for_an_answer(
    client, group, other_group, leader, trainee
):
    upcoming, members = leader_scene(group, trainee)
    theirs = Session.objects.get(group=group, slot_date=AFTER)
    theirs.presenter = members[3]
    theirs.save()
    swap = SwapRequestFactory(requester_session=upcoming, recipient_session=theirs)
    SwapRequestFactory(requester_session=upcoming, recipient_session=theirs, status="declined")
    elsewhere = SwapRequestFactory(
        requester_session__group=other_group,
        requester_session__presenter=factories.MembershipFactory(group=other_group).person,
        recipient_session__presenter=factories.MembershipFactory(group=other_group).person,
    )

    response, content = get_home(client, leader)

    assert card_of(response).swaps == [swap]
    assert elsewhere not in card_of(response).swaps
    assert (
        f"{trainee.full_name} asked {members[3].full_name} to swap Wed 4 Mar for Wed 11 Mar."
        in content
    )


def test_leader_sees_only_the_groups_they_lead(client, group, other_group, leader):
    response, content = get_home(client, leader)
    assert [card.group for card in response.context["home"].groups] == [group]
    assert group.name in content
    assert other_group.name not in content


def test_a_leader_of_several_groups_gets_a_card_for_each_by_name(client, scheme, leader, group):
    second = factories.GroupFactory(scheme=scheme, name="AAA first by name")
    factories.LeaderFactory(group=second, person=leader)
    factories.LeaderFactory(  # a co-leader leads too
        group=factories.GroupFactory(scheme=scheme, name="ZZZ co-led"),
        person=leader,
        role="co_leader",
    )

    response, _ = get_home(client, leader)

    names = [card.group.name for card in response.context["home"].groups]
    assert names == ["AAA first by name", group.name, "ZZZ co-led"]


def test_a_former_leader_has_no_card(client, group):
    former = factories.LeaderFactory(
        group=group, start_date=date(2025, 1, 1), end_date=date(2026, 3, 1)
    ).person
    response, _ = get_home(client, former)
    assert response.context["home"].groups == []


def test_a_session_combined_into_another_groups_takes_no_register_here(
    client, group, other_group, leader, organiser
):
    """Its members were expected on the host's register: nothing is left to take, for its
    leader or in the organiser's count, once the host's register is taken or not."""
    host = SessionFactory(group=other_group, slot_date=date(2026, 2, 18))
    SessionFactory(group=group, slot_date=date(2026, 2, 18), combined_into=host)

    response, _ = get_home(client, leader)
    assert card_of(response).untaken == []
    (summary,) = get_home(client, organiser)[0].context["home"].schemes
    assert summary.untaken_registers == 1  # the host's


def test_on_the_day_a_combined_session_takes_the_register_of_its_host(
    client, group, other_group, leader, trainee, frozen_now
):
    upcoming, _ = leader_scene(group, trainee)
    host = SessionFactory(group=other_group, slot_date=NEXT)
    upcoming.combined_into = host
    upcoming.save()
    frozen_now.move_to(datetime(2026, 3, 4, 11, 0, tzinfo=DUBLIN))

    assert f'href="/sessions/{host.pk}/register/">Take register' in get_home(client, leader)[1]
    AttendanceFactory(session=host, person=trainee)
    assert f'href="/sessions/{host.pk}/register/">Open the register' in get_home(client, leader)[1]


def test_a_combined_session_is_not_offered_to_be_combined_again(
    client, group, other_group, leader, trainee
):
    host = SessionFactory(group=other_group, slot_date=NEXT)
    SessionFactory(group=group, slot_date=NEXT, combined_into=host)  # 1 member, minimum 6

    response, content = get_home(client, leader)

    assert not card_of(response).next.below_minimum
    assert "Below the group's minimum" not in content

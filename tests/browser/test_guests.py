"""Issue 19 in the browser: a trainee asks to attend another group's session as a guest
(on a phone) and its leader accepts; a leader sees the below-minimum warning on their home
page (on a phone) and combines the session with another group's that day."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sessions.models import GuestRequest, Session
from tests import factories
from tests.browser.helpers import (
    assert_no_serious_violations,
    fits_the_screen,
    save_screenshot,
    sign_in,
)
from tests.factories.sessions import LeaveFactory, SessionFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def thursday(demo):
    """Another group of the scheme, with its leader."""
    group = factories.GroupFactory(scheme=demo.scheme, name="Thursday Lunchtime")
    leader = factories.LeaderFactory(group=group, person__full_name="Dr Úna Second").person
    return group, leader


def test_a_trainee_asks_to_visit_on_a_phone_and_the_other_leader_accepts(
    open_page, demo, thursday, browser_problems
):
    group, other_leader = thursday
    day = timezone.localdate() + timedelta(days=8)
    SessionFactory(group=demo.group, slot_date=day - timedelta(days=1))
    visited = SessionFactory(group=group, slot_date=day)
    when = f"{visited.slot_date.day} {visited.slot_date:%b}"

    phone = open_page("phone")
    sign_in(phone, demo.trainee)
    phone.get_by_role("link", name="Visit another group’s session").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Visit another group")
    phone.get_by_role("button", name=f"Ask to attend {group.name} on {when}").click()
    expect(phone.get_by_role("status")).to_contain_text(f"{group.name}’s leaders will answer")
    expect(phone.get_by_role("region", name="Your visits")).to_contain_text(
        "Waiting for the leader"
    )
    fits_the_screen(phone)
    assert_no_serious_violations(phone)

    desk = open_page("desktop")
    sign_in(desk, other_leader)
    desk.goto(f"/groups/{group.pk}/sessions/")
    desk.get_by_role("link", name="Guests", exact=True).click()
    expect(desk.get_by_role("heading", level=1)).to_have_text(f"Guests of {group.name}")
    desk.get_by_role("button", name=f"Accept {demo.trainee.full_name} on {when}").click()
    expect(desk.get_by_role("status")).to_contain_text(f"{demo.trainee.full_name}’s visit accepted")
    assert_no_serious_violations(desk)

    phone.reload()
    expect(phone.get_by_role("region", name="Your visits")).to_contain_text("Accepted")
    save_screenshot(phone, "guest-visit-phone")
    assert GuestRequest.objects.get().status == GuestRequest.Status.ACCEPTED
    assert not browser_problems


def test_a_leader_sees_the_group_below_minimum_on_a_phone_and_combines_the_session(
    open_page, demo, thursday, browser_problems
):
    group, _ = thursday
    day = timezone.localdate() + timedelta(days=3)
    own = SessionFactory(group=demo.group, slot_date=day)
    host = SessionFactory(group=group, slot_date=day)
    for fellow in demo.fellow_members[:2]:
        LeaveFactory(person=fellow, start_date=day, end_date=day)

    phone = open_page("phone")
    sign_in(phone, demo.leader)
    card = phone.get_by_role("article").filter(has_text=demo.group.name)
    expect(card.get_by_role("alert")).to_contain_text("Below the group's minimum of 6.")
    fits_the_screen(phone)
    card.get_by_role("link", name="combine with another group’s session").click()
    expect(phone.get_by_role("heading", level=1)).to_contain_text(
        f"Combine {demo.group.name}’s session"
    )
    phone.get_by_label(re.compile(f"^{group.name}")).check()
    assert_no_serious_violations(phone)
    phone.get_by_role("button", name="Combine the sessions").click()
    expect(phone.get_by_role("status")).to_contain_text(
        f"Combined: {demo.group.name} meets with {group.name}"
    )
    expect(phone.get_by_text(f"Meets with {group.name}", exact=True)).to_be_visible()
    fits_the_screen(phone)
    save_screenshot(phone, "combined-session-phone")
    assert Session.objects.get(pk=own.pk).combined_into == host
    assert not browser_problems

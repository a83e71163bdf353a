"""Issue 18 in the browser: an organiser adds several trainees to a group at once, found
by name or pasted as addresses, each with the track of their latest membership; someone
without a known track is asked for it. No JavaScript needed: the page posts to itself."""

import pytest
from playwright.sync_api import Page, expect

from groups.models import Membership
from tests import factories
from tests.browser.helpers import assert_no_serious_violations, save_screenshot, sign_in

pytestmark = pytest.mark.browser

GP = Membership.Track.GENERAL_PRACTICE


def test_organiser_adds_several_members_at_once(page: Page, viewport, demo, browser_problems):
    elsewhere = factories.GroupFactory(scheme=demo.scheme, name="Thursday Lunchtime")
    found = factories.MembershipFactory(
        group=elsewhere, track=GP, person__full_name="Dr Fiadh Quinlan"
    ).person
    pasted = factories.MembershipFactory(
        group=elsewhere, track=GP, person__full_name="Dr Odhrán Brady"
    ).person
    leader = factories.LeaderFactory(group=elsewhere, person__full_name="Dr Úna Leader").person

    sign_in(page, demo.organiser)
    page.goto(f"/groups/{demo.group.pk}/")
    page.get_by_role("link", name="Add several members").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Add several members to {demo.group.name}"
    )
    assert_no_serious_violations(page)

    page.get_by_label("Name or email").fill("quinlan")
    page.get_by_role("button", name="Find", exact=True).click()
    page.get_by_label(f"{found.full_name} ·").check()
    page.get_by_label("Or paste their email addresses").fill(f"{pasted.email}\n")
    page.get_by_role("button", name="Put them on the list").click()
    chosen = page.locator("#chosen")
    expect(chosen.get_by_role("listitem")).to_have_count(2)
    expect(page.get_by_label(f"Track of {found.full_name}")).to_have_value(GP)

    page.get_by_label("Name or email").fill(leader.email)
    page.get_by_role("button", name="Find", exact=True).click()
    page.get_by_label(f"{leader.full_name} ·").check()
    page.get_by_role("button", name=f"Add to {demo.group.name}").click()
    expect(page.get_by_role("alert")).to_contain_text(f"Choose a track for {leader.full_name}.")
    assert not demo.group.memberships.filter(person__in=[found, pasted, leader]).exists()
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    assert_no_serious_violations(page)
    save_screenshot(page, f"membership-bulk-add-{viewport}")
    # A form with errors comes back as 400, which the browser logs: expected here.
    assert browser_problems == [
        "console: Failed to load resource: the server responded with a status of 400 (Bad Request)"
    ]
    browser_problems.clear()

    page.get_by_label(f"Track of {leader.full_name}").select_option(GP)
    page.get_by_role("button", name=f"Add to {demo.group.name}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(demo.group.name)
    expect(page.get_by_role("status")).to_contain_text(f"Added to {demo.group.name}:")
    added = demo.group.memberships.filter(person__in=[found, pasted, leader])
    assert sorted(added.values_list("track", flat=True)) == [GP, GP, GP]
    assert browser_problems == []

"""Each role signs in through the real login page and sees its own home page,
at desktop and phone sizes, with no serious accessibility violation (axe-core).

Every test here runs once per viewport (the `page` fixture is parametrised).
"""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import (
    LOGIN_PATH,
    assert_no_serious_violations,
    open_navigation_if_collapsed,
    sign_in,
    sign_out,
)

pytestmark = pytest.mark.browser

# --- The sign-in page -----------------------------------------------------------------


def test_login_page_has_labelled_fields_and_no_serious_violations(page, browser_problems):
    page.goto(LOGIN_PATH)
    expect(page).to_have_title(re.compile("Sign in", re.IGNORECASE))
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Sign in", re.I))
    expect(page.get_by_label("Email")).to_be_editable()
    expect(page.get_by_label("Password")).to_be_editable()
    expect(page.get_by_role("main")).to_be_visible()
    # Sign-up is by invitation only: the page must not offer an open sign-up.
    expect(page.get_by_role("link", name=re.compile("sign up", re.I))).to_have_count(0)
    assert_no_serious_violations(page)
    assert browser_problems == []


def test_failed_sign_in_explains_the_error_accessibly(page, demo):
    page.goto(LOGIN_PATH)
    page.get_by_label("Email").fill(demo.trainee.email)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name=re.compile(r"^sign in$", re.I)).click()
    expect(page.get_by_role("alert")).to_contain_text(re.compile("not correct", re.I))
    expect(page.get_by_label("Email")).to_have_value(demo.trainee.email)
    assert_no_serious_violations(page)


# --- Each role's home page ------------------------------------------------------------


def test_trainee_sees_their_group_and_fellow_members(page, viewport, demo, browser_problems):
    sign_in(page, demo.trainee)

    section = page.get_by_role("region", name="Your groups")
    expect(section).to_be_visible()
    expect(section.get_by_role("link", name=demo.group.name, exact=True)).to_be_visible()
    for person in [demo.leader, *demo.fellow_members]:
        expect(section.get_by_text(person.full_name)).to_be_visible()
    expect(section.get_by_text(f"{demo.trainee.full_name} (you)")).to_be_visible()
    # Nothing an organiser or leader sees.
    expect(page.get_by_text("Groups you lead")).to_have_count(0)
    expect(page.get_by_role("link", name="Groups, people and invitations")).to_have_count(0)

    assert_no_serious_violations(page)
    sign_out(page, viewport)
    assert browser_problems == []


def test_leader_sees_the_groups_they_lead(page, viewport, demo, browser_problems):
    sign_in(page, demo.leader)

    section = page.get_by_role("region", name="Groups you lead")
    expect(section).to_be_visible()
    group_link = section.get_by_role("link", name=demo.group.name, exact=True)
    expect(group_link).to_be_visible()
    expect(page.get_by_role("link", name="Groups, people and invitations")).to_have_count(0)

    assert_no_serious_violations(page)
    group_link.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(demo.group.name)
    assert_no_serious_violations(page)
    sign_out(page, viewport)
    assert browser_problems == []


def test_organiser_sees_the_scheme(page, viewport, demo, browser_problems):
    sign_in(page, demo.organiser)

    section = page.get_by_role("region", name=re.compile(re.escape(demo.scheme.name)))
    expect(section).to_be_visible()
    # Six members, within the group's range: the home names only groups needing attention.
    expect(section).to_contain_text("Every group is within its size range today.")
    expect(section.get_by_role("link", name=demo.group.name, exact=True)).to_have_count(0)
    expect(page.get_by_role("link", name="Groups, people and invitations")).to_be_visible()
    expect(page.get_by_text("Groups you lead")).to_have_count(0)

    assert_no_serious_violations(page)
    section.get_by_role("link", name="All 1 group").click()
    expect(page.get_by_role("link", name=demo.group.name, exact=True)).to_be_visible()
    page.go_back()

    # The scheme is in the navigation too (behind the toggler on a phone).
    open_navigation_if_collapsed(page, viewport)
    page.get_by_role("navigation", name="Main").get_by_role("link", name=demo.scheme.name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(demo.scheme.name)
    assert_no_serious_violations(page)
    sign_out(page, viewport)
    assert browser_problems == []


# --- allauth's other pages, in the site's frame ---------------------------------------


def test_account_pages_have_labelled_fields_and_no_serious_violations(page, demo, browser_problems):
    page.goto("/accounts/password/reset/")
    expect(page.get_by_label("Email")).to_be_editable()
    assert_no_serious_violations(page)

    sign_in(page, demo.trainee)
    page.goto("/accounts/password/change/")
    expect(page.get_by_label("Current password")).to_be_editable()
    expect(page.get_by_label("New password")).to_have_count(2)  # and "(again)"
    assert_no_serious_violations(page)

    page.goto("/accounts/email/")
    expect(page.get_by_label(demo.trainee.email)).to_be_checked()
    assert_no_serious_violations(page)
    assert browser_problems == []


# --- Keyboard -------------------------------------------------------------------------


def test_first_tab_focuses_the_skip_link(page, demo):
    sign_in(page, demo.trainee)
    page.goto("/")

    page.keyboard.press("Tab")
    skip_link = page.get_by_role("link", name="Skip to main content")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_visible()

    page.keyboard.press("Enter")
    expect(page.get_by_role("main")).to_be_focused()

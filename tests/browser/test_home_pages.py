"""Each role signs in through the real login page and sees its own home page (issue 18):
the trainee's next presenting date and count, the leader's register, the organiser's
summary, on a desktop and a 320 px phone (END_SIZES), with no serious accessibility violation
(axe-core), no sideways scroll and no console error; a screenshot of each home is saved.

The other tests run once per viewport of the `page` fixture (desktop and phone).
"""

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from attendance.progress import STATUS_LABELS, status_counts
from sessions.models import Session
from tests.browser.conftest import END_SIZES
from tests.browser.helpers import (
    LOGIN_PATH,
    assert_no_serious_violations,
    mark_everyone_present,
    open_from_navigation,
    save_screenshot,
    sign_in,
    sign_out,
)
from tests.factories.attendance import attend, held_sessions
from tests.factories.rosters import ClashFactory
from tests.factories.sessions import DUBLIN, LeaveFactory, SessionFactory

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


# --- Each role's home page, at every size ---------------------------------------------
#
# The clock stands at 11:00 (Dublin) today, running: the group's 09:00 session of today
# is over and its register due. Data shaped like the demo: the trainee has 26 of 30, is
# on leave for next week's session and on call for the one after, which they present.

ATTENDED = 26


@dataclass
class HomeScene:
    today_session: Session
    on_leave: Session
    presenting: Session
    projected: Session


@pytest.fixture
def home_scene(demo) -> HomeScene:
    today = timezone.localdate()
    with time_machine.travel(datetime.combine(today, time(11), DUBLIN), tick=True):
        past = [today - timedelta(weeks=week) for week in range(ATTENDED, 0, -1)]
        attend(demo.trainee, held_sessions(demo.group, past), ["present"] * ATTENDED)
        sessions = [
            SessionFactory(group=demo.group, slot_date=today + timedelta(weeks=week))
            for week in range(7)
        ]
        sessions[0].presenter = demo.fellow_members[0]
        sessions[2].presenter = demo.trainee
        for session in sessions[:3]:
            session.save()
        LeaveFactory(person=demo.trainee, start_date=sessions[1].slot_date)
        ClashFactory(
            session=sessions[2],
            person=demo.trainee,
            shift_starts_at=sessions[2].starts_at - timedelta(hours=1),
            shift_ends_at=sessions[2].ends_at + timedelta(hours=10),
        )
        # Four sessions they can attend after the two they cannot: the sixth week's.
        yield HomeScene(sessions[0], sessions[1], sessions[2], sessions[6])


def day(session: Session) -> str:
    return f"{session.slot_date.day} {session.slot_date:%B}"


def check_the_page(page, name: str, problems: list[str]) -> None:
    """axe-core, no sideways scroll, no console errors; a screenshot for review."""
    assert_no_serious_violations(page)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert problems == []
    save_screenshot(page, name)


@pytest.mark.parametrize("size", END_SIZES)
def test_trainee_home_answers_when_they_present_and_when_they_reach_30(
    open_page, size, demo, home_scene, browser_problems
):
    page = open_page(size)
    sign_in(page, demo.trainee)

    section = page.get_by_role("region", name="Your training")
    presenting = section.get_by_role("article", name="You present next")
    expect(presenting).to_contain_text(
        f"{home_scene.presenting.slot_date:%a} {day(home_scene.presenting)}"
    )
    expect(presenting).to_contain_text("(in 14 days)")
    expect(presenting).to_contain_text("You are on call then.")
    swap = presenting.get_by_role("link", name=re.compile("^Ask to swap"))
    expect(swap).to_have_attribute("href", f"/sessions/{home_scene.presenting.pk}/swap/")

    count = section.get_by_role("article", name="Toward your requirement")
    expect(count).to_contain_text(f"{ATTENDED} of 30 sessions")
    expect(count.get_by_role("progressbar")).to_have_attribute("value", str(ATTENDED))
    projected = home_scene.projected.slot_date
    expect(count).to_contain_text(f"You reach 30 on {projected.day} {projected:%B %Y}")
    expect(count).to_contain_text(
        f"Left out as you cannot attend: {day(home_scene.on_leave)} (leave), "
        f"{day(home_scene.presenting)} (on call)."
    )
    expect(section.get_by_role("article", name="Next session")).to_contain_text("On leave")
    # Nothing of a leader's or an organiser's.
    expect(page.get_by_role("region", name="Groups you lead")).to_have_count(0)
    expect(page.get_by_role("link", name="Progress overview")).to_have_count(0)
    check_the_page(page, f"trainee-home-{size}", browser_problems)

    swap.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Swap your presenting date")
    sign_out(page, size)


@pytest.mark.parametrize("size", END_SIZES)
def test_leader_takes_the_register_from_the_home_card(
    open_page, size, demo, home_scene, browser_problems
):
    page = open_page(size)
    sign_in(page, demo.leader)

    card = page.get_by_role("region", name="Groups you lead").get_by_role(
        "article", name=demo.group.name
    )
    expect(card).to_contain_text("Today")
    expect(card).to_contain_text(f"Presenting: {demo.fellow_members[0].full_name}")
    # Six members, none away: at the group's minimum of six, so no warning.
    expect(card).to_contain_text("Expected: 6 of 6 members")
    expect(card.get_by_role("alert")).to_have_count(0)
    expect(page.get_by_role("region", name="Your training")).to_have_count(0)
    check_the_page(page, f"leader-home-{size}", browser_problems)

    card.get_by_role("link", name=f"Take register for {demo.group.name}").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Register ·")
    mark_everyone_present(page)
    page.get_by_role("button", name="Save register").click()
    expect(page.get_by_role("status")).to_contain_text("Register saved")
    assert home_scene.today_session.attendance.count() == 7  # the leader and six members

    open_from_navigation(page, size, "Home")
    expect(
        card.get_by_role("link", name=f"Open the register for {demo.group.name}")
    ).to_be_visible()
    sign_out(page, size)
    assert browser_problems == []


@pytest.mark.parametrize("size", END_SIZES)
def test_organiser_sees_how_many_trainees_have_each_status(
    open_page, size, demo, home_scene, browser_problems
):
    counts = status_counts(demo.scheme)
    page = open_page(size)
    sign_in(page, demo.organiser)

    section = page.get_by_role("region", name=re.compile(re.escape(demo.scheme.name)))
    for status, label in STATUS_LABELS.items():
        expect(
            section.get_by_role("link", name=f"{counts[status]} {label}", exact=True)
        ).to_be_visible()
    expect(page.get_by_role("region", name="Groups you lead")).to_have_count(0)
    check_the_page(page, f"organiser-home-{size}", browser_problems)

    section.get_by_role("link", name=f"{counts['at_risk']} At risk", exact=True).click()
    expect(page).to_have_url(re.compile(r"/overview/\?status=at_risk$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(demo.scheme.name)
    sign_out(page, size)
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

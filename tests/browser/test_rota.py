"""Issue 3 in the browser: a leader generates a term and fills the presenter rota;
a trainee then finds their presenting date on a phone.

The leader's part runs at desktop and phone sizes (the `page` fixture is
parametrised); the trainee's part is always on a phone-sized screen.
"""

import re
from datetime import date, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from groups.models import BalintGroup
from sessions.models import Session
from sessions.schedule.planning import public_holidays
from tests.browser.helpers import (
    assert_no_serious_violations,
    open_from_navigation,
    save_screenshot,
    sign_in,
)
from tests.factories.sessions import SessionFactory, SwapRequestFactory

pytestmark = pytest.mark.browser

TERM_WEEKS = 10


def next_monday_holiday(scheme, after: date) -> tuple[date, str]:
    """The scheme's first public holiday falling on a Monday after `after`.

    Ireland has several bank-holiday Mondays a year, so one is always within reach.
    """
    found = public_holidays(
        country=scheme.holiday_country,
        subdivision=scheme.holiday_subdivision,
        years=range(after.year, after.year + 2),
    )
    return min((day, name) for day, name in found.items() if day > after and day.weekday() == 0)


def day_label(day: date) -> str:
    """A date as the pages write it in labels: "1 Feb"."""
    return f"{day.day} {day:%b}"


def test_leader_generates_a_term_and_fills_the_rota_then_trainee_sees_it_on_a_phone(
    page: Page, open_page, viewport, demo, browser_problems
):
    group = demo.group
    group.name = "Monday Morning"
    group.meeting_weekday = BalintGroup.Weekday.MONDAY
    group.save()
    members = [demo.trainee, *demo.fellow_members]

    # A term of Mondays that starts after today and takes in a bank-holiday Monday.
    today = timezone.localdate()
    holiday, holiday_name = next_monday_holiday(demo.scheme, after=today + timedelta(days=7))
    start = holiday - timedelta(weeks=1)
    end = start + timedelta(weeks=TERM_WEEKS - 1)

    # --- The leader: group page -> sessions -> generate a term ---------------------------
    sign_in(page, demo.leader)
    page.get_by_role("region", name="Groups you lead").get_by_role(
        "link", name=group.name, exact=True
    ).click()
    page.get_by_role("link", name="Sessions and presenter rota").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Sessions of {group.name}")
    expect(page.get_by_role("cell", name=re.compile("No upcoming sessions"))).to_be_visible()
    assert_no_serious_violations(page)

    page.get_by_role("link", name="Generate a term").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Generate a term for {group.name}")
    page.get_by_label("First day of the term").fill(start.isoformat())
    page.get_by_label("Last day of the term").fill(end.isoformat())
    assert_no_serious_violations(page)
    page.get_by_role("button", name="Preview dates").click()

    preview = page.get_by_role("region", name="Preview")
    expect(preview).to_be_visible()
    items = preview.get_by_role("listitem")
    expect(items).to_have_count(TERM_WEEKS)
    expect(items.nth(0)).to_have_text(f"{start:%a} {start.day} {start:%b %Y}, 09:00")
    holiday_item = items.filter(has_text=f"{holiday:%a} {holiday.day} {holiday:%b %Y}")
    expect(holiday_item).to_contain_text(f"skipped: Public holiday: {holiday_name}")
    skipped = items.filter(has_text="skipped:")
    to_create = TERM_WEEKS - skipped.count()
    # Enough sessions for every member to present at least once.
    assert to_create >= len(members)
    assert Session.objects.filter(group=group).count() == 0, "a preview saves nothing"
    assert_no_serious_violations(page)

    page.get_by_role("button", name="Create these sessions").click()
    expect(page.get_by_role("status")).to_contain_text(
        f"{to_create} sessions added to {group.name}."
    )
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Sessions of {group.name}")
    sessions = list(Session.objects.filter(group=group).order_by("starts_at"))
    assert len(sessions) == to_create
    assert holiday not in {s.slot_date for s in sessions}
    for session in sessions:
        expect(
            page.get_by_label(f"Presenter on {day_label(session.slot_date)}", exact=True)
        ).to_have_value("")

    # --- Fill the rota ---------------------------------------------------------------------
    page.get_by_role("button", name="Assign presenters").click()
    expect(page.get_by_role("status")).to_contain_text(
        f"Presenters assigned to {to_create} sessions."
    )
    presenters = dict(
        Session.objects.filter(group=group).values_list("slot_date", "presenter__full_name")
    )
    for session in sessions:
        chosen = page.get_by_label(f"Presenter on {day_label(session.slot_date)}", exact=True)
        expect(chosen).not_to_have_value("")
        expect(chosen.locator("option:checked")).to_have_text(presenters[session.slot_date])
    # The leader is never given a date; every member is, fairly.
    assert demo.leader.full_name not in presenters.values()
    assert set(presenters.values()) == {m.full_name for m in members}
    assert_no_serious_violations(page)

    # --- The trainee, on a phone: My rota --------------------------------------------------
    mine = Session.objects.filter(group=group, presenter=demo.trainee).order_by("starts_at")
    first = mine.first()
    phone = open_page("phone")
    sign_in(phone, demo.trainee)
    open_from_navigation(phone, "phone", "My rota")
    expect(phone.get_by_role("heading", level=1)).to_have_text("My rota")

    days = (first.slot_date - timezone.localdate()).days
    banner = phone.locator("#next-presentation")
    expect(banner).to_contain_text(f"You present in {days} days")
    expect(banner).to_contain_text(f"{group.name}, {first.slot_date:%A} {first.slot_date.day}")

    upcoming = phone.locator("main ul.list-group")
    expect(upcoming.get_by_role("listitem")).to_have_count(to_create)
    own = upcoming.get_by_role("listitem").filter(has_text="You present")
    expect(own).to_have_count(mine.count())
    for index, session in enumerate(mine):
        item = own.nth(index)
        expect(item).to_contain_text(f"{session.slot_date:%a} {session.slot_date.day}")
        # Highlighted, and not only by colour: the words say it too.
        expect(item).to_have_class(re.compile(r"\blist-group-item-warning\b"))
        expect(item.get_by_role("link", name="Ask to swap")).to_be_visible()
    # Someone else's date names its presenter.
    other = upcoming.get_by_role("listitem").filter(has_not_text="You present").first
    expect(other).to_contain_text(re.compile(r"Presenter:\s+Dr "))
    assert_no_serious_violations(phone)

    assert browser_problems == []


def test_a_trainee_confirms_a_swap_that_makes_them_present_tomorrow(
    open_page, demo, browser_problems
):
    """Issue 18: accepting a swap onto a date within 48 hours asks first; the trainee's own
    request stays on My rota until answered."""
    fellow, other = demo.fellow_members[:2]
    today = timezone.localdate()
    tomorrow = SessionFactory(
        group=demo.group, slot_date=today + timedelta(days=1), presenter=fellow
    )
    mine = SessionFactory(
        group=demo.group, slot_date=today + timedelta(days=14), presenter=demo.trainee
    )
    later = SessionFactory(group=demo.group, slot_date=today + timedelta(days=21), presenter=other)
    SwapRequestFactory(requester_session=tomorrow, recipient_session=mine)
    SwapRequestFactory(requester_session=mine, recipient_session=later)  # the trainee's own

    phone = open_page("phone")
    sign_in(phone, demo.trainee)
    open_from_navigation(phone, "phone", "My rota")
    incoming = phone.locator(".swap-to-me")
    expect(incoming).to_contain_text(f"{fellow.full_name} asks to swap")
    expect(incoming).to_contain_text("That is within 48 hours")
    own = phone.locator(".swap-from-me")
    expect(own).to_contain_text(f"You asked {other.full_name} to swap")
    expect(phone.locator(".swap-asked")).to_contain_text("waiting for their answer")
    assert_no_serious_violations(phone)

    incoming.get_by_role("button", name="Accept swap…").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text(
        f"Accept the swap with {fellow.full_name}?"
    )
    expect(phone.locator("#presents-soon")).to_contain_text("That is within 48 hours.")
    expect(phone.locator("#closes")).to_contain_text(f"Your request to {other.full_name}")
    assert_no_serious_violations(phone)
    save_screenshot(phone, "swap-confirm-phone")

    phone.get_by_role("button", name="Yes, accept the swap").click()
    expect(phone.get_by_role("status")).to_contain_text("Swap accepted")
    item = (
        phone.locator("main ul.list-group")
        .get_by_role("listitem")
        .filter(
            has_text=f"{tomorrow.slot_date:%a} {tomorrow.slot_date.day} {tomorrow.slot_date:%b}"
        )
    )
    expect(item).to_contain_text("You present")
    expect(phone.locator(".swap-from-me")).to_have_count(0)
    assert browser_problems == []


def test_the_calendar_page_copies_the_address_and_offers_each_calendar(
    open_page, demo, browser_problems
):
    phone = open_page("small phone")
    phone.context.grant_permissions(["clipboard-read", "clipboard-write"])
    sign_in(phone, demo.trainee)
    phone.goto("/rota/")
    phone.get_by_role("link", name="Add to my calendar").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text(
        "Add Balint sessions to your calendar"
    )

    address = phone.get_by_label("Your calendar address").input_value()
    assert address.startswith("http://") and address.endswith(".ics")
    subscribe = phone.get_by_role("link", name="Subscribe in your calendar app")
    expect(subscribe).to_have_attribute("href", "webcal://" + address.split("://", 1)[1])
    for name in ("Add to Google Calendar", "Add to Outlook.com"):
        expect(phone.get_by_role("link", name=name)).to_be_visible()

    phone.get_by_role("button", name="Copy").click()  # shown by static/js/copy.js
    expect(phone.locator("#copy-status")).to_have_text("Copied.")
    assert phone.evaluate("navigator.clipboard.readText()") == address
    assert phone.evaluate("document.documentElement.scrollWidth") <= 320
    assert_no_serious_violations(phone)
    assert browser_problems == []


def test_a_trainee_volunteers_on_a_phone_and_the_leader_plans_it(open_page, demo, browser_problems):
    """Issue 19: the trainee offers to present on a date; the leader plans the rota and the
    volunteer has that date, the page saying why."""
    today = timezone.localdate()
    sessions = [
        SessionFactory(group=demo.group, slot_date=today + timedelta(days=7 * week))
        for week in range(1, 7)
    ]
    wanted = sessions[3]  # the rota alone would give it to a fellow member
    when = f"{wanted.slot_date:%a} {wanted.slot_date.day} {wanted.slot_date:%b}"

    phone = open_page("phone")
    sign_in(phone, demo.trainee)
    open_from_navigation(phone, "phone", "My rota")
    item = phone.locator("main ul.list-group").get_by_role("listitem").filter(has_text=when)
    item.get_by_role("button", name=re.compile("^Volunteer to present")).click()
    expect(phone.get_by_role("status")).to_contain_text(f"Thank you: the rota gives you {when}")
    expect(item).to_contain_text("You volunteered")
    expect(item.get_by_role("button", name=re.compile("^Withdraw offer"))).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    assert_no_serious_violations(phone)

    leader = open_page("desktop")
    sign_in(leader, demo.leader)
    leader.goto(f"/groups/{demo.group.pk}/sessions/")
    leader.get_by_role("link", name="Presenter rota", exact=True).click()
    expect(leader.get_by_role("heading", level=1)).to_have_text(
        f"Presenter rota of {demo.group.name}"
    )
    expect(leader.locator("#offers")).to_contain_text(f"{demo.trainee.full_name} · Volunteered")
    leader.get_by_role("button", name="Assign presenters").click()
    expect(leader.get_by_role("status")).to_contain_text("Presenters assigned to 6 sessions.")
    expect(leader.locator("#offers")).to_contain_text(
        f"{when}: {demo.trainee.full_name} · Volunteered · presents"
    )
    # Their first date comes by the rota's order: the page says so.
    expect(
        leader.locator("#standings").get_by_role("row").filter(has_text=demo.trainee.full_name)
    ).to_contain_text("fewest presentations (0)")
    assert_no_serious_violations(leader)
    wanted.refresh_from_db()
    assert wanted.presenter == demo.trainee

    phone.reload()
    expect(item).to_contain_text("You present")
    # Their first date: the note on presenting is a tap away.
    phone.locator("#first-time").get_by_role("link", name="Presenting at Balint").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Presenting at Balint")
    assert_no_serious_violations(phone)
    assert browser_problems == []

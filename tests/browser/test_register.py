"""Issues 4 and 18 in the browser: a leader takes the register of last week's session on
a phone (and at desktop size): everyone present in one tap, the exceptions marked, Save in
reach without scrolling; a correction asks why and shows in the history; the trainee
marked late sees their count go up.

The leader and the trainee each have their own browser context, both at the size
the test runs at (the `page` fixture is parametrised).
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from attendance.models import Attendance
from sessions.models import Session
from tests.browser.helpers import (
    assert_no_serious_violations,
    mark_everyone_present,
    open_from_navigation,
    sign_in,
)
from tests.factories.attendance import attend, held_sessions
from tests.factories.sessions import SessionFactory

pytestmark = pytest.mark.browser


def progress_card(page: Page, scheme):
    return page.get_by_role("region", name=scheme.name)


def test_leader_takes_the_register_and_the_late_trainee_counts(
    page: Page, open_page, viewport, demo, browser_problems
):
    today = timezone.localdate()
    # Two sessions already counted for the trainee, and last week's, whose register
    # nobody has taken yet.
    earlier = held_sessions(demo.group, [today - timedelta(weeks=3), today - timedelta(weeks=2)])
    attend(demo.trainee, earlier, [Attendance.Status.PRESENT, Attendance.Status.PRESENT])
    session = SessionFactory(group=demo.group, slot_date=today - timedelta(weeks=1))
    absentee = demo.fellow_members[0]
    required = demo.scheme.requirement.sessions_required

    # --- Before: the trainee's progress -------------------------------------------------
    trainee_page = open_page(viewport)
    sign_in(trainee_page, demo.trainee)
    open_from_navigation(trainee_page, viewport, "Progress")
    expect(trainee_page.get_by_role("heading", level=1)).to_have_text("My progress")
    card = progress_card(trainee_page, demo.scheme)
    expect(card).to_contain_text(f"2 of {required} sessions")
    expect(card.get_by_role("progressbar")).to_have_attribute("value", "2")
    assert_no_serious_violations(trainee_page)

    # --- The leader takes the register ---------------------------------------------------
    sign_in(page, demo.leader)
    page.goto(f"/groups/{demo.group.pk}/sessions/")  # the home card's way in: its own test
    registers = page.get_by_role("region", name="Registers")
    when = f"{session.slot_date.day} {session.slot_date:%b}"
    registers.get_by_role("link", name=f"Take register for {when}").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        f"Register · {session.slot_date:%a} {session.slot_date.day}"
    )
    # No one is marked until the leader says so; Save is in reach without scrolling.
    everyone = [demo.leader, demo.trainee, *demo.fellow_members]
    save = page.get_by_role("button", name="Save register")
    marked = page.get_by_text(re.compile(r"\d+ of \d+ marked"))
    expect(page.get_by_role("radio", checked=True)).to_have_count(0)
    expect(marked).to_have_text(f"0 of {len(everyone)} marked")
    expect(save).to_be_in_viewport()
    assert_no_serious_violations(page)

    # One tap marks everyone present; the radios are drawn as buttons, tapped by label.
    mark_everyone_present(page)
    for person in everyone:
        line = page.get_by_role("group", name=person.full_name)
        expect(line.get_by_role("radio", name="Present")).to_be_checked()
    expect(marked).to_have_text(f"{len(everyone)} of {len(everyone)} marked")
    late_line = page.get_by_role("group", name=demo.trainee.full_name)
    late_line.locator("label", has_text="Late").click()
    expect(late_line.get_by_role("radio", name="Late")).to_be_checked()
    expect(late_line.get_by_role("radio", name="Present")).not_to_be_checked()
    absent_line = page.get_by_role("group", name=absentee.full_name)
    absent_line.locator("label", has_text="Absent").click()
    expect(absent_line.get_by_role("radio", name="Absent")).to_be_checked()
    expect(save).to_be_in_viewport()  # the bar stays at the foot of the screen

    save.click()
    present = len(everyone) - 2
    expect(page.get_by_role("status")).to_contain_text(
        f"Register saved: {present} present, 1 late, 1 absent."
    )
    # The saved register shows what was chosen, and the session is now held.
    expect(late_line.get_by_role("radio", name="Late")).to_be_checked()
    expect(absent_line.get_by_role("radio", name="Absent")).to_be_checked()
    expect(page.get_by_text("Held", exact=True)).to_be_visible()
    assert_no_serious_violations(page)
    session.refresh_from_db()
    assert session.status == Session.Status.HELD
    statuses = dict(session.attendance.values_list("person__full_name", "status"))
    assert statuses[demo.trainee.full_name] == Attendance.Status.LATE
    assert statuses[absentee.full_name] == Attendance.Status.ABSENT

    # --- A correction, the session's day past, asks why -----------------------------------
    absent_line.locator("label", has_text="Present").click()
    save.click()
    reason = page.get_by_label("Reason for changing saved entries")
    expect(reason).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("Say why the register is changed")).to_be_visible()
    expect(absent_line.get_by_role("radio", name="Present")).to_be_checked()  # kept
    reason.fill("Arrived after the register was taken.")
    save.click()
    expect(page.get_by_role("status")).to_contain_text(
        f"Register saved: {present + 1} present, 1 late."
    )
    page.get_by_role("link", name="History of changes").click()
    history = page.get_by_role("table")
    expect(history.get_by_role("row").filter(has_text="Arrived after")).to_contain_text(
        f"{absentee.full_name} Absent Present Arrived after the register was taken."
    )
    assert_no_serious_violations(page)

    # The group page now offers to edit it rather than take it.
    page.get_by_role("link", name=demo.group.name).first.click()
    expect(
        page.get_by_role("region", name="Registers").get_by_role(
            "link", name=f"Edit register for {when}"
        )
    ).to_be_visible()

    # --- After: late counts, by default --------------------------------------------------
    trainee_page.reload()
    expect(card).to_contain_text(f"3 of {required} sessions")
    expect(card.get_by_role("progressbar")).to_have_attribute("value", "3")
    card.get_by_text("Latest sessions counted").click()
    expect(card.get_by_role("listitem").filter(has_text="Late")).to_contain_text(
        f"{session.slot_date.day} {session.slot_date:%b %Y} · {demo.group.name} · Late"
    )
    assert_no_serious_violations(trainee_page)

    # The correction refused for want of a reason answered 400, as refused forms do.
    assert [p for p in browser_problems if "status of 400" not in p] == []

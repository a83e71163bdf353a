"""Issue 6 in the browser: a trainee brings in their on-call roster and sees the clash on
their rota; an organiser previews a scheme-wide roster and applies it. Each page is
scanned with axe-core and must load without a console error (a CSP refusal shows there).
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from sessions.models import OnCallShift
from tests.browser.helpers import assert_no_serious_violations, open_from_navigation, sign_in
from tests.factories.sessions import SessionFactory

pytestmark = pytest.mark.browser


def a_session_a_week_ahead(demo):
    day = timezone.localdate() + timedelta(days=7)
    SessionFactory(group=demo.group, slot_date=day)
    return day


def test_trainee_uploads_a_roster_and_sees_the_clash(
    page: Page, viewport, demo, browser_problems, tmp_path
):
    day = a_session_a_week_ahead(demo)
    bad = tmp_path / "rota.csv"
    bad.write_text(f"start,end,shift_type\n{day} 20:00,{day} 08:00,Night\n")
    good = tmp_path / "hospital-rota.csv"
    good.write_text(f"start,end,shift_type\n{day} 08:00,{day} 20:00,Day on call\n")

    sign_in(page, demo.trainee)
    open_from_navigation(page, viewport, "My rota")
    page.get_by_role("link", name="On-call roster").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My on-call roster")
    assert_no_serious_violations(page)

    page.get_by_role("link", name="Upload a roster file").click()
    page.get_by_label("Roster file").set_input_files(bad)
    page.get_by_role("button", name="Upload roster").click()
    problems = page.locator("#import-problems")
    expect(problems).to_contain_text("rota.csv, line 2, field 'end': The shift ends before")
    assert_no_serious_violations(page)
    assert not OnCallShift.objects.exists()

    page.get_by_label("Roster file").set_input_files(good)
    page.get_by_role("button", name="Upload roster").click()
    expect(page.get_by_role("status")).to_contain_text("1 shift saved")
    expect(page.locator(".clash")).to_contain_text("on call")
    assert_no_serious_violations(page)

    page.get_by_role("link", name="My rota").last.click()
    expect(page.locator(".clash")).to_contain_text("On-call clash")
    assert_no_serious_violations(page)
    # The refused file was answered 400, as a form with errors is; nothing else went wrong.
    assert [p for p in browser_problems if "status of 400" not in p] == []


def test_organiser_previews_and_applies_a_scheme_roster(
    open_page, demo, browser_problems, tmp_path
):
    page = open_page("desktop")
    day = a_session_a_week_ahead(demo)
    rota = tmp_path / "scheme-rota.csv"
    rota.write_text(
        "email,registration_number,start,end,shift_type\n"
        f"{demo.trainee.email},,{day - timedelta(days=1)} 20:00,{day} 09:30,Night\n"
        f"{demo.fellow_members[0].email},,{day},{day},Day\n"
    )

    sign_in(page, demo.organiser)
    page.goto(f"/schemes/{demo.scheme.pk}/")
    page.get_by_role("link", name="On-call rosters").click()
    assert_no_serious_violations(page)
    page.get_by_label("Roster export").set_input_files(rota)
    page.get_by_role("button", name="Upload and preview").click()

    expect(page.locator("#preview-summary")).to_contain_text("2 shifts of 2 people")
    expect(page.get_by_role("table")).to_contain_text(demo.trainee.full_name)
    assert_no_serious_violations(page)
    assert not OnCallShift.objects.exists()

    page.get_by_role("button", name=re.compile("Apply these 2 shifts")).click()
    expect(page.get_by_role("status")).to_contain_text("2 shifts saved")
    assert OnCallShift.objects.count() == 2

    page.goto(f"/groups/{demo.group.pk}/sessions/")
    expect(page.locator(".on-call")).to_contain_text(demo.trainee.full_name)
    assert browser_problems == []

"""Issue 5 in the browser: an organiser issues a completion certificate, anyone can
verify it without signing in, and the trainee finds it on their progress page.

Runs at desktop and phone sizes (the `page` fixture is parametrised). The scheme
requires only three sessions, to keep the data small.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from attendance.models import Attendance, Certificate
from tests.browser.helpers import assert_no_serious_violations, open_from_navigation, sign_in
from tests.factories.attendance import attend, held_sessions

pytestmark = pytest.mark.browser

REQUIRED = 3
UNKNOWN_CODE = "ZZZZZZZZZZ"


def test_organiser_issues_a_certificate_that_anyone_can_verify(
    page: Page, open_page, viewport, demo, browser_problems
):
    demo.scheme.requirement.sessions_required = REQUIRED
    demo.scheme.requirement.save()
    today = timezone.localdate()
    held = held_sessions(demo.group, [today - timedelta(weeks=w) for w in (3, 2, 1)])
    attend(demo.trainee, held, [Attendance.Status.PRESENT] * REQUIRED)
    # One session short: listed nowhere on the certificates page.
    almost = demo.fellow_members[0]
    attend(almost, held[:-1], [Attendance.Status.PRESENT] * (REQUIRED - 1))

    # --- The organiser issues it -------------------------------------------------------
    sign_in(page, demo.organiser)
    page.get_by_role("link", name="Certificates").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Completion certificates · {demo.scheme.name}"
    )
    eligible = page.get_by_role("region", name="Eligible trainees")
    row = eligible.get_by_role("row").filter(has_text=demo.trainee.full_name)
    expect(row).to_contain_text("None yet")
    expect(eligible.get_by_text(almost.full_name)).to_have_count(0)
    issued = page.get_by_role("region", name="Issued certificates")
    expect(issued.get_by_role("cell", name="None issued yet.")).to_be_visible()
    assert_no_serious_violations(page)

    row.get_by_role("button", name=f"Issue certificate for {demo.trainee.full_name}").click()
    certificate = Certificate.objects.get(trainee=demo.trainee)
    expect(page.get_by_role("status")).to_contain_text(
        f"Certificate {certificate.display_code} issued to {demo.trainee.full_name}."
    )
    listed = issued.get_by_role("row").filter(has_text=certificate.display_code)
    expect(listed).to_contain_text(demo.trainee.full_name)
    expect(listed.get_by_role("cell", name=str(REQUIRED), exact=True)).to_be_visible()
    expect(listed.get_by_text("Valid", exact=True)).to_be_visible()
    expect(listed.get_by_role("link", name=f"PDF of {certificate.display_code}")).to_be_visible()
    expect(row).to_contain_text("Up to date")
    assert_no_serious_violations(page)

    # --- Anyone verifies it, without signing in -----------------------------------------
    public = open_page(viewport)
    public.goto(f"/verify/{certificate.code}/")
    expect(public.get_by_role("status")).to_have_text("Valid certificate.")
    details = public.locator("dl")
    expect(details).to_contain_text(demo.trainee.full_name)
    expect(details).to_contain_text(demo.scheme.name)
    expect(details).to_contain_text(certificate.display_code)
    # Nothing to sign out of: the public page offers no navigation for members.
    expect(public.get_by_role("button", name="Sign out")).to_have_count(0)
    assert_no_serious_violations(public)

    # A code typed by hand, in lower case with its hyphens, finds it too.
    public.goto("/verify/")
    public.get_by_label("Verification code").fill(certificate.display_code.lower())
    public.get_by_role("button", name="Check").click()
    expect(public).to_have_url(re.compile(f"/verify/{certificate.code}/$"))
    expect(public.get_by_role("status")).to_have_text("Valid certificate.")

    public.goto(f"/verify/{UNKNOWN_CODE}/")
    expect(public.get_by_role("status")).to_contain_text("No certificate has this code.")
    expect(public.get_by_text(demo.trainee.full_name)).to_have_count(0)
    assert_no_serious_violations(public)

    # --- The trainee finds it on their progress page -------------------------------------
    trainee_page = open_page(viewport)
    sign_in(trainee_page, demo.trainee)
    open_from_navigation(trainee_page, viewport, "Progress")
    card = trainee_page.get_by_role("region", name=demo.scheme.name)
    expect(card).to_contain_text(f"{REQUIRED} of {REQUIRED} sessions")
    expect(card).to_contain_text("Requirement met.")
    download = card.get_by_role("link", name="Download your certificate")
    expect(download).to_be_visible()
    expect(download).to_have_attribute("href", f"/certificates/{certificate.pk}.pdf")
    expect(card).to_contain_text(f"Code {certificate.display_code}")
    # The link serves the PDF to its holder (fetched with the trainee's cookies).
    response = trainee_page.request.get(download.get_attribute("href"))
    assert response.ok
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")
    assert_no_serious_violations(trainee_page)

    # The unknown code answers 404, which Chromium logs as a failed resource; nothing else.
    assert [p for p in browser_problems if "status of 404" not in p] == []

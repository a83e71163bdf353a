"""Issue 5 in the browser: an organiser issues a completion certificate, anyone can
verify it without signing in, and the trainee finds it on their progress page. Issue 18:
the organiser gives the certificates the scheme's mark and the leader's signature, and
issues them for everyone eligible with a confirmation and a page that follows the work.

Runs at desktop and phone sizes (the `page` fixture is parametrised). The scheme
requires only three sessions, to keep the data small.
"""

import io
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from attendance import services
from attendance.models import Attendance, Certificate
from tests.browser.conftest import END_SIZES, VIEWPORTS
from tests.browser.helpers import (
    assert_no_serious_violations,
    fits_the_screen,
    open_from_navigation,
    sign_in,
)
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


def _mark_png() -> bytes:
    from PIL import Image, ImageDraw

    picture = Image.new("RGBA", (360, 120), (0, 0, 0, 0))
    ImageDraw.Draw(picture).ellipse((4, 4, 116, 116), fill=(31, 59, 87, 255))
    out = io.BytesIO()
    picture.save(out, "PNG")
    return out.getvalue()


def _no_sideways_scroll(page: Page, viewport: str) -> None:
    fits_the_screen(page, VIEWPORTS[viewport]["viewport"]["width"])


@pytest.mark.parametrize("viewport", END_SIZES, indirect=True)
def test_organiser_designs_the_certificate_and_issues_for_everyone_eligible(
    page: Page, viewport, demo, browser_problems, monkeypatch
):
    demo.scheme.requirement.sessions_required = REQUIRED
    demo.scheme.requirement.save()
    today = timezone.localdate()
    held = held_sessions(demo.group, [today - timedelta(weeks=w) for w in (3, 2, 1)])
    attend(demo.leader, held, [Attendance.Status.PRESENT] * REQUIRED, role=Attendance.Role.LEADER)
    eligible = [demo.trainee, *demo.fellow_members[:2]]
    for person in eligible:
        attend(person, held, [Attendance.Status.PRESENT] * REQUIRED)
    # The worker is held back: the page must follow the work, then show the result.
    queued = []
    monkeypatch.setattr(services, "enqueue_on_commit", lambda *task: queued.append(task))
    certificates_url = f"/schemes/{demo.scheme.pk}/certificates/"

    # --- The design: a mark and the leader's signature -----------------------------------
    sign_in(page, demo.organiser)
    page.goto(certificates_url)
    page.get_by_role("link", name="Certificate design").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Certificate design · {demo.scheme.name}"
    )
    expect(page.get_by_text("None: certificates print the scheme’s name alone.")).to_be_visible()
    page.get_by_label("Scheme mark").set_input_files(
        {"name": "mark.png", "mimeType": "image/png", "buffer": _mark_png()}
    )
    page.get_by_label("The trainee’s group leader signs too").check()
    page.get_by_role("button", name="Save the design").click()
    expect(page.get_by_role("status")).to_contain_text("Saved: every certificate printed")
    expect(page.get_by_role("img", name=re.compile("The mark printed on"))).to_be_visible()
    expect(page.get_by_label("The trainee’s group leader signs too")).to_be_checked()
    _no_sideways_scroll(page, viewport)
    assert_no_serious_violations(page)

    # --- Issuing for everyone eligible: confirm, follow, result --------------------------
    page.goto(certificates_url)
    page.get_by_role("link", name="Issue certificates for everyone eligible").click()
    expect(page.get_by_text("3 certificates will be issued")).to_be_visible()
    who = page.get_by_role("region", name="Who gets one")
    for person in eligible:
        expect(who.get_by_text(person.full_name)).to_be_visible()
    _no_sideways_scroll(page, viewport)
    assert_no_serious_violations(page)

    page.get_by_role("button", name="Issue 3 certificates").click()
    expect(page.get_by_text("0 of 3 certificates issued.")).to_be_visible()
    expect(page.locator("#issuing-progress")).to_have_attribute("max", "3")
    assert_no_serious_violations(page)
    assert [name for name, *_ in queued] == ["attendance.tasks.issue_eligible_certificates"]
    services.certificates_issue_eligible(actor=demo.organiser, scheme=demo.scheme)  # the worker

    # The script sees the work done and shows the result, with no reload by hand.
    expect(page.get_by_role("status")).to_contain_text("Done: 3 certificates issued.")
    issued = page.get_by_role("region", name="Issued")
    for certificate in Certificate.objects.filter(scheme=demo.scheme):
        expect(issued).to_contain_text(f"{certificate.holder_name} · {certificate.display_code}")
    _no_sideways_scroll(page, viewport)
    assert_no_serious_violations(page)

    page.get_by_role("link", name="See the issued certificates").click()
    expect(page.get_by_role("region", name="Issued certificates")).to_contain_text(
        demo.trainee.full_name
    )
    _no_sideways_scroll(page, viewport)
    assert_no_serious_violations(page)

    # --- The certificate carries the design ------------------------------------------------
    certificate = Certificate.objects.get(trainee=demo.trainee)
    response = page.request.get(f"/certificates/{certificate.pk}.pdf")
    (pdf_page,) = PdfReader(io.BytesIO(response.body())).pages
    text = " ".join(pdf_page.extract_text().split())
    assert f"{demo.leader.full_name} Group leader, {demo.group.name}" in text
    assert f"{demo.organiser.full_name} Scheme organiser" in text
    assert len(pdf_page.images) == 2  # the mark and the QR code
    assert browser_problems == []

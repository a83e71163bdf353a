"""Privacy pages in a real browser: a trainee downloads their data, an organiser erases a
person who has left and reads the access log, anyone reads the privacy notice. No
serious accessibility violation, nothing refused by the CSP.

Every test here runs once per viewport (the `page` fixture is parametrised).
"""

import io
import re
import zipfile
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from groups.models import ERASED_NAME, AccessLogEntry, PersonErasure
from tests import factories
from tests.browser.helpers import LOGIN_PATH, assert_no_serious_violations, sign_in

pytestmark = pytest.mark.browser


def test_the_privacy_notice_is_reachable_from_the_sign_in_page(page, demo, browser_problems):
    demo.scheme.controller_name = "Dublin Training Body"
    demo.scheme.save()
    page.goto(LOGIN_PATH)

    page.get_by_role("main").get_by_role("link", name=re.compile("privacy notice", re.I)).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Privacy notice")
    expect(page.get_by_text("Dublin Training Body")).to_be_visible()
    assert_no_serious_violations(page)
    assert browser_problems == []


def test_a_trainee_downloads_their_data_from_the_footer(page, demo, browser_problems):
    sign_in(page, demo.trainee)

    page.get_by_role("contentinfo").get_by_role("link", name="My data").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My data")
    assert_no_serious_violations(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download my data (ZIP)").click()

    archive = zipfile.ZipFile(io.BytesIO(download.value.path().read_bytes()))
    assert "README.txt" in archive.namelist()
    assert demo.trainee.email in archive.read("account.json").decode()
    assert demo.leader.email not in archive.read("account.json").decode()
    assert browser_problems == []


def test_an_organiser_erases_someone_who_has_left(page, demo, browser_problems):
    today = timezone.localdate()
    left = factories.MembershipFactory(
        group=demo.group,
        person__full_name="Dr Former Member",
        start_date=today - timedelta(days=200),
        end_date=today - timedelta(days=10),
    ).person
    sign_in(page, demo.organiser)
    page.goto(f"/schemes/{demo.scheme.pk}/")
    page.get_by_role("link", name="Everyone in the scheme").click()
    page.get_by_role("searchbox", name="Name, email or registration number").fill("former")
    page.get_by_role("button", name="Find").click()

    page.get_by_role("link", name="Erase… the record of Dr Former Member").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Erase the record of Dr Former Member"
    )
    assert_no_serious_violations(page)
    page.get_by_label(re.compile("email address to confirm")).fill(left.email)
    page.get_by_role("button", name="Erase this record").click()

    expect(page.get_by_role("status")).to_contain_text(f"it now shows as “{ERASED_NAME}”")
    expect(page.get_by_text("Dr Former Member")).to_have_count(0)
    assert PersonErasure.objects.filter(person=left).exists()
    assert browser_problems == []


def test_an_organiser_reads_the_access_log(page, demo, browser_problems):
    sign_in(page, demo.organiser)
    AccessLogEntry.objects.create(
        actor=demo.organiser,
        action=AccessLogEntry.Action.OVERVIEW_EXPORT,
        scheme=demo.scheme,
        description="Dublin overview (CSV)",
    )
    page.goto(f"/schemes/{demo.scheme.pk}/")

    page.get_by_role("link", name="Access log").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Access log")
    expect(page.get_by_role("cell", name="Dublin overview (CSV)")).to_be_visible()
    assert_no_serious_violations(page)
    page.goto(f"/schemes/{demo.scheme.pk}/privacy/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Privacy settings")
    assert_no_serious_violations(page)
    assert browser_problems == []

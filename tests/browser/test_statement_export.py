"""An organiser asks for the statements of attendance of every current trainee in a ZIP
from the scheme's overview, follows the worker's progress on a page that updates by
itself, and downloads the ZIP once it is ready. At desktop and small-phone sizes."""

import io
import zipfile

import pytest
from django.utils.text import slugify
from playwright.sync_api import Page, expect

from attendance import statement_exports
from attendance.models import StatementExport
from tests.browser.conftest import END_SIZES, VIEWPORTS
from tests.browser.helpers import assert_no_serious_violations, fits_the_screen, sign_in
from tests.factories.certificates import require_weasyprint

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", END_SIZES, indirect=True)
def test_organiser_asks_for_every_statement_follows_the_work_and_downloads_the_zip(
    page: Page, viewport, demo, browser_problems, monkeypatch, settings, tmp_path
):
    require_weasyprint()
    settings.MEDIA_ROOT = tmp_path
    # The worker is held back: the page must follow the work, then offer the file.
    queued = []
    monkeypatch.setattr(statement_exports, "enqueue_on_commit", lambda *task: queued.append(task))
    trainees = [demo.trainee, *demo.fellow_members]

    sign_in(page, demo.organiser)
    page.goto(f"/schemes/{demo.scheme.pk}/overview/")
    page.get_by_role("button", name="Statements (ZIP)").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Statements of attendance")
    expect(page.get_by_text(f"0 of {len(trainees)} statements.")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("This page updates by itself")
    fits_the_screen(page, VIEWPORTS[viewport]["viewport"]["width"])
    assert_no_serious_violations(page)
    export = StatementExport.objects.get()
    assert queued == [("attendance.tasks.build_statement_export", export.pk)]

    statement_exports.statement_export_build(export_id=export.pk)  # the worker

    # The script sees the work done and offers the file, with no reload by hand.
    download = page.get_by_role("status").get_by_role("link", name="Download the ZIP")
    expect(download).to_be_visible()
    expect(page.get_by_text(f"{len(trainees)} of {len(trainees)} statements.")).to_be_visible()
    assert_no_serious_violations(page)
    response = page.request.get(download.get_attribute("href"))
    assert response.ok
    names = zipfile.ZipFile(io.BytesIO(response.body())).namelist()
    assert sorted(name.rsplit("-", 1)[0] for name in names) == sorted(
        f"statement-{slugify(person.full_name)}" for person in trainees
    )

    page.get_by_role("link", name="Back to the overview").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Progress across")
    assert browser_problems == []

"""The bulk certificate export through a real Celery worker and Redis, not eagerly.

Skipped without Redis locally; with REQUIRE_SERVICES=1 a missing Redis (or
WeasyPrint) fails instead. Worker set-up as in tests/balint/test_celery_worker.py.
"""

import csv
import io
import time
import zipfile

import pytest
from celery.result import EagerResult
from celery.signals import after_task_publish
from django.db import connection
from pypdf import PdfReader

from attendance import certificate_exports
from attendance.models import CertificateExport
from attendance.tasks import build_certificate_export
from balint.celery import app
from tests import factories
from tests.conftest import skip_or_fail
from tests.factories.certificates import REQUIRED, issued_crowd, require_weasyprint

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

# Guards against a hung broker or worker; not a performance assertion.
RESULT_TIMEOUT = 120
TRAINEES = 4


@pytest.fixture(autouse=True)
def _weasyprint_and_postgresql():
    require_weasyprint()
    # The worker thread writes chunk results while the test polls: SQLite's shared
    # in-memory test database locks whole tables under that.
    if connection.vendor != "postgresql":
        skip_or_fail("needs PostgreSQL: the worker thread and the test share the database")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """The worker runs in this process, so it writes the ZIP here too."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def published_task_ids():
    """The ids of the export builds published; the chunks a build publishes in its turn are
    left out (the worker thread may publish them before the test looks)."""
    ids = []

    def remember(headers=None, **kwargs):
        if headers["task"] == "attendance.tasks.build_certificate_export":
            ids.append(headers["id"])

    after_task_publish.connect(remember, weak=False)
    yield ids
    after_task_publish.disconnect(remember)


@pytest.fixture
def organiser():
    return factories.OrganiserFactory(scheme__sessions_required=REQUIRED).person


@pytest.fixture
def certificates(organiser):
    group = factories.GroupFactory(scheme=organiser.organiser_roles.get().scheme)
    return issued_crowd(organiser, group, TRAINEES)


def new_export(organiser, certificates) -> CertificateExport:
    """An export row as certificate_export_start makes it, without enqueuing."""
    export = CertificateExport.objects.create(
        scheme=certificates[0].scheme,
        requested_by=organiser,
        total=len(certificates),
        expires_at=certificates[0].issued_at.replace(year=certificates[0].issued_at.year + 1),
    )
    export.certificates.set(certificates)
    return export


def finished(export) -> CertificateExport:
    """Wait until the worker's chunk tasks have assembled the export (or it failed)."""
    deadline = time.monotonic() + RESULT_TIMEOUT
    while time.monotonic() < deadline:
        export.refresh_from_db()
        if export.status in (CertificateExport.Status.DONE, CertificateExport.Status.FAILED):
            return export
        time.sleep(0.1)
    raise AssertionError(f"export {export.pk} still {export.status}")


def members(export) -> dict[str, bytes]:
    with export.file.open("rb") as handle, zipfile.ZipFile(io.BytesIO(handle.read())) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_the_worker_builds_one_pdf_per_trainee_and_a_matching_manifest(
    worker, organiser, certificates
):
    export = new_export(organiser, certificates)

    result = build_certificate_export.delay(export.pk)

    assert not isinstance(result, EagerResult)
    assert result.get(timeout=RESULT_TIMEOUT) == TRAINEES  # chunks planned and enqueued
    export = finished(export)
    assert export.status == CertificateExport.Status.DONE
    assert export.parts.count() == export.chunks
    assert (export.done, export.total) == (TRAINEES, TRAINEES)
    files = members(export)
    rows = list(csv.DictReader(io.StringIO(files["manifest.csv"].decode())))
    pdfs = sorted(name for name in files if name.endswith(".pdf"))
    assert len(pdfs) == TRAINEES
    assert sorted(row["file"] for row in rows) == pdfs
    expected = {
        (c.display_code, c.holder_name, str(c.sessions_counted), "valid") for c in certificates
    }
    assert {(r["code"], r["name"], r["sessions"], r["status"]) for r in rows} == expected
    for row in rows:
        text = PdfReader(io.BytesIO(files[row["file"]])).pages[0].extract_text()
        assert row["name"] in text
        assert row["code"] in text


def test_two_exports_started_by_the_service_give_the_same_content(
    worker, organiser, certificates, published_task_ids
):
    scheme = certificates[0].scheme
    exports = [
        certificate_exports.certificate_export_start(
            actor=organiser, scheme=scheme, certificates=certificates
        )
        for _ in range(2)
    ]

    builds = list(published_task_ids)
    assert len(builds) == 2  # enqueued on commit, one each
    for task_id in builds:
        assert app.AsyncResult(task_id).get(timeout=RESULT_TIMEOUT) == TRAINEES
    first, second = (members(finished(export)) for export in exports)
    assert len(first) == TRAINEES + 1
    assert sorted(first) == sorted(second)
    for name in first:
        assert first[name] == second[name], name

"""The bulk export: services, the eager task, the ZIP and its manifest, purge, status, download.

Celery runs eagerly in tests (balint/test_settings.py); tests/attendance/test_certificate_worker.py
runs the same task through a real worker.
"""

import csv
import io
import zipfile
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from pypdf import PdfReader

from attendance import certificate_exports, services, tasks
from attendance.models import CertificateExport
from tests import factories
from tests.factories.certificates import (
    REQUIRED,
    CertificateFactory,
    issued_crowd,
    require_weasyprint,
)
from tests.factories.sessions import NOW

pytestmark = pytest.mark.usefixtures("frozen_now")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def scheme(db):
    return factories.SchemeFactory(sessions_required=REQUIRED)


@pytest.fixture
def certificates(organiser, group):
    """Three issued through the services; the last one then revoked."""
    issued = issued_crowd(organiser, group, 3)
    services.certificate_revoke(actor=organiser, certificate=issued[-1], reason="Issued in error")
    issued[-1].refresh_from_db()
    return issued


@pytest.fixture
def start(organiser, scheme, django_capture_on_commit_callbacks):
    """Start an export as the organiser; the eager task runs when the transaction commits."""

    def start(certificates) -> CertificateExport:
        with django_capture_on_commit_callbacks(execute=True):
            export = certificate_exports.certificate_export_start(
                actor=organiser, scheme=scheme, certificates=certificates
            )
        export.refresh_from_db()
        return export

    return start


def members(export) -> dict[str, bytes]:
    with export.file.open("rb") as handle, zipfile.ZipFile(io.BytesIO(handle.read())) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def manifest(files: dict[str, bytes]) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(files["manifest.csv"].decode())))


def pending_export(organiser, scheme, **kwargs) -> CertificateExport:
    return CertificateExport.objects.create(
        scheme=scheme,
        requested_by=organiser,
        expires_at=kwargs.pop("expires_at", NOW + timedelta(hours=24)),
        **kwargs,
    )


# --- The ZIP --------------------------------------------------------------------------------


def test_the_zip_holds_one_pdf_per_certificate_and_a_matching_manifest(start, certificates):
    require_weasyprint()
    superseded = CertificateFactory(
        scheme=certificates[0].scheme, holder_name="Zoë Ó Súilleabháin", superseded_at=NOW
    )
    chosen = [*certificates, superseded]

    export = start(chosen)

    assert export.status == CertificateExport.Status.DONE
    assert (export.done, export.total) == (4, 4)
    assert export.finished_at == NOW
    files = members(export)
    rows = manifest(files)
    pdfs = sorted(name for name in files if name.endswith(".pdf"))
    assert sorted(files) == sorted([*pdfs, "manifest.csv"])
    assert sorted(row["file"] for row in rows) == pdfs
    by_code = {row["code"]: row for row in rows}
    assert sorted(by_code) == sorted(c.display_code for c in chosen)
    for certificate in chosen:
        row = by_code[certificate.display_code]
        assert row["name"] == certificate.holder_name
        assert row["registration"] == certificate.registration_number
        assert row["sessions"] == str(certificate.sessions_counted)
        assert row["period_start"] == certificate.period_start.isoformat()
        assert row["period_end"] == certificate.period_end.isoformat()
        text = " ".join(PdfReader(io.BytesIO(files[row["file"]])).pages[0].extract_text().split())
        assert certificate.holder_name in text
        assert certificate.display_code in text
    assert [by_code[c.display_code]["status"] for c in chosen] == [
        "valid",
        "valid",
        "revoked",
        "superseded",
    ]


def test_the_manifest_has_the_documented_columns(start, certificates):
    require_weasyprint()

    files = members(start(certificates[:1]))

    header = files["manifest.csv"].decode().splitlines()[0]
    assert header.split(",") == certificate_exports.MANIFEST_HEADERS
    assert {"file", "code", "name", "sessions", "period_start", "period_end", "status"} <= set(
        certificate_exports.MANIFEST_HEADERS
    )


def test_two_exports_of_the_same_certificates_have_the_same_content(
    start, certificates, frozen_now
):
    require_weasyprint()
    first = start(certificates)
    frozen_now.shift(timedelta(minutes=5))

    second = start(list(reversed(certificates)))

    assert first.file.name != second.file.name
    one, two = members(first), members(second)
    assert sorted(one) == sorted(two)
    for name in one:
        assert one[name] == two[name], name


def test_building_a_finished_export_again_does_not_render_again(start, certificates, monkeypatch):
    require_weasyprint()
    export = start(certificates)
    before = members(export)

    def render_nothing(certificates):
        raise AssertionError("rendered again")

    monkeypatch.setattr("attendance.pdf.render_certificates", render_nothing)
    again = certificate_exports.certificate_export_build(export_id=export.pk)

    assert again.status == CertificateExport.Status.DONE
    assert members(again) == before


# --- Progress --------------------------------------------------------------------------------


def fake_render(seen):
    """Stands in for WeasyPrint: records the export's stored progress before each certificate."""

    def render_certificates(certificates):
        for certificate in certificates:
            export = CertificateExport.objects.get()
            seen.append((export.status, export.done, export.total))
            yield certificate, b"%PDF-1.7 fake"

    return render_certificates


def test_progress_is_stored_chunk_by_chunk(
    organiser, scheme, monkeypatch, django_capture_on_commit_callbacks
):
    chosen = [CertificateFactory(scheme=scheme, issued_by=organiser) for _ in range(30)]
    export = pending_export(organiser, scheme, total=30)
    export.certificates.set(chosen)
    seen = []
    monkeypatch.setattr("attendance.pdf.render_certificates", fake_render(seen))
    monkeypatch.setattr("attendance.pdf.BATCH_SIZE", 10)

    with django_capture_on_commit_callbacks(execute=True):
        certificate_exports.certificate_export_build(export_id=export.pk)

    assert seen[0] == ("running", 0, 30)
    assert seen[9] == ("running", 0, 30)
    assert seen[10] == ("running", 10, 30)
    assert seen[20] == ("running", 20, 30)
    assert seen[-1] == ("running", 20, 30)
    export.refresh_from_db()
    assert (export.status, export.done, export.total, export.percent) == ("done", 30, 30, 100)
    assert export.chunks == 3
    assert export.parts.count() == 3


def test_the_chunks_together_render_each_certificate_once_in_the_exports_order(
    organiser, scheme, monkeypatch, django_capture_on_commit_callbacks
):
    chosen = [CertificateFactory(scheme=scheme, issued_by=organiser) for _ in range(25)]
    export = pending_export(organiser, scheme, total=25)
    export.certificates.set(chosen)
    rendered = []

    def render_certificates(certificates):
        for certificate in certificates:
            rendered.append(certificate.pk)
            yield certificate, b"%PDF-1.7 fake"

    monkeypatch.setattr("attendance.pdf.render_certificates", render_certificates)
    monkeypatch.setattr("attendance.pdf.BATCH_SIZE", 10)  # three chunks: 10 + 10 + 5

    with django_capture_on_commit_callbacks(execute=True):
        certificate_exports.certificate_export_build(export_id=export.pk)

    in_order = export.certificates.order_by("holder_name", "code")
    assert rendered == list(in_order.values_list("pk", flat=True))
    export.refresh_from_db()
    codes = [row["code"] for row in manifest(members(export))]
    assert codes == [c.display_code for c in in_order]


def test_a_failed_build_is_marked_failed_with_its_error(
    organiser, scheme, monkeypatch, django_capture_on_commit_callbacks
):
    export = pending_export(organiser, scheme, total=1)
    export.certificates.set([CertificateFactory(scheme=scheme)])

    def broken(certificates):
        raise RuntimeError("Pango went away")
        yield

    monkeypatch.setattr("attendance.pdf.render_certificates", broken)

    with pytest.raises(RuntimeError), django_capture_on_commit_callbacks(execute=True):
        tasks.build_certificate_export(export.pk)

    export.refresh_from_db()
    assert export.status == CertificateExport.Status.FAILED
    assert export.error == "Pango went away"
    assert not export.file


def test_an_export_needs_at_least_one_certificate(organiser, scheme):
    with pytest.raises(ValidationError):
        certificate_exports.certificate_export_start(
            actor=organiser, scheme=scheme, certificates=[]
        )
    assert not CertificateExport.objects.exists()


def test_an_export_takes_no_certificate_of_another_scheme(organiser, scheme):
    elsewhere = CertificateFactory()

    with pytest.raises(PermissionDenied):
        certificate_exports.certificate_export_start(
            actor=organiser, scheme=scheme, certificates=[elsewhere]
        )


def test_the_export_expires_after_the_configured_hours(start, scheme, settings, monkeypatch):
    settings.CERTIFICATE_EXPORT_HOURS = 6
    monkeypatch.setattr("attendance.pdf.render_certificates", fake_render([]))

    export = start([CertificateFactory(scheme=scheme)])

    assert export.expires_at == NOW + timedelta(hours=6)


# --- Purge ----------------------------------------------------------------------------------


def test_purge_removes_expired_files_and_rows_only(organiser, scheme):
    expired = pending_export(organiser, scheme, expires_at=NOW - timedelta(seconds=1))
    expired.file.save("old.zip", ContentFile(b"old"))
    fresh = pending_export(organiser, scheme, expires_at=NOW + timedelta(hours=1))
    fresh.file.save("fresh.zip", ContentFile(b"fresh"))
    unbuilt = pending_export(organiser, scheme, expires_at=NOW - timedelta(hours=1))

    stray = default_storage.save(
        f"certificate-exports/{expired.pk}/part-00000.zip", ContentFile(b"a chunk run twice")
    )

    assert certificate_exports.certificate_exports_purge() == 2

    assert list(CertificateExport.objects.all()) == [fresh]
    assert not default_storage.exists(expired.file.name)
    assert not default_storage.exists(stray)
    assert default_storage.exists(fresh.file.name)
    assert not CertificateExport.objects.filter(pk=unbuilt.pk).exists()


def test_purge_leaves_the_certificates_alone(organiser, scheme):
    certificate = CertificateFactory(scheme=scheme)
    expired = pending_export(organiser, scheme, expires_at=NOW - timedelta(hours=1))
    expired.certificates.set([certificate])

    tasks.purge_expired_exports()

    certificate.refresh_from_db()
    assert not CertificateExport.objects.exists()


# --- Status and download --------------------------------------------------------------------


def status_url(export):
    return f"/exports/{export.pk}/status/"


def download_url(export):
    return f"/exports/{export.pk}/download/"


def test_the_status_view_reports_progress(client, organiser, scheme):
    export = pending_export(organiser, scheme, total=40, done=25, status="running")
    client.force_login(organiser)

    response = client.get(status_url(export))

    assert response.status_code == 200
    assert response.json() == {
        "status": "running",
        "label": "Rendering",
        "done": 25,
        "total": 40,
        "download": None,
        "error": "",
    }


def test_the_status_view_offers_the_download_when_done(client, organiser, scheme):
    export = pending_export(organiser, scheme, total=2, done=2, status="done")
    client.force_login(organiser)

    body = client.get(status_url(export)).json()

    assert body["status"] == "done"
    assert body["label"] == "Ready"
    assert body["download"] == download_url(export)


def test_the_status_view_reports_a_failure(client, organiser, scheme):
    export = pending_export(organiser, scheme, total=2, status="failed", error="Out of memory")
    client.force_login(organiser)

    body = client.get(status_url(export)).json()

    assert (body["status"], body["download"], body["error"]) == ("failed", None, "Out of memory")


@pytest.mark.parametrize("status", ["pending", "running", "failed"])
def test_download_before_done_is_404(client, organiser, scheme, status):
    export = pending_export(organiser, scheme, total=1, status=status)
    export.file.save("early.zip", ContentFile(b"partial"), save=True)
    client.force_login(organiser)

    assert client.get(download_url(export)).status_code == 404


def test_download_when_done_and_not_after_expiry(client, organiser, scheme, frozen_now):
    export = pending_export(organiser, scheme, total=1, done=1, status="done")
    export.file.save("certificates-x-1.zip", ContentFile(b"PK zip bytes"), save=True)
    client.force_login(organiser)

    response = client.get(download_url(export))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"PK zip bytes"
    assert response["Content-Disposition"].startswith("attachment;")
    frozen_now.shift(timedelta(hours=25))
    assert client.get(download_url(export)).status_code == 404


def test_the_export_page_shows_progress(client, organiser, scheme):
    export = pending_export(organiser, scheme, total=40, done=25, status="running")
    client.force_login(organiser)

    content = client.get(f"/exports/{export.pk}/").content.decode()

    assert 'value="25" max="40"' in content
    assert "Rendering" in content
    assert download_url(export) not in content

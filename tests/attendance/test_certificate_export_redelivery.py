"""A certificate export's messages delivered again or twice: a worker lost mid-task, kombu
giving the message back an hour later, or two copies of a chunk at once. The export is
never stuck, never loses a part, and renders each certificate into the ZIP once.

Celery runs eagerly in tests (balint/test_settings.py); these call the services as the
worker would, in the orders a lost worker leaves behind.
"""

from importlib import import_module

import pytest
from django.apps import apps as django_apps
from django.core.files.storage import storages

from attendance import certificate_exports, pdf
from attendance.models import CertificateExport
from tests import factories
from tests.attendance.test_certificate_export import manifest, members, pending_export
from tests.factories.certificates import REQUIRED, CertificateFactory

pytestmark = pytest.mark.usefixtures("frozen_now")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def scheme(db):
    return factories.SchemeFactory(sessions_required=REQUIRED)


def three_chunks(organiser, scheme, monkeypatch) -> CertificateExport:
    """A waiting export of 25 certificates in chunks of 10, rendered without WeasyPrint."""
    export = pending_export(organiser, scheme, total=25)
    export.certificates.set([CertificateFactory(scheme=scheme) for _ in range(25)])
    monkeypatch.setattr("attendance.pdf.BATCH_SIZE", 10)
    monkeypatch.setattr(
        "attendance.pdf.render_certificates",
        lambda certificates: ((c, b"%PDF-1.7 fake") for c in certificates),
    )
    return export


def render(export, index):
    certificate_exports.certificate_export_render_chunk(export_id=export.pk, index=index)


def test_building_again_queues_only_the_chunks_not_in_yet(
    organiser, scheme, monkeypatch, django_capture_on_commit_callbacks
):
    export = three_chunks(organiser, scheme, monkeypatch)
    with django_capture_on_commit_callbacks() as chunks:
        certificate_exports.certificate_export_build(export_id=export.pk)
    assert len(chunks) == 3
    render(export, 0)
    render(export, 1)

    queued = []
    monkeypatch.setattr(certificate_exports, "enqueue_on_commit", lambda *a: queued.append(a))

    certificate_exports.certificate_export_build(export_id=export.pk)

    # Chunk 2's, whose first copy may still be rendering.
    assert queued == [("attendance.tasks.render_certificate_export_chunk", export.pk, 2)]
    render(export, 2)
    export.refresh_from_db()
    assert export.status == CertificateExport.Status.DONE
    assert len(manifest(members(export))) == 25
    assert sorted(export.parts.values_list("index", flat=True)) == [0, 1, 2]


def test_a_build_lost_before_it_queued_its_chunks_is_not_stuck(
    organiser, scheme, monkeypatch, django_capture_on_commit_callbacks
):
    """The claim committed, then the worker died before publishing the chunks: without
    them no part ever arrives, and the export would spin for ever."""
    export = three_chunks(organiser, scheme, monkeypatch)
    with django_capture_on_commit_callbacks():  # never run: the chunks were not sent
        certificate_exports.certificate_export_build(export_id=export.pk)
    export.refresh_from_db()
    assert export.status == CertificateExport.Status.RUNNING

    queued = []
    monkeypatch.setattr(certificate_exports, "enqueue_on_commit", lambda *a: queued.append(a))

    certificate_exports.certificate_export_build(export_id=export.pk)  # delivered again

    assert [index for *_, index in queued] == [0, 1, 2]
    for index in range(3):
        render(export, index)
    export.refresh_from_db()
    assert export.status == CertificateExport.Status.DONE
    assert len(manifest(members(export))) == 25


def test_a_copy_of_a_chunk_never_takes_away_the_part_the_assembly_reads(
    organiser, scheme, monkeypatch, django_capture_on_commit_callbacks, settings
):
    """Chunk 2's message ran twice at once. The first copy is in; the second saves its
    file just as chunk 1, the last, assembles the ZIP from the first copy's part."""
    export = three_chunks(organiser, scheme, monkeypatch)
    with django_capture_on_commit_callbacks():
        certificate_exports.certificate_export_build(export_id=export.pk)
    render(export, 0)
    storage_class = type(storages["default"])  # the exports' storage, not its lazy wrapper
    save = storage_class.save
    fake = pdf.render_certificates

    def chunk_1_assembling_as_the_copy_saves(self, *args, **kwargs):
        monkeypatch.setattr(storage_class, "save", save)
        render(export, 1)
        return save(self, *args, **kwargs)

    def first_copy_finishes_meanwhile(certificates):
        monkeypatch.setattr(pdf, "render_certificates", fake)
        render(export, 2)  # the first copy, which is kept
        monkeypatch.setattr(storage_class, "save", chunk_1_assembling_as_the_copy_saves)
        return fake(certificates)

    monkeypatch.setattr(pdf, "render_certificates", first_copy_finishes_meanwhile)
    with django_capture_on_commit_callbacks(execute=True):
        render(export, 2)  # the second copy

    export.refresh_from_db()
    assert export.status == CertificateExport.Status.DONE
    assert len(manifest(members(export))) == 25
    files = sorted(p.name for p in (settings.MEDIA_ROOT / "certificate-exports").rglob("*.*"))
    assert files == [export.file.name.rsplit("/", 1)[-1]]  # the second copy's went too


def test_a_worker_lost_as_it_assembles_leaves_the_parts_for_the_next_delivery(
    organiser, scheme, monkeypatch, django_capture_on_commit_callbacks, settings
):
    export = three_chunks(organiser, scheme, monkeypatch)
    with django_capture_on_commit_callbacks():
        certificate_exports.certificate_export_build(export_id=export.pk)
    render(export, 0)
    render(export, 1)
    save = CertificateExport.save

    def lost(self, *args, update_fields=(), **kwargs):
        if "finished_at" in update_fields:
            raise SystemExit("worker lost")  # the transaction rolls back, as on kill -9
        return save(self, *args, update_fields=update_fields, **kwargs)

    monkeypatch.setattr(CertificateExport, "save", lost)
    with pytest.raises(SystemExit):
        render(export, 2)
    monkeypatch.setattr(CertificateExport, "save", save)
    export.refresh_from_db()
    assert export.status == CertificateExport.Status.RUNNING

    with django_capture_on_commit_callbacks(execute=True):
        render(export, 2)  # the same message, delivered again

    export.refresh_from_db()
    assert export.status == CertificateExport.Status.DONE
    assert len(manifest(members(export))) == 25
    # One ZIP, under its own name; no part left behind.
    files = sorted(p.name for p in (settings.MEDIA_ROOT / "certificate-exports").rglob("*.*"))
    assert files == [export.file.name.rsplit("/", 1)[-1]]


def test_parts_rendered_before_the_upgrade_are_found_at_their_fixed_names(organiser, scheme):
    """attendance 0012 names the parts that were saved at the chunk's fixed name."""
    name_the_parts = import_module(
        "attendance.migrations.0012_certificate_export_part_name"
    ).name_the_parts
    export = pending_export(organiser, scheme, total=25)
    export.parts.create(index=1, count=10, name="")
    kept = export.parts.create(index=2, count=5, name="certificate-exports/x/part-00002_a1.zip")

    name_the_parts(django_apps, schema_editor=None)

    assert list(export.parts.order_by("index").values_list("name", flat=True)) == [
        f"certificate-exports/{export.pk}/part-00001.zip",
        kept.name,
    ]

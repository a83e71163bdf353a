"""Certificate exports: a ZIP of many certificates, built by the worker in chunks so the
page can show progress (attendance.tasks), assembled by the last chunk, purged when it
expires."""

import io
import zipfile
from datetime import timedelta

from defusedcsv import csv
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from attendance import export_files, pdf
from attendance.models import Certificate, CertificateExport
from balint.queue import enqueue_on_commit
from groups import permissions as group_permissions
from groups.models import Scheme, User


def certificate_export_start(
    *, actor: User, scheme: Scheme, certificates: list[Certificate]
) -> CertificateExport:
    """Queue a ZIP of the given certificates; the worker builds it and the page shows progress."""
    group_permissions.require_organiser(actor, scheme)
    if not certificates:
        raise ValidationError("Choose at least one certificate to export.")
    if any(c.scheme_id != scheme.pk for c in certificates):
        raise PermissionDenied("A certificate of another scheme cannot be exported here.")
    with transaction.atomic():
        export = CertificateExport.objects.create(
            scheme=scheme,
            requested_by=actor,
            total=len(certificates),
            expires_at=timezone.now() + timedelta(hours=settings.CERTIFICATE_EXPORT_HOURS),
        )
        export.certificates.set(certificates)
        enqueue_on_commit("attendance.tasks.build_certificate_export", export.pk)
    return export


MANIFEST_HEADERS = [
    "file",
    "code",
    "name",
    "registration",
    "sessions",
    "period_start",
    "period_end",
    "status",
]


def _manifest_row(name: str, certificate: Certificate) -> list:
    if certificate.is_current:
        state = "valid"
    else:
        state = "revoked" if certificate.revoked_at else "superseded"
    return [
        name,
        certificate.display_code,
        certificate.holder_name,
        certificate.registration_number,
        certificate.sessions_counted,
        certificate.period_start.isoformat(),
        certificate.period_end.isoformat(),
        state,
    ]


def _chunk_ids(export: CertificateExport, index: int, size: int) -> list[int]:
    """The certificates of one chunk, in the export's order; only that chunk's rows are read."""
    ordered = export.certificates.order_by("holder_name", "code").values_list("pk", flat=True)
    return list(ordered[index * size : (index + 1) * size])


def _parts_folder(export_id: int) -> str:
    return f"certificate-exports/{export_id}"


def _file_name(certificate: Certificate) -> str:
    return f"{slugify(certificate.holder_name) or 'certificate'}-{certificate.code}.pdf"


def certificate_export_build(*, export_id: int) -> CertificateExport:
    """Split the export into chunks, each rendered by its own task so workers share the load.

    The last chunk to finish assembles the ZIP. A waiting export is claimed and all its
    chunks queued. Delivered again while it runs (its worker was lost, perhaps before it
    had queued every chunk), it queues the chunks not in yet: a copy of a chunk still
    running is harmless, as the first copy to finish is kept. A finished or failed export
    is left alone.
    """
    export = CertificateExport.objects.get(pk=export_id)
    total = export.certificates.count()
    chunks = max(1, -(-total // pdf.BATCH_SIZE))
    with transaction.atomic():
        CertificateExport.objects.filter(
            pk=export.pk, status=CertificateExport.Status.PENDING
        ).update(status=CertificateExport.Status.RUNNING, done=0, total=total, chunks=chunks)
        export = CertificateExport.objects.select_for_update().get(pk=export_id)
        missing = []
        if export.status == CertificateExport.Status.RUNNING:
            arrived = set(export.parts.values_list("index", flat=True))
            missing = [index for index in range(export.chunks) if index not in arrived]
        for index in missing:
            enqueue_on_commit("attendance.tasks.render_certificate_export_chunk", export.pk, index)
    return export


def certificate_export_render_chunk(*, export_id: int, index: int) -> None:
    """Render one chunk into a part file; the last part to arrive assembles the export."""
    export = CertificateExport.objects.get(pk=export_id)
    if (
        export.status != CertificateExport.Status.RUNNING
        or export.parts.filter(index=index).exists()
    ):
        return  # finished, failed, or a copy of this chunk's message came in first
    ids = _chunk_ids(export, index, pdf.BATCH_SIZE)
    by_id = Certificate.objects.select_related("scheme").in_bulk(ids)
    certificates = [by_id[pk] for pk in ids]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as part:
        export_files.write_pdfs(
            part,
            (
                (_file_name(certificate), body)
                for certificate, body in pdf.render_certificates(certificates)
            ),
        )
    storage = CertificateExport._meta.get_field("file").storage
    # Under a name of its own (the storage adds to a taken one): a copy of this chunk
    # finishing meanwhile never replaces the file the assembly reads.
    name = storage.save(
        export_files.part_name(_parts_folder(export.pk), index), ContentFile(buffer.getvalue())
    )
    with transaction.atomic():
        export = CertificateExport.objects.select_for_update().get(pk=export_id)
        _, arrived = export.parts.get_or_create(
            index=index, defaults={"count": len(certificates), "name": name}
        )
        if not arrived or export.status != CertificateExport.Status.RUNNING:
            transaction.on_commit(lambda: storage.delete(name))  # the first copy is kept
            return
        finished = export.parts.count()
        export.done = min(export.total, sum(export.parts.values_list("count", flat=True)))
        export.save(update_fields=["done"])
        if finished == export.chunks:
            _assemble_export(export, storage)


def _assemble_export(export: CertificateExport, storage) -> None:
    """Join the parts, in order, into the final ZIP with its manifest."""
    certificates = {_file_name(c): c for c in export.certificates.all()}
    buffer = io.BytesIO()
    manifest = io.StringIO()
    writer = csv.writer(manifest)
    writer.writerow(MANIFEST_HEADERS)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        part_names = export.parts.order_by("index").values_list("name", flat=True)
        for name, body in export_files.parts_in_order(storage, part_names):
            export_files.write_pdfs(archive, [(name, body)])
            writer.writerow(_manifest_row(name, certificates[name]))
        archive.writestr(
            zipfile.ZipInfo("manifest.csv", date_time=pdf.ZIP_TIMESTAMP), manifest.getvalue()
        )
    filename = f"certificates-{slugify(export.scheme.name)[:60]}-{export.pk}.zip"
    export_files.finish(export, filename, buffer.getvalue(), _parts_folder(export.pk))


def certificate_exports_purge() -> int:
    """Delete export files past their expiry. Returns how many were removed."""
    expired = CertificateExport.objects.filter(expires_at__lte=timezone.now())
    return export_files.purge(expired, _parts_folder)

"""Bulk statements of attendance: an organiser asks for the statements of a scheme's (or a
group's) current trainees, and the worker issues and renders them a batch at a time, so
the page shows progress; the last step joins the batches' parts into one ZIP.

Each batch is one transaction: its statements, their entries and the progress commit
together, after its part file is written. A delivery again (a worker lost mid-run) goes
on from the first batch not committed, so no one is issued two statements by one export.
"""

import io
import zipfile
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from attendance import export_files, statement_pdf, statement_services
from attendance.models import StatementExport, StatementExportEntry
from balint.queue import enqueue_on_commit
from groups.models import Scheme, User

BATCH_SIZE = 20  # statements per transaction: a couple of seconds of rendering


def _storage():
    return StatementExport._meta.get_field("file").storage


def _parts_folder(export_id: int) -> str:
    return f"statement-exports/{export_id}"


def statement_export_start(
    *, actor: User, scheme: Scheme, people: list[User], which: str
) -> StatementExport:
    """Queue the statements of `people` (in this order), for the worker to issue and
    render; `which` says whose they are ("group X"), for the log and the file name."""
    if not people:
        raise ValidationError("No current trainees: there are no statements to download.")
    statement_services.statements_check(actor=actor, scheme=scheme, people=people)
    with transaction.atomic():
        export = StatementExport.objects.create(
            scheme=scheme,
            requested_by=actor,
            which=which[:200],
            total=len(people),
            expires_at=timezone.now() + timedelta(hours=settings.CERTIFICATE_EXPORT_HOURS),
        )
        StatementExportEntry.objects.bulk_create(
            StatementExportEntry(export=export, position=position, person=person)
            for position, person in enumerate(people)
        )
        enqueue_on_commit("attendance.tasks.build_statement_export", export.pk)
    return export


def statement_export_build(*, export_id: int) -> int:
    """Issue and render every batch not yet committed, then join them. A finished or
    failed export is left alone, and one deleted meanwhile (a trainee in it was erased)
    is not built. Returns how many statements the export holds."""
    running = [StatementExport.Status.PENDING, StatementExport.Status.RUNNING]
    claimed = StatementExport.objects.filter(pk=export_id, status__in=running).update(
        status=StatementExport.Status.RUNNING
    )
    total = StatementExport.objects.filter(pk=export_id).values_list("total", flat=True).first()
    if claimed and total:
        batches = -(-total // BATCH_SIZE)
        if all(_build_batch(export_id, index) for index in range(batches)):
            with transaction.atomic():
                export = _locked(export_id)
                if export and export.status == StatementExport.Status.RUNNING:  # no twin did
                    _assemble(export, batches)
    return StatementExport.objects.filter(pk=export_id).values_list("done", flat=True).first() or 0


def _locked(export_id: int) -> StatementExport | None:
    """The export, locked until the transaction ends: two deliveries of one export take
    turns at each batch, and the second finds it done."""
    exports = StatementExport.objects.select_for_update(of=("self",))
    return exports.select_related("scheme", "requested_by").filter(pk=export_id).first()


def _build_batch(export_id: int, index: int) -> bool:
    """Issue and render the batch unless committed already; False if the export is gone."""
    with transaction.atomic():
        export = _locked(export_id)
        if export is None:
            return False
        entries = list(
            export.entries.filter(
                position__gte=index * BATCH_SIZE, position__lt=(index + 1) * BATCH_SIZE
            )
            .select_related("person")
            .order_by("position")
        )
        if export.status != StatementExport.Status.RUNNING or entries[0].statement_id:
            return True  # committed by an earlier delivery: a batch commits whole
        # Checked again: the organiser may have stepped down since they asked.
        statements = statement_services.statements_issue(
            actor=export.requested_by, scheme=export.scheme, people=[e.person for e in entries]
        )
        for entry, statement in zip(entries, statements, strict=True):
            entry.statement = statement
        StatementExportEntry.objects.bulk_update(entries, ["statement"])
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as part:
            export_files.write_pdfs(
                part,
                (
                    (statement_pdf.filename(statement), body)
                    for statement, body in statement_pdf.render_statements(statements)
                ),
            )
        name = export_files.part_name(_parts_folder(export_id), index)
        export_files.save_replacing(_storage(), name, buffer.getvalue())
        export.done = export.entries.filter(statement__isnull=False).count()
        export.save(update_fields=["done"])
    return True


def _assemble(export: StatementExport, batches: int) -> None:
    folder = _parts_folder(export.pk)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        export_files.write_pdfs(
            archive,
            export_files.parts_in_order(
                _storage(), (export_files.part_name(folder, i) for i in range(batches))
            ),
        )
    filename = f"statements-{slugify(export.which)[:60]}-{export.pk}.zip"
    export_files.finish(export, filename, buffer.getvalue(), folder)


def statement_exports_purge() -> int:
    """Delete the exports past their expiry, with their files. Returns how many. The
    statements stay: each is a record of what was issued."""
    expired = StatementExport.objects.filter(expires_at__lte=timezone.now())
    return export_files.purge(expired, _parts_folder)

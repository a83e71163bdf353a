"""Statements of attendance for many trainees in one ZIP (the bulk download): issued and
rendered by the worker a batch at a time, so the page shows progress and a request never
renders hundreds of PDFs (attendance.statement_exports)."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from attendance.models.exports import BulkExport


class StatementExport(BulkExport):
    """Statements of many trainees in one ZIP (attendance.statement_exports)."""

    which = models.CharField(max_length=200)  # "scheme X" or "group Y", for the log and file
    file = models.FileField(upload_to="statement-exports/", blank=True)

    class Meta(BulkExport.Meta):
        constraints = [
            models.CheckConstraint(
                condition=Q(done__lte=models.F("total")), name="statement_export_progress_valid"
            ),
        ]


class StatementExportEntry(models.Model):
    """One trainee of an export, in the ZIP's order, with their statement once issued: a
    batch whose entries all have one was committed, and a delivery again skips it."""

    export = models.ForeignKey(StatementExport, on_delete=models.CASCADE, related_name="entries")
    position = models.PositiveIntegerField()
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    statement = models.OneToOneField(
        "attendance.Statement", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["export", "position"], name="one_entry_per_position"),
            models.UniqueConstraint(fields=["export", "person"], name="one_entry_per_person"),
        ]

    def __str__(self) -> str:
        return f"Entry {self.position} of statement export {self.export_id}"

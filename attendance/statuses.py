"""The register's statuses, a scheme's choice of those that count (attendance.Requirement),
and where a bulk export is."""

from django.core.exceptions import ValidationError
from django.db import models


class ExportStatus(models.TextChoices):
    """Where a bulk export (certificates, statements) is: the worker builds it."""

    PENDING = "pending", "Waiting"
    RUNNING = "running", "Rendering"
    DONE = "done", "Ready"
    FAILED = "failed", "Failed"


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", "Present"
    LATE = "late", "Late"
    APOLOGIES = "apologies", "Apologies"
    ABSENT = "absent", "Absent"


def default_counted_statuses() -> list[str]:
    return [AttendanceStatus.PRESENT, AttendanceStatus.LATE]


def validate_counted_statuses(value) -> None:
    allowed = set(AttendanceStatus.values)
    if not isinstance(value, list) or not value or not set(value) <= allowed:
        raise ValidationError(
            f"Choose one or more of: {', '.join(AttendanceStatus.values)}.", code="invalid"
        )

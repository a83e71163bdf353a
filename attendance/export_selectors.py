"""Reads every bulk export (certificates, statements: attendance.models.exports) shares:
those an organiser may follow and download, and a scheme's recent ones."""

from django.db.models import QuerySet
from django.utils import timezone

from attendance.models.exports import BulkExport
from groups import permissions as group_permissions
from groups.models import Scheme, User

RECENT_EXPORTS = 5


def exports_managed_by(model: type[BulkExport], user: User) -> QuerySet:
    """The exports of `model` the user may follow and download: any of the schemes they
    organise, whoever asked for it. Each with its scheme."""
    organised = group_permissions.schemes_organised_by(user)
    return model.objects.filter(scheme__in=organised).select_related("scheme")


def recent_exports(model: type[BulkExport], scheme: Scheme) -> QuerySet:
    """The scheme's latest exports of `model` whose files have not expired yet."""
    return model.objects.filter(scheme=scheme, expires_at__gt=timezone.now())[:RECENT_EXPORTS]

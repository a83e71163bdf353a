"""Reads for the reminders page."""

from django.db.models import QuerySet

from groups.models import User
from groups.permissions import schemes_organised_by
from sessions.models import SchemeSettings


def scheme_settings_organised_by(user: User) -> QuerySet[SchemeSettings]:
    """The settings of each scheme the user organises, by scheme name. One query."""
    return (
        SchemeSettings.objects.filter(scheme__in=schemes_organised_by(user))
        .select_related("scheme")
        .order_by("scheme__name", "scheme_id")
    )

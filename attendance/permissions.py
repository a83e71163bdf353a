"""Who may take registers, read history and see progress."""

from zoneinfo import ZoneInfo

from django.utils import timezone

from groups import permissions as group_permissions
from groups.models import Scheme, User
from sessions.models import Session


def can_take_register(user: User, session: Session) -> bool:
    """The group's current leaders and co-leaders, and the scheme's organisers."""
    return group_permissions.can_lead_group(user, session.group) or group_permissions.is_organiser(
        user, session.group.scheme
    )


def register_is_open(session: Session) -> bool:
    """A register can be taken from the day of the session on, unless it was cancelled."""
    if session.status == Session.Status.CANCELLED:
        return False
    zone = ZoneInfo(session.group.scheme.time_zone)
    return session.starts_at.astimezone(zone).date() <= timezone.now().astimezone(zone).date()


def can_read_history(user: User, session: Session) -> bool:
    return group_permissions.is_organiser(user, session.group.scheme)


def can_see_progress(user: User, person: User, scheme: Scheme) -> bool:
    return user.pk == person.pk or group_permissions.is_organiser(user, scheme)

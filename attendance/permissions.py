"""Who may take registers, read their history, export a leader log and manage certificates."""

from datetime import date
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.utils import timezone

from attendance.models import Certificate
from groups import permissions as group_permissions
from groups.models import Membership, Scheme, User
from sessions.models import Session
from sessions.schedule.selectors import groups_meeting_at


def can_take_register(user: User, session: Session) -> bool:
    """The group's current leaders and co-leaders (with those of the groups whose sessions
    were combined into this one: they are in the room), and the scheme's organisers."""
    if not user.is_authenticated:
        return False
    leads = (
        Membership.objects.current(timezone.localdate())
        .filter(person=user, role__in=Membership.LEADING_ROLES)
        .filter(group__in=groups_meeting_at(session))
    )
    return leads.exists() or group_permissions.is_organiser(user, session.group.scheme)


def _session_day_and_today(session: Session) -> tuple[date, date]:
    """The session's date and today's, both in the scheme's time zone."""
    zone = ZoneInfo(session.group.scheme.time_zone)
    return session.starts_at.astimezone(zone).date(), timezone.now().astimezone(zone).date()


def register_is_open(session: Session) -> bool:
    """A register can be taken from the day of the session on, unless it was cancelled
    or combined into another group's session (whose register lists this group too)."""
    if session.status == Session.Status.CANCELLED or session.combined_into_id is not None:
        return False
    day, today = _session_day_and_today(session)
    return day <= today


def correction_needs_reason(session: Session) -> bool:
    """After the session's day, changing a saved entry asks why: attendance counts toward
    a training requirement, so a late change carries its reason into the history."""
    day, today = _session_day_and_today(session)
    return day < today


def can_read_history(user: User, session: Session) -> bool:
    """Whoever may take the register reads its history: the group's current leaders and
    co-leaders, and the scheme's organisers."""
    return can_take_register(user, session)


def has_led_in(user: User, scheme: Scheme) -> bool:
    """Whoever has led or co-led a group of the scheme, at any time: their own leader log."""
    return Membership.objects.filter(
        person=user, group__scheme=scheme, role__in=Membership.LEADING_ROLES
    ).exists()


def certificates_managed_by(user: User) -> QuerySet[Certificate]:
    """Certificates of the schemes the user organises, which they may revoke."""
    return Certificate.objects.filter(scheme__in=group_permissions.schemes_organised_by(user))

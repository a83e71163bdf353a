"""Who may see and change sessions, the rota and leave."""

from django.db.models import QuerySet

from groups import permissions as group_permissions
from groups.models import BalintGroup, User
from sessions.models import Leave, Session, SwapRequest


def can_schedule(user: User, group: BalintGroup) -> bool:
    """Leaders and co-leaders of the group, and the scheme's organisers."""
    return group_permissions.can_lead_group(user, group) or group_permissions.is_organiser(
        user, group.scheme
    )


def groups_scheduled_by(user: User) -> QuerySet[BalintGroup]:
    return (
        group_permissions.groups_led_by(user) | group_permissions.groups_managed_by(user)
    ).distinct()


def sessions_visible_to(user: User) -> QuerySet[Session]:
    return Session.objects.filter(group__in=group_permissions.groups_visible_to(user))


def leave_of(user: User) -> QuerySet[Leave]:
    if not user.is_authenticated:
        return Leave.objects.none()
    return Leave.objects.filter(person=user)


def swaps_involving(user: User) -> QuerySet[SwapRequest]:
    if not user.is_authenticated:
        return SwapRequest.objects.none()
    return SwapRequest.objects.filter(requester=user) | SwapRequest.objects.filter(recipient=user)

"""Who may see and change sessions, the rota, leave and on-call rosters."""

from datetime import date

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from groups import permissions as group_permissions
from groups.models import BalintGroup, Membership, User
from sessions.models import Leave, RosterSource, RosterUpload, Session, SwapRequest


def can_schedule(user: User, group: BalintGroup) -> bool:
    """Leaders and co-leaders of the group, and the scheme's organisers."""
    return group_permissions.can_lead_group(user, group) or group_permissions.is_organiser(
        user, group.scheme
    )


def require_scheduler(actor: User, group: BalintGroup) -> None:
    """For services that change a group's schedule or rota."""
    if not can_schedule(actor, group):
        raise PermissionDenied("Only the group's leaders and the scheme's organisers can do this.")


def within_membership(user: User, *, begun_by: date | None = None) -> Exists:
    """A filter on sessions: dated within one of the user's memberships of the session's
    group (that has begun by `begun_by`, if given). The person's own sessions, which
    stay theirs after the membership ends."""
    spans = Membership.objects.filter(
        person=user, group=OuterRef("group_id"), start_date__lte=OuterRef("slot_date")
    ).filter(Q(end_date__isnull=True) | Q(end_date__gte=OuterRef("slot_date")))
    if begun_by is not None:
        spans = spans.filter(start_date__lte=begun_by)
    return Exists(spans)


def sessions_visible_to(user: User) -> QuerySet[Session]:
    """Every session of the groups the user reads today (groups_visible_to: a current
    membership or the scheme's organiser); of their other groups only their own: those
    dated within a membership that has begun (a former member's history, not the
    sessions after they left) and those they present (to give the date back)."""
    if not user.is_authenticated:
        return Session.objects.none()
    today = timezone.localdate()
    return Session.objects.filter(
        Q(group__in=group_permissions.groups_visible_to(user, today))
        | within_membership(user, begun_by=today)
        | Q(presenter=user)
    )


def leave_of(user: User) -> QuerySet[Leave]:
    if not user.is_authenticated:
        return Leave.objects.none()
    return Leave.objects.filter(person=user)


def swaps_involving(user: User) -> QuerySet[SwapRequest]:
    if not user.is_authenticated:
        return SwapRequest.objects.none()
    return SwapRequest.objects.filter(requester=user) | SwapRequest.objects.filter(recipient=user)


def roster_sources_managed_by(user: User) -> QuerySet[RosterSource]:
    """A person's own roster sources, and the scheme-wide ones of schemes they organise."""
    if not user.is_authenticated:
        return RosterSource.objects.none()
    return RosterSource.objects.filter(
        Q(person=user) | Q(scheme__in=group_permissions.schemes_organised_by(user))
    )


def can_manage_roster_source(user: User, source: RosterSource) -> bool:
    if not user.is_authenticated:
        return False
    if source.person_id is not None:
        return source.person_id == user.pk
    return group_permissions.is_organiser(user, source.scheme)


def roster_uploads_of_scheme(user: User, scheme) -> QuerySet[RosterUpload]:
    """An organiser's pending scheme-wide files: nobody else's, and not another scheme's."""
    if not group_permissions.is_organiser(user, scheme):
        return RosterUpload.objects.none()
    return RosterUpload.objects.filter(scheme=scheme)

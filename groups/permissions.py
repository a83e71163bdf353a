"""Who may see and do what. One place to audit access.

Queryset scopes return only what a user may see, so a view that looks an
object up through a scope answers 404 for anything else (another scheme's
objects included). Predicates answer "may this user do X to this object".
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from groups.models import (
    AccessLogEntry,
    BalintGroup,
    Invitation,
    Membership,
    Scheme,
    SchemeOrganiser,
    User,
)


def schemes_organised_by(user: User) -> QuerySet[Scheme]:
    if not user.is_authenticated:
        return Scheme.objects.none()
    return Scheme.objects.filter(organisers__person=user)


def groups_visible_to(user: User) -> QuerySet[BalintGroup]:
    """Groups the user belongs to (in any role, at any time) or organises."""
    if not user.is_authenticated:
        return BalintGroup.objects.none()
    # EXISTS, not joins and DISTINCT: looking up one session or group through this
    # filter then costs an index probe, not a scan of every group's memberships (21 ms
    # per register save in a national scheme).
    member = Membership.objects.filter(person=user, group=OuterRef("pk"))
    organiser = SchemeOrganiser.objects.filter(person=user, scheme=OuterRef("scheme"))
    return BalintGroup.objects.filter(Exists(member) | Exists(organiser))


def groups_managed_by(user: User) -> QuerySet[BalintGroup]:
    """Groups whose settings and memberships the user may change: their schemes' groups."""
    if not user.is_authenticated:
        return BalintGroup.objects.none()
    return BalintGroup.objects.filter(scheme__organisers__person=user)


def groups_led_by(user: User, on=None) -> QuerySet[BalintGroup]:
    """Groups the user currently leads or co-leads."""
    if not user.is_authenticated:
        return BalintGroup.objects.none()
    leading = Membership.objects.current(on).filter(person=user, role__in=Membership.LEADING_ROLES)
    # A subquery, not a join: callers annotate counts over all of the group's memberships.
    return BalintGroup.objects.filter(pk__in=leading.values("group_id"))


def memberships_managed_by(user: User) -> QuerySet[Membership]:
    if not user.is_authenticated:
        return Membership.objects.none()
    return Membership.objects.filter(group__scheme__organisers__person=user)


def invitations_managed_by(user: User) -> QuerySet[Invitation]:
    if not user.is_authenticated:
        return Invitation.objects.none()
    return Invitation.objects.filter(scheme__organisers__person=user)


def is_organiser(user: User, scheme: Scheme) -> bool:
    return schemes_organised_by(user).filter(pk=scheme.pk).exists()


def require_organiser(user: User, scheme: Scheme) -> None:
    """The services' first check: only a scheme's organisers change it."""
    if not is_organiser(user, scheme):
        raise PermissionDenied("Only the scheme's organisers can do this.")


def can_manage_group(user: User, group: BalintGroup) -> bool:
    return is_organiser(user, group.scheme)


def can_lead_group(user: User, group: BalintGroup) -> bool:
    """Current leader or co-leader of the group."""
    return (
        user.is_authenticated
        and Membership.objects.current(timezone.localdate())
        .filter(person=user, group=group, role__in=Membership.LEADING_ROLES)
        .exists()
    )


# --- Privacy ----------------------------------------------------------------------------


def people_erasable_by(user: User, scheme: Scheme) -> QuerySet[User]:
    """People of a scheme its organiser may erase: not themselves, not staff, and no one
    with a membership or organiser role in a scheme the organiser does not run (staff
    erase those, through the admin)."""
    if not is_organiser(user, scheme):
        return User.objects.none()
    mine = schemes_organised_by(user)
    elsewhere_member = Membership.objects.exclude(group__scheme__in=mine)
    elsewhere_organiser = SchemeOrganiser.objects.exclude(scheme__in=mine)
    return (
        User.objects.filter(
            Q(memberships__group__scheme=scheme) | Q(organiser_roles__scheme=scheme)
        )
        .exclude(pk=user.pk)
        .exclude(Q(is_staff=True) | Q(is_superuser=True))
        .exclude(memberships__in=elsewhere_member)
        .exclude(organiser_roles__in=elsewhere_organiser)
        .distinct()
    )


def schemes_overseen_by(user: User) -> QuerySet[Scheme]:
    """Staff: every scheme; an organiser: theirs. For the access log and recovering a
    lost second factor, which staff do for any scheme."""
    if user.is_authenticated and user.is_staff:
        return Scheme.objects.all()
    return schemes_organised_by(user)


def can_erase(user: User, person: User, scheme: Scheme) -> bool:
    return people_erasable_by(user, scheme).filter(pk=person.pk).exists()


def access_log_visible_to(user: User) -> QuerySet[AccessLogEntry]:
    """Staff read the whole log; an organiser, their schemes' entries."""
    if not user.is_authenticated:
        return AccessLogEntry.objects.none()
    if user.is_staff:
        return AccessLogEntry.objects.all()
    return AccessLogEntry.objects.filter(scheme__in=schemes_organised_by(user))

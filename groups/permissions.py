"""Who may see and do what. One place to audit access.

Queryset scopes return only what a user may see, so a view that looks an
object up through a scope answers 404 for anything else (another scheme's
objects included). Predicates answer "may this user do X to this object".
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

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


def groups_visible_to(user: User, on: date | None = None) -> QuerySet[BalintGroup]:
    """Groups whose people and sessions the user reads: those they belong to on `on`
    (default today; in any role) and their schemes' groups.

    Membership-bounded: from the day after a membership ends its holder keeps only
    their own history (sessions.permissions.sessions_visible_to), and someone joining
    later reads the group from their start date (until then: groups_known_to)."""
    if not user.is_authenticated:
        return BalintGroup.objects.none()
    # EXISTS, not joins and DISTINCT: looking up one session or group through this
    # filter then costs an index probe, not a scan of every group's memberships (21 ms
    # per register save in a national scheme).
    member = Membership.objects.current(on).filter(person=user, group=OuterRef("pk"))
    organiser = SchemeOrganiser.objects.filter(person=user, scheme=OuterRef("scheme"))
    return BalintGroup.objects.filter(Exists(member) | Exists(organiser))


def groups_known_to(user: User) -> QuerySet[BalintGroup]:
    """Groups the user belongs, belonged or will belong to, or organises: found by the
    group's page, which then shows a former or future member only their own place
    (place_in_group), and by what stays theirs after they leave (their term evaluation)."""
    if not user.is_authenticated:
        return BalintGroup.objects.none()
    member = Membership.objects.filter(person=user, group=OuterRef("pk"))
    organiser = SchemeOrganiser.objects.filter(person=user, scheme=OuterRef("scheme"))
    return BalintGroup.objects.filter(Exists(member) | Exists(organiser))


@dataclass(frozen=True)
class PlaceInGroup:
    """A person's place in one group on a day: what the group's page shows them."""

    reads_group: bool  # an organiser, or a membership covering the day: the whole page
    joining: Membership | None = None  # else their next membership, not begun: a welcome
    ended: Membership | None = None  # else their latest membership, ended: its end date


def place_in_group(
    person: User, memberships: Iterable[Membership], on: date, *, organiser: bool
) -> PlaceInGroup:
    """From the group's memberships (already read for its page): no query."""
    mine = [m for m in memberships if m.person_id == person.pk]
    if organiser or any(m.covers(on) for m in mine):
        return PlaceInGroup(reads_group=True)
    later = [m for m in mine if m.start_date > on]
    ended = [m for m in mine if m.end_date is not None and m.end_date < on]
    return PlaceInGroup(
        reads_group=False,
        joining=min(later, key=lambda m: m.start_date, default=None),
        ended=max(ended, key=lambda m: m.end_date, default=None),
    )


def first_session_day(group: BalintGroup, since: date) -> date | None:
    """The group's first session from `since` not cancelled: the one date a joining
    member's welcome gives (its rota and members wait for their start date).

    Sessions belong to the sessions app, which groups does not import: read through
    the reverse relation by name, as membership_selectors.first_day_for_new_members."""
    return (
        group.sessions.filter(slot_date__gte=since)
        .exclude(status="cancelled")
        .order_by("slot_date")
        .values_list("slot_date", flat=True)
        .first()
    )


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

"""Reads for guests and combined sessions: who a register lists, the sessions a trainee
may visit, and the requests waiting for a group's leaders."""

from datetime import timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from groups.models import BalintGroup, Membership, User
from sessions.models import GuestRequest, Session
from sessions.schedule.selectors import groups_meeting_at

# How far ahead a trainee is offered other groups' sessions to visit.
VISIT_WEEKS = 8
GUEST = "guest"  # the register role of an accepted guest (attendance.Attendance.Role.GUEST)


def register_roles(session: Session) -> dict[int, str]:
    """Everyone a session's register lists, by person id, with the role they attend in:
    the members, leaders and co-leaders of its group on that date, of every group whose
    session was combined into it, and its accepted guests. Two queries."""
    roles = {}
    memberships = Membership.objects.current(session.slot_date).filter(
        group__in=groups_meeting_at(session)
    )
    # No order: the loop does not need one, and Membership's joins three tables for it.
    for person_id, role in memberships.order_by().values_list("person_id", "role"):
        # Someone who leads one of the combined groups leads the combined session.
        if roles.get(person_id) not in Membership.LEADING_ROLES:
            roles[person_id] = role
    # A guest of a session combined into this one comes here with its group.
    guests = GuestRequest.objects.filter(
        Q(session=session) | Q(session__combined_into=session.pk),
        status=GuestRequest.Status.ACCEPTED,
    )
    for person_id in guests.values_list("person_id", flat=True):
        roles.setdefault(person_id, GUEST)
    return roles


def home_groups(person: User, on) -> QuerySet[BalintGroup]:
    """The groups the person is a member (not a leader) of on a date."""
    return BalintGroup.objects.filter(
        pk__in=Membership.objects.current(on)
        .filter(person=person, role=Membership.Role.MEMBER)
        .values("group")
    )


def sessions_to_visit(person: User) -> QuerySet[Session]:
    """Upcoming sessions of other groups in the schemes the person is a member in today,
    within VISIT_WEEKS: each still taking its own register (neither cancelled nor combined
    into another) and not one of their own groups'."""
    today = timezone.localdate()
    mine = Membership.objects.current(today).filter(person=person)
    return (
        Session.objects.filter(
            group__scheme__in=home_groups(person, today).values("scheme"),
            status=Session.Status.SCHEDULED,
            combined_into__isnull=True,
            starts_at__gte=timezone.now(),
            slot_date__lte=today + timedelta(weeks=VISIT_WEEKS),
        )
        .exclude(group__in=mine.values("group"))
        .select_related("group__scheme")
        .order_by("starts_at")
    )


def guest_requests_of(person: User) -> QuerySet[GuestRequest]:
    """The person's own requests to visit, soonest first."""
    return (
        GuestRequest.objects.filter(person=person)
        .select_related("session__group__scheme")
        .order_by("session__starts_at")
    )


def guest_requests_to(group: BalintGroup) -> QuerySet[GuestRequest]:
    """Requests to visit the group's upcoming sessions, waiting or accepted."""
    return (
        GuestRequest.objects.filter(
            session__group=group,
            session__starts_at__gte=timezone.now(),
            status__in=[GuestRequest.Status.PENDING, GuestRequest.Status.ACCEPTED],
        )
        .select_related("person", "session")
        .order_by("session__starts_at", "person__full_name")
    )


def combinable_with(session: Session) -> QuerySet[Session]:
    """Sessions of the scheme's other groups on the same date that can host this one:
    scheduled, taking their own register, and not hosting sessions themselves unless the
    host is this one's choice anyway (a host may take several groups)."""
    return (
        Session.objects.filter(
            group__scheme=session.group.scheme_id,
            slot_date=session.slot_date,
            status=Session.Status.SCHEDULED,
            combined_into__isnull=True,
        )
        .exclude(group=session.group_id)
        .select_related("group")
        .order_by("starts_at", "group__name")
    )

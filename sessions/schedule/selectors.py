"""Reads of the schedule: a group's sessions as its leaders see them, and a person's sessions.

Each runs a fixed number of queries whatever the data size.
"""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q, QuerySet
from django.utils import timezone

from groups.models import BalintGroup, Membership, User
from sessions.clashes.selectors import clashing_by_session
from sessions.leave.selectors import unavailable_by_day
from sessions.models import GuestRequest, Session

RECENT_SESSIONS = 4


def groups_meeting_at(session: Session) -> QuerySet[Session]:
    """The groups in the room at a session, as a subquery: its own, and those whose
    sessions were combined into it. One IN over the sessions lets the database follow
    the membership index by group; `group = x OR group IN (…)` read every membership of
    a national scheme instead (EXPLAIN ANALYZE: 2.7 ms against 0.1 ms)."""
    return Session.objects.filter(Q(pk=session.pk) | Q(combined_into=session.pk)).values("group")


def upcoming_sessions(group: BalintGroup) -> QuerySet[Session]:
    return group.sessions.filter(
        status=Session.Status.SCHEDULED, starts_at__gte=timezone.now()
    ).order_by("starts_at")


def upcoming_with_presenters(group: BalintGroup) -> QuerySet[Session]:
    """The leader's list of the group's sessions to come."""
    return upcoming_sessions(group).select_related("presenter", "combined_into__group")


def recent_sessions(group: BalintGroup) -> list[Session]:
    """The latest sessions that have started and were not cancelled: the registers to take,
    or, of a session combined into another group's, the host's register."""
    return list(
        group.sessions.exclude(status=Session.Status.CANCELLED)
        .filter(starts_at__lte=timezone.now())
        .select_related("combined_into__group")
        .order_by("-starts_at")[:RECENT_SESSIONS]
    )


def group_members(group: BalintGroup) -> QuerySet[User]:
    """Everyone who has been a member (not leader) of the group: the presenter choices."""
    return (
        User.objects.filter(memberships__group=group, memberships__role=Membership.Role.MEMBER)
        .distinct()
        .order_by("full_name")
    )


# --- A group's sessions as its leaders see them ---------------------------------------------------


@dataclass
class SessionRow:
    session: Session
    members: list[User] = field(default_factory=list)
    on_leave: list[User] = field(default_factory=list)
    on_call: list[User] = field(default_factory=list)
    guests: int = 0  # accepted guests from other groups (expected_rows only)

    @property
    def absent(self) -> set[int]:
        """Members expected away: on leave or on call (counted once if both)."""
        return {p.pk for p in self.on_leave} | {p.pk for p in self.on_call}

    @property
    def expected(self) -> int:
        return len(self.members) - len(self.absent) + self.guests

    @property
    def below_minimum(self) -> bool:
        """Fewer expected than the group's minimum; never for a session combined into
        another group's: its members meet in the host's room, counted on the host's row."""
        if self.session.combined_into_id is not None:
            return False
        return self.expected < self.session.group.min_members


def expected_rows(sessions: list[Session]) -> dict[int, SessionRow]:
    """Per session (by pk): who is expected there that day: its group's members and those
    of the groups whose sessions were combined into it, who of them is on leave and who on
    call, and how many accepted guests come. Five queries for any number of groups.

    Each session's `group` is read for its minimum (SessionRow.below_minimum): load it
    with the sessions."""
    if not sessions:
        return {}
    days = [session.slot_date for session in sessions]
    # Sessions combined into these meet there: their groups are expected, and their own
    # on-call clashes (computed against the combined session) still apply.
    meets_at = {session.pk: [(session.pk, session.group_id)] for session in sessions}
    for pk, group_id, host in Session.objects.filter(combined_into__in=list(meets_at)).values_list(
        "pk", "group_id", "combined_into"
    ):
        meets_at[host].append((pk, group_id))
    memberships = list(
        Membership.objects.filter(
            group__in={group_id for parts in meets_at.values() for _, group_id in parts},
            role=Membership.Role.MEMBER,
            start_date__lte=max(days),
        )
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=min(days)))
        .select_related("person")
        .order_by("person__full_name")
    )
    away = unavailable_by_day({m.person_id for m in memberships}, days)
    clashing = clashing_by_session(pk for parts in meets_at.values() for pk, _ in parts)
    guests: dict[int, set[int]] = {}
    # Guests of a session combined into another come to its host with the group.
    host_of = {pk: host for host, parts in meets_at.items() for pk, _ in parts}
    for session_id, person_id in GuestRequest.objects.filter(
        session__in=list(host_of), status=GuestRequest.Status.ACCEPTED
    ).values_list("session", "person"):
        guests.setdefault(host_of[session_id], set()).add(person_id)
    rows = {}
    for session in sessions:
        groups = {group_id for _, group_id in meets_at[session.pk]}
        members = [
            m.person for m in memberships if m.group_id in groups and m.covers(session.slot_date)
        ]
        leave = away.get(session.slot_date, set())
        call = set().union(*(clashing.get(pk, set()) for pk, _ in meets_at[session.pk]))
        rows[session.pk] = SessionRow(
            session,
            members=members,
            on_leave=[p for p in members if p.pk in leave],
            on_call=[p for p in members if p.pk in call],
            # A guest whose group then combined into the session is expected once.
            guests=len(guests.get(session.pk, set()) - {p.pk for p in members}),
        )
    return rows


def session_rows(group: BalintGroup, sessions: list[Session]) -> list[SessionRow]:
    """Per session of the group, in order: who is expected (expected_rows). Five queries."""
    for session in sessions:
        session.group = group  # for its minimum, without a query per row
    rows = expected_rows(sessions)
    return [rows[session.pk] for session in sessions]


# --- A person's sessions -----------------------------------------------------------------------


def sessions_in_memberships(person: User, since: date) -> QuerySet[Session]:
    """Sessions of the person's groups dated within their memberships, from `since` on."""
    memberships = Membership.objects.filter(person=person).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=since)
    )
    covered = Q()
    for m in memberships:
        span = Q(group_id=m.group_id, slot_date__gte=max(m.start_date, since))
        if m.end_date:
            span &= Q(slot_date__lte=m.end_date)
        covered |= span
    if not covered:
        return Session.objects.none()
    return (
        Session.objects.filter(covered)
        .select_related("group", "group__scheme", "presenter")
        .order_by("starts_at")
    )


def my_upcoming_sessions(person: User) -> QuerySet[Session]:
    """Upcoming sessions of the groups the person belongs to on the session's date."""
    return sessions_in_memberships(person, timezone.localdate()).filter(
        starts_at__gte=timezone.now()
    )

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
from sessions.models import Session

RECENT_SESSIONS = 4


def upcoming_sessions(group: BalintGroup) -> QuerySet[Session]:
    return group.sessions.filter(
        status=Session.Status.SCHEDULED, starts_at__gte=timezone.now()
    ).order_by("starts_at")


def upcoming_with_presenters(group: BalintGroup) -> QuerySet[Session]:
    """The leader's list of the group's sessions to come."""
    return upcoming_sessions(group).select_related("presenter", "combined_into__group")


def recent_sessions(group: BalintGroup) -> list[Session]:
    """The latest sessions that have started and were not cancelled: the registers to take."""
    return list(
        group.sessions.exclude(status=Session.Status.CANCELLED)
        .filter(starts_at__lte=timezone.now())
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

    @property
    def absent(self) -> set[int]:
        """Members expected away: on leave or on call (counted once if both)."""
        return {p.pk for p in self.on_leave} | {p.pk for p in self.on_call}

    @property
    def expected(self) -> int:
        return len(self.members) - len(self.absent)

    @property
    def below_minimum(self) -> bool:
        return self.expected < self.session.group.min_members


def expected_rows(sessions: list[Session]) -> dict[int, SessionRow]:
    """Per session (by pk): its group's members that day, who is on leave and who is on
    call, as session_rows does for one group. Three queries for any number of groups.

    Each session's `group` is read for its minimum (SessionRow.below_minimum): load it
    with the sessions."""
    if not sessions:
        return {}
    days = [session.slot_date for session in sessions]
    memberships = list(
        Membership.objects.filter(
            group__in={session.group_id for session in sessions},
            role=Membership.Role.MEMBER,
            start_date__lte=max(days),
        )
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=min(days)))
        .select_related("person")
        .order_by("person__full_name")
    )
    away = unavailable_by_day({m.person_id for m in memberships}, days)
    clashing = clashing_by_session(session.pk for session in sessions)
    rows = {}
    for session in sessions:
        members = [
            m.person
            for m in memberships
            if m.group_id == session.group_id and m.covers(session.slot_date)
        ]
        leave = away.get(session.slot_date, set())
        call = clashing.get(session.pk, set())
        rows[session.pk] = SessionRow(
            session,
            members=members,
            on_leave=[p for p in members if p.pk in leave],
            on_call=[p for p in members if p.pk in call],
        )
    return rows


def session_rows(group: BalintGroup, sessions: list[Session]) -> list[SessionRow]:
    """Per session: its members on that date, who has leave and who is on call. Three queries."""
    memberships = list(
        group.memberships.filter(role=Membership.Role.MEMBER).select_related("person")
    )
    days = [s.slot_date for s in sessions]
    on_leave = unavailable_by_day({m.person_id for m in memberships}, days)
    on_call = clashing_by_session(s.pk for s in sessions)
    rows = []
    for session in sessions:
        members = [m.person for m in memberships if m.covers(session.slot_date)]
        away = on_leave.get(session.slot_date, set())
        clashing = on_call.get(session.pk, set())
        rows.append(
            SessionRow(
                session,
                members=members,
                on_leave=[p for p in members if p.pk in away],
                on_call=[p for p in members if p.pk in clashing],
            )
        )
    return rows


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

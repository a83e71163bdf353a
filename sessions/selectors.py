"""Reads shared by the rota pages and services, each a fixed number of queries."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from groups.models import BalintGroup, Membership, User
from sessions.models import Leave, Session
from sessions.rota import RotaMember, RotaSlot


def upcoming_sessions(group: BalintGroup) -> QuerySet[Session]:
    return group.sessions.filter(
        status=Session.Status.SCHEDULED, starts_at__gte=timezone.now()
    ).order_by("starts_at")


RECENT_SESSIONS = 4


def recent_sessions(group: BalintGroup) -> list[Session]:
    """The latest sessions that have started and were not cancelled: the registers to take."""
    return list(
        group.sessions.exclude(status=Session.Status.CANCELLED)
        .filter(starts_at__lte=timezone.now())
        .order_by("-starts_at")[:RECENT_SESSIONS]
    )


def is_member_on(person: User, group: BalintGroup, day: date, role: str | None = None) -> bool:
    memberships = Membership.objects.current(day).filter(person=person, group=group)
    if role:
        memberships = memberships.filter(role=role)
    return memberships.exists()


def _overlapping_leave(person_ids, first: date, last: date) -> QuerySet[Leave]:
    return Leave.objects.filter(person__in=person_ids, start_date__lte=last, end_date__gte=first)


def unavailable_by_day(person_ids, days: list[date]) -> dict[date, set[int]]:
    """Who is on leave on each of the given days. One query."""
    if not days:
        return {}
    absent: dict[date, set[int]] = defaultdict(set)
    for leave in _overlapping_leave(person_ids, min(days), max(days)):
        for day in days:
            if leave.covers(day):
                absent[day].add(leave.person_id)
    return absent


@dataclass
class RotaInputs:
    members: list[RotaMember]
    slots: list[RotaSlot]
    counts: dict[int, int]
    last_presented: dict[int, date]


def rota_inputs(group: BalintGroup, upcoming: list[Session]) -> RotaInputs:
    """Everything plan_rota needs, in three queries whatever the group's history."""
    memberships = list(
        group.memberships.filter(role=Membership.Role.MEMBER).order_by("start_date", "pk")
    )
    members = [
        RotaMember(person=m.person_id, start=m.start_date, end=m.end_date, order=i)
        for i, m in enumerate(memberships)
    ]
    person_ids = {m.person_id for m in memberships}
    days = [s.slot_date for s in upcoming]
    on_leave = unavailable_by_day(person_ids, days)
    slots = [
        RotaSlot(
            key=s.pk,
            day=s.slot_date,
            presenter=s.presenter_id,
            unavailable=frozenset(on_leave.get(s.slot_date, ())),
        )
        for s in upcoming
    ]
    # Presentations count from the start of each person's latest membership: a
    # trainee who rejoins is not held to an old tally.
    since = {}
    for m in memberships:
        since[m.person_id] = max(since.get(m.person_id, m.start_date), m.start_date)
    counts: dict[int, int] = defaultdict(int)
    last: dict[int, date] = {}
    presented = group.sessions.exclude(status=Session.Status.CANCELLED).filter(
        presenter__in=person_ids
    )
    for person_id, day in presented.values_list("presenter_id", "slot_date"):
        if day >= since[person_id]:
            counts[person_id] += 1
            last[person_id] = max(last.get(person_id, day), day)
    return RotaInputs(members=members, slots=slots, counts=dict(counts), last_presented=last)


@dataclass
class SessionRow:
    session: Session
    members: list[User] = field(default_factory=list)
    on_leave: list[User] = field(default_factory=list)

    @property
    def expected(self) -> int:
        return len(self.members) - len(self.on_leave)

    @property
    def below_minimum(self) -> bool:
        return self.expected < self.session.group.min_members


def session_rows(group: BalintGroup, sessions: list[Session]) -> list[SessionRow]:
    """Per session: its members on that date and who has leave. Two queries."""
    memberships = list(
        group.memberships.filter(role=Membership.Role.MEMBER).select_related("person")
    )
    days = [s.slot_date for s in sessions]
    on_leave = unavailable_by_day({m.person_id for m in memberships}, days)
    rows = []
    for session in sessions:
        members = [m.person for m in memberships if m.covers(session.slot_date)]
        away = on_leave.get(session.slot_date, set())
        rows.append(
            SessionRow(session, members=members, on_leave=[p for p in members if p.pk in away])
        )
    return rows


def _sessions_in_memberships(person: User, since: date) -> QuerySet[Session]:
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
    return _sessions_in_memberships(person, timezone.localdate()).filter(
        starts_at__gte=timezone.now()
    )


FEED_HISTORY_DAYS = 90


def feed_sessions(person: User) -> QuerySet[Session]:
    """The calendar feed: recent and upcoming sessions, cancelled ones included."""
    since = timezone.localdate() - timedelta(days=FEED_HISTORY_DAYS)
    return _sessions_in_memberships(person, since)


def next_presentation(person: User) -> Session | None:
    return (
        Session.objects.filter(
            presenter=person, status=Session.Status.SCHEDULED, starts_at__gte=timezone.now()
        )
        .select_related("group")
        .order_by("starts_at")
        .first()
    )

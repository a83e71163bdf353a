"""Reads shared by the rota pages and services, each a fixed number of queries."""

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from groups.models import BalintGroup, Membership, Scheme, User
from sessions import rosters
from sessions.models import Clash, Leave, OnCallShift, RosterSource, RosterUpload, Session
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


def clashing_by_session(session_ids) -> dict[int, set[int]]:
    """Who has an open on-call clash with each of the given sessions. One query."""
    clashing: dict[int, set[int]] = defaultdict(set)
    ids = list(session_ids)
    if not ids:
        return clashing
    open_clashes = Clash.objects.filter(session_id__in=ids, resolved_at__isnull=True)
    for session_id, person_id in open_clashes.values_list("session_id", "person_id"):
        clashing[session_id].add(person_id)
    return clashing


@dataclass
class RotaInputs:
    members: list[RotaMember]
    slots: list[RotaSlot]
    counts: dict[int, int]
    last_presented: dict[int, date]


def rota_inputs(group: BalintGroup, upcoming: list[Session]) -> RotaInputs:
    """Everything plan_rota needs, in four queries whatever the group's history.

    A member on leave that day, or with an on-call clash with the session, is
    unavailable for it.
    """
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
    on_call = clashing_by_session(s.pk for s in upcoming)
    slots = [
        RotaSlot(
            key=s.pk,
            day=s.slot_date,
            presenter=s.presenter_id,
            unavailable=frozenset(on_leave.get(s.slot_date, set()) | on_call.get(s.pk, set())),
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
        .select_related("group__scheme")  # pages show it in the scheme's time zone
        .order_by("starts_at")
        .first()
    )


# --- On-call rosters and clashes -------------------------------------------------------------


def zone_for(person: User) -> ZoneInfo:
    """The time zone a person's roster is read in: their latest scheme's, or the server's."""
    scheme_zone = (
        Membership.objects.filter(person=person)
        .order_by("-start_date", "-pk")
        .values_list("group__scheme__time_zone", flat=True)
        .first()
    )
    return ZoneInfo(scheme_zone or settings.TIME_ZONE)


def my_clashes(person: User, session_ids) -> dict[int, Clash]:
    """The person's open clashes with the given sessions, by session. One query."""
    ids = list(session_ids)
    if not ids:
        return {}
    clashes = Clash.objects.filter(person=person, session_id__in=ids, resolved_at__isnull=True)
    return {c.session_id: c for c in clashes}


def upcoming_clashes(person: User) -> QuerySet[Clash]:
    return (
        Clash.objects.filter(
            person=person,
            resolved_at__isnull=True,
            session__status=Session.Status.SCHEDULED,
            session__starts_at__gte=timezone.now(),
        )
        .select_related("session__group__scheme", "session__presenter")
        .order_by("session__starts_at")
    )


def roster_sources_of(person: User) -> QuerySet[RosterSource]:
    """The person's own sources, with the number of their shifts."""
    return RosterSource.objects.filter(person=person).annotate(shift_count=Count("shifts"))


def scheme_roster_sources(scheme: Scheme) -> QuerySet[RosterSource]:
    return RosterSource.objects.filter(scheme=scheme).annotate(
        shift_count=Count("shifts"), people_count=Count("shifts__person", distinct=True)
    )


def upcoming_shifts(person: User) -> QuerySet[OnCallShift]:
    """The person's shifts from every source (their own and their scheme's), from now on."""
    return (
        OnCallShift.objects.filter(person=person, ends_at__gt=timezone.now())
        .select_related("source")
        .order_by("starts_at", "pk")
    )


def scheme_people(scheme: Scheme) -> rosters.PeopleIndex:
    """Everyone who has been in one of the scheme's groups: whom an organiser's file may name."""
    people = (
        User.objects.filter(memberships__group__scheme=scheme)
        .distinct()
        .values_list("pk", "email", "registration_number")
    )
    return rosters.PeopleIndex.of(people)


def organiser_rows(upload: RosterUpload) -> list[rosters.ShiftRow]:
    """An organiser's stored file read now: what its preview shows and its application saves."""
    scheme = upload.scheme
    return rosters.parse_organiser(
        bytes(upload.content),
        upload.filename,
        people=scheme_people(scheme),
        zone=ZoneInfo(scheme.time_zone),
        today=timezone.localdate(),
    )


def rows_digest(rows: list[rosters.ShiftRow]) -> str:
    """A fingerprint of parsed rows: the application must save exactly what the preview showed."""
    digest = hashlib.sha256()
    for row in rows:
        digest.update(
            f"{row.person_id}|{row.starts_at.isoformat()}|{row.ends_at.isoformat()}|"
            f"{row.all_day}|{row.shift_type}\n".encode()
        )
    return digest.hexdigest()

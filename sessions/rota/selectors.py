"""Reads for the presenter rota: who may present when, each a fixed number of queries."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from groups.models import BalintGroup, Membership, User
from sessions import permissions
from sessions.clashes.selectors import clashing_by_session, on_call
from sessions.leave.selectors import on_leave, unavailable_by_day
from sessions.models import Session, SwapRequest
from sessions.rota.planning import RotaMember, RotaSlot
from sessions.schedule import selectors as schedule_selectors


def is_member_on(person: User, group: BalintGroup, day: date, role: str | None = None) -> bool:
    memberships = Membership.objects.current(day).filter(person=person, group=group)
    if role:
        memberships = memberships.filter(role=role)
    return memberships.exists()


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


def my_rota_sessions(person: User) -> QuerySet[Session]:
    """The person's upcoming sessions, each marked `on_leave` when they are away that day."""
    return schedule_selectors.my_upcoming_sessions(person).annotate(on_leave=on_leave(person))


def next_presentation(person: User) -> Session | None:
    """Their next presenting date, marked `on_leave` and `on_call` when they are away."""
    return (
        Session.objects.filter(
            presenter=person, status=Session.Status.SCHEDULED, starts_at__gte=timezone.now()
        )
        .annotate(on_leave=on_leave(person), on_call=on_call(person))
        .select_related("group__scheme")  # pages show it in the scheme's time zone
        .order_by("starts_at")
        .first()
    )


def pending_swaps(person: User) -> QuerySet[SwapRequest]:
    """Open swap requests the person made or was asked."""
    return (
        permissions.swaps_involving(person)
        .filter(status=SwapRequest.Status.PENDING)
        .select_related("requester", "recipient", "requester_session", "recipient_session")
    )


# Accepting a swap that puts someone in front of the group this soon asks them first.
CONFIRM_WITHIN = timedelta(hours=48)
# How long My rota shows a request's answer, or that it was withdrawn.
SWAP_NEWS_DAYS = 14


def rota_swaps(person: User, now: datetime) -> list[SwapRequest]:
    """One query for My rota: the person's open swap requests, both ways, and those
    answered or withdrawn in the last SWAP_NEWS_DAYS (views split them)."""
    since = now - timedelta(days=SWAP_NEWS_DAYS)
    return list(
        permissions.swaps_involving(person)
        .filter(Q(status=SwapRequest.Status.PENDING) | Q(decided_at__gte=since))
        .select_related("requester", "recipient", "requester_session", "recipient_session")
        .order_by("requester_session__starts_at", "pk")
    )


def swap_news(person: User, swaps: list[SwapRequest]) -> list[SwapRequest]:
    """Of `swaps` (rota_swaps), what the person did not do themselves, latest first: the
    answers to their requests, and the requests to them that were withdrawn."""
    answered = (SwapRequest.Status.ACCEPTED, SwapRequest.Status.DECLINED)
    news = [
        swap
        for swap in swaps
        if (swap.requester_id == person.pk and swap.status in answered)
        or (swap.recipient_id == person.pk and swap.status == SwapRequest.Status.WITHDRAWN)
    ]
    return sorted(news, key=lambda swap: swap.decided_at, reverse=True)


def open_swaps_about(session_ids) -> QuerySet[SwapRequest]:
    """Open requests about any of these sessions, with what a notice of them names."""
    ids = list(session_ids)
    return (
        SwapRequest.objects.filter(status=SwapRequest.Status.PENDING)
        .filter(Q(requester_session__in=ids) | Q(recipient_session__in=ids))
        .select_related(
            "requester", "recipient", "requester_session__group__scheme", "recipient_session"
        )
        .order_by("pk")
    )


def presents_soon(starts_at: datetime, now: datetime) -> bool:
    return starts_at - now <= CONFIRM_WITHIN


@dataclass(frozen=True)
class AcceptCheck:
    """What accepting a swap does that the person accepting should see first."""

    session: Session  # the date they would present at, with its group and scheme
    soon: bool  # within CONFIRM_WITHIN
    closes: list[SwapRequest] = field(default_factory=list)  # their other open requests

    @property
    def needs_confirmation(self) -> bool:
        return self.soon or bool(self.closes)


def swap_choices(group: BalintGroup, person: User) -> QuerySet[Session]:
    """The group's upcoming dates someone else presents on and the person could present
    at: not on leave that day, nor on call then."""
    return (
        schedule_selectors.upcoming_sessions(group)
        .filter(presenter__isnull=False)
        .exclude(presenter=person)
        .exclude(on_leave(person))
        .exclude(on_call(person))
        .select_related("presenter")
    )


def away_reason(person: User, session: Session) -> str:
    """Why the person cannot present at the session ("" when they can). One query."""
    away = Session.objects.filter(pk=session.pk).values_list(on_leave(person), on_call(person))
    leave, clash = away.get()
    return "is on leave that day" if leave else "is on call then" if clash else ""

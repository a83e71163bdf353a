"""Reads for the presenter rota: who may present when, each a fixed number of queries."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Exists, Q, QuerySet
from django.utils import timezone

from groups.models import BalintGroup, Membership, User
from sessions import permissions
from sessions.clashes.selectors import clashing_by_session, on_call
from sessions.leave.selectors import on_leave, unavailable_by_day
from sessions.models import PresentingOffer, Session, SwapRequest
from sessions.rota.planning import Assignment, RotaMember, RotaSlot, walk_rota
from sessions.schedule import selectors as schedule_selectors


def is_member_on(person: User, group: BalintGroup, day: date, role: str | None = None) -> bool:
    memberships = Membership.objects.current(day).filter(person=person, group=group)
    if role:
        memberships = memberships.filter(role=role)
    return memberships.exists()


@dataclass
class RotaInputs:
    """What the planner needs for one group's sessions (planning.walk_rota), and what
    explains its choices on the rota pages."""

    members: list[RotaMember]
    slots: list[RotaSlot]
    counts: dict[int, int]  # presentations in the current membership, before the slots
    last_presented: dict[int, date]
    memberships: list[Membership] = field(default_factory=list)  # members', with the person
    on_leave: dict[date, set[int]] = field(default_factory=dict)
    on_call: dict[int, set[int]] = field(default_factory=dict)  # session -> people
    # Session -> person -> their offer to present that day.
    offers: dict[int, dict[int, PresentingOffer]] = field(default_factory=dict)

    def walk(self) -> list[Assignment]:
        return walk_rota(
            slots=self.slots,
            members=self.members,
            counts=self.counts,
            last_presented=self.last_presented,
        )

    def plan(self) -> dict[int, int]:
        """Session id -> person id for the sessions without a presenter."""
        return {a.key: a.person for a in self.walk() if a.planned}


def rota_inputs(group: BalintGroup, upcoming: list[Session]) -> RotaInputs:
    """Everything the planner needs for `upcoming`, the group's sessions to plan, in five
    queries whatever the group's history.

    A member on leave that day, or with an on-call clash with the session, is
    unavailable for it; one who offered to present that day is a volunteer for it.
    """
    return rota_inputs_by_group([group], upcoming)[group.pk]


def rota_inputs_by_group(groups, upcoming: list[Session]) -> dict[int, RotaInputs]:
    """rota_inputs for several groups at once, in the same five queries."""
    group_ids = [g.pk for g in groups]
    memberships = list(
        Membership.objects.filter(group__in=group_ids, role=Membership.Role.MEMBER)
        .select_related("person")
        .order_by("start_date", "pk")
    )
    person_ids = {m.person_id for m in memberships}
    away = unavailable_by_day(person_ids, [s.slot_date for s in upcoming])
    clashing = clashing_by_session(s.pk for s in upcoming)
    offers: dict[int, dict[int, PresentingOffer]] = defaultdict(dict)
    if upcoming:
        for offer in PresentingOffer.objects.filter(session__in=[s.pk for s in upcoming]):
            offers[offer.session_id][offer.person_id] = offer
    # Presentations count from the start of each person's latest membership: a
    # trainee who rejoins is not held to an old tally, nor one who moved groups.
    since: dict[tuple[int, int], date] = {}
    for m in memberships:
        key = (m.group_id, m.person_id)
        since[key] = max(since.get(key, m.start_date), m.start_date)
    planned = {s.pk for s in upcoming}
    counts: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    last: dict[int, dict[int, date]] = defaultdict(dict)
    presented = (
        Session.objects.filter(group__in=group_ids, presenter__in=person_ids)
        .exclude(status=Session.Status.CANCELLED)
        .values_list("group_id", "presenter_id", "slot_date", "pk")
    )
    for group_id, person_id, day, pk in presented:
        start = since.get((group_id, person_id))
        if pk not in planned and start is not None and day >= start:
            counts[group_id][person_id] += 1
            last[group_id][person_id] = max(last[group_id].get(person_id, day), day)

    inputs = {}
    for group_id in group_ids:
        mine = [m for m in memberships if m.group_id == group_id]
        sessions = [s for s in upcoming if s.group_id == group_id]
        inputs[group_id] = RotaInputs(
            members=[
                RotaMember(person=m.person_id, start=m.start_date, end=m.end_date, order=i)
                for i, m in enumerate(mine)
            ],
            slots=[
                RotaSlot(
                    key=s.pk,
                    day=s.slot_date,
                    presenter=s.presenter_id,
                    unavailable=frozenset(away.get(s.slot_date, set()) | clashing.get(s.pk, set())),
                    volunteers=frozenset(offers.get(s.pk, {})),
                )
                for s in sessions
            ],
            counts=dict(counts[group_id]),
            last_presented=dict(last[group_id]),
            memberships=mine,
            on_leave=away,
            on_call=clashing,
            offers=offers,
        )
    return inputs


def my_rota_sessions(person: User) -> QuerySet[Session]:
    """The person's upcoming sessions, each marked `on_leave` when they are away that day."""
    return schedule_selectors.my_upcoming_sessions(person).annotate(on_leave=on_leave(person))


def next_presentation(person: User) -> Session | None:
    """Their next presenting date, marked `on_leave` and `on_call` when they are away, and
    `presented_before` when they have presented at a session that has started."""
    now = timezone.now()
    before = Session.objects.filter(presenter=person, starts_at__lt=now).exclude(
        status=Session.Status.CANCELLED
    )
    return (
        Session.objects.filter(
            presenter=person, status=Session.Status.SCHEDULED, starts_at__gte=now
        )
        .annotate(
            on_leave=on_leave(person), on_call=on_call(person), presented_before=Exists(before)
        )
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


LEAVE, CALL = "leave", "call"


def away_kind(person: User, session: Session) -> str:
    """LEAVE or CALL when the person cannot present at the session ("" when they can).
    One query."""
    away = Session.objects.filter(pk=session.pk).values_list(on_leave(person), on_call(person))
    leave, clash = away.get()
    return LEAVE if leave else CALL if clash else ""


def away_reason(person: User, session: Session) -> str:
    """Why the person cannot present at the session ("" when they can). One query."""
    return {LEAVE: "is on leave that day", CALL: "is on call then"}.get(
        away_kind(person, session), ""
    )


# --- Offers to present --------------------------------------------------------------


def next_session(group: BalintGroup) -> Session | None:
    """The group's next session: the one "I have a case" is for."""
    return schedule_selectors.upcoming_sessions(group).first()


def offers_of(user: User) -> QuerySet[PresentingOffer]:
    if not user.is_authenticated:
        return PresentingOffer.objects.none()
    return PresentingOffer.objects.filter(person=user)


def offer_withdrawable(offer: PresentingOffer, session: Session, now: datetime) -> bool:
    """An offer can be taken back until the rota for its date is planned: a volunteer's
    until the date has a presenter; a case offered for a date someone else presents at
    until the session, unless its person was made the presenter (they give it back)."""
    if session.status != Session.Status.SCHEDULED or session.starts_at <= now:
        return False
    if session.presenter_id is None:
        return True
    return (
        offer.kind == PresentingOffer.Kind.HAVE_A_CASE and session.presenter_id != offer.person_id
    )

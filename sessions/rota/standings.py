"""Reads for the rota pages: each member's standing in their group's presenter rota (how
often they presented in their current membership, their next date, and why the rota
orders them so), the offers to present, and what a member may offer on My rota.

The reasons come from the planner's own walk (planning.walk_rota), so the page says
what the planner did. Each read runs a fixed number of queries whatever the data size.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.utils import timezone

from groups.models import BalintGroup, Membership, User
from sessions.models import PresentingOffer, Session
from sessions.rota import selectors
from sessions.rota.planning import Assignment, Reason

# Dates a member is away that a standing lists, at most.
AWAY_SHOWN = 3


def day_label(day: date) -> str:
    return f"{day.day} {day:%b}"


@dataclass
class Standing:
    person: User
    presented: int  # in their current membership, before today
    dates: int  # upcoming dates
    next_date: date | None
    reason: str  # why the rota gives them their next date, or none
    away: list[str] = field(default_factory=list)  # "on leave 12 Jan", up to their next date
    away_only: bool = False  # the reason is that they are away: theirs and the leaders' to see


@dataclass
class OfferRow:
    day: date
    person: User
    kind: str  # as shown: "Volunteered", "Has a case"
    taken: bool  # they present that day


@dataclass
class GroupRota:
    group: BalintGroup
    standings: list[Standing]
    offers: list[OfferRow]
    next_session_id: int | None
    open_dates: int  # upcoming sessions without a presenter
    memberships: list[Membership] = field(default_factory=list)
    offers_by_session: dict = field(default_factory=dict)  # session -> person -> offer


def group_rota(group: BalintGroup) -> GroupRota:
    """The leaders' rota page. Six queries."""
    return _rotas([group])[0]


def member_rotas(person: User) -> list[GroupRota]:
    """The rotas of the groups the person is a member of today (not those they lead, nor
    one they have left or not yet joined). Seven queries, whatever the number of groups."""
    current = Membership.objects.current(timezone.localdate()).filter(
        person=person, role=Membership.Role.MEMBER
    )
    groups = BalintGroup.objects.filter(pk__in=current.values("group_id")).order_by("name")
    return _rotas(list(groups))


def _rotas(groups: list[BalintGroup]) -> list[GroupRota]:
    upcoming = list(
        Session.objects.filter(
            group__in=groups, status=Session.Status.SCHEDULED, starts_at__gte=timezone.now()
        ).order_by("starts_at", "pk")
    )
    inputs = selectors.rota_inputs_by_group(groups, upcoming)
    return [_group_rota(group, upcoming, inputs[group.pk]) for group in groups]


def _reason_text(assignment: Assignment, offer_kind: str | None) -> str:
    match assignment.reason:
        case Reason.VOLUNTEERED:
            return "has a case" if offer_kind == PresentingOffer.Kind.HAVE_A_CASE else "volunteered"
        case Reason.OVERDUE:
            return f"waited {assignment.waited} sessions"
        case Reason.FEWEST:
            return f"fewest presentations ({assignment.presentations})"
    return "set by hand or swapped"


def _group_rota(group: BalintGroup, upcoming: list[Session], inputs) -> GroupRota:
    today = timezone.localdate()
    walked = inputs.walk()
    latest: dict[int, Membership] = {}
    for m in inputs.memberships:  # by start date: the last one per person wins
        if m.end_date is None or m.end_date >= today:
            latest[m.person_id] = m
    standings = [_standing(m, inputs, walked, today) for m in latest.values()]
    standings.sort(key=lambda s: (s.next_date is None, s.next_date or today, s.person.full_name))
    people = {m.person_id: m.person for m in inputs.memberships}
    offers = [
        OfferRow(
            day=session.slot_date,
            person=people[person_id],
            kind=offer.get_kind_display(),
            taken=session.presenter_id == person_id,
        )
        for session in upcoming
        if session.group_id == group.pk
        for person_id, offer in inputs.offers.get(session.pk, {}).items()
        if person_id in people
    ]
    return GroupRota(
        group=group,
        standings=standings,
        offers=offers,
        next_session_id=inputs.slots[0].key if inputs.slots else None,
        open_dates=sum(s.presenter is None for s in inputs.slots),
        memberships=inputs.memberships,
        offers_by_session=inputs.offers,
    )


def _standing(membership: Membership, inputs, walked: list[Assignment], today: date) -> Standing:
    person_id = membership.person_id
    spans = [m for m in inputs.members if m.person == person_id]
    covered = [s for s in inputs.slots if any(m.covers(s.day) for m in spans)]
    mine = [a for a in walked if a.person == person_id and not a.planned]
    upto = mine[0].day if mine else None
    away = []
    for slot in covered:
        if upto is not None and slot.day > upto:
            break
        if person_id in inputs.on_leave.get(slot.day, ()):
            away.append(f"on leave {day_label(slot.day)}")
        elif person_id in inputs.on_call.get(slot.key, ()):
            away.append(f"on call {day_label(slot.day)}")
    presented = inputs.counts.get(person_id, 0)
    away_only = not mine and bool(covered) and len(away) == len(covered)
    if mine:
        offer = inputs.offers.get(mine[0].key, {}).get(person_id)
        reason = _reason_text(mine[0], offer.kind if offer else None)
    elif not covered:
        reason = _outside(membership, today)
    elif away_only:
        reason = "away on every date"
    elif any(a.person == person_id for a in walked if a.planned):
        reason = "not planned yet"  # the next open date is theirs when the rota is planned
    else:
        reason = f"more presentations than others ({presented})"
    return Standing(
        person=membership.person,
        presented=presented,
        dates=len(mine),
        next_date=upto,
        reason=reason,
        away=away[:AWAY_SHOWN],
        away_only=away_only,
    )


def _outside(membership: Membership, today: date) -> str:
    """Why a member has no upcoming date to present at: their membership is elsewhere."""
    if membership.start_date > today:
        return f"joins {day_label(membership.start_date)}"
    if membership.end_date:
        return f"membership ends {day_label(membership.end_date)}"
    return "no upcoming sessions"


# --- What a member may offer on My rota ----------------------------------------------


@dataclass(frozen=True)
class OfferActions:
    can_volunteer: bool = False
    can_have_case: bool = False
    offer: PresentingOffer | None = None  # theirs for the session
    withdrawable: bool = False


def offer_actions(
    person: User, sessions: list[Session], rotas: list[GroupRota], now: datetime
) -> dict[int, OfferActions]:
    """Per session of My rota (annotated with `on_leave`, and `my_clash` set): what the
    person may offer, or their offer and whether they can still withdraw it. No query:
    the rotas of their groups hold their offers."""
    rota_of = {rota.group.pk: rota for rota in rotas}
    actions = {}
    for session in sessions:
        rota = rota_of.get(session.group_id)
        offer = rota.offers_by_session.get(session.pk, {}).get(person.pk) if rota else None
        if offer is not None:
            actions[session.pk] = OfferActions(
                offer=offer, withdrawable=selectors.offer_withdrawable(offer, session, now)
            )
            continue
        member = rota is not None and any(
            m.person_id == person.pk and m.covers(session.slot_date) for m in rota.memberships
        )
        free = not (session.on_leave or getattr(session, "my_clash", None))
        open_to_offer = (
            member
            and free
            and session.status == Session.Status.SCHEDULED
            and session.starts_at > now
            and session.presenter_id != person.pk
        )
        actions[session.pk] = OfferActions(
            can_volunteer=open_to_offer and session.presenter_id is None,
            can_have_case=open_to_offer and session.pk == rota.next_session_id,
        )
    return actions

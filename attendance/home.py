"""What each role's home page shows, in a fixed number of queries whatever the data size.

A trainee: their next session and presenting date, their count toward the requirement,
open swaps and assessments ready to read. A leader: per group led, the next session with
who is expected, the registers not taken yet and the swaps waiting for an answer; and the
assessments asked of them. An organiser: per scheme, how many trainees have each status
and what needs attention.
"""

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Window
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone

from attendance.assessments.selectors import completed_unread, requests_to
from attendance.certificate_selectors import certificates_due_counts
from attendance.models import Assessment, Attendance
from attendance.own_progress import progress_of_trainee
from attendance.progress import STATUS_LABELS, Progress, status_counts
from balint.models import OutboundEmail
from groups.models import BalintGroup, Scheme, User
from groups.selectors import Roles, latest_bounce, organised_summaries
from sessions.clashes.selectors import on_call
from sessions.leave.selectors import on_leave
from sessions.models import Session, SwapRequest
from sessions.rota.selectors import next_presentation, pending_swaps
from sessions.schedule.selectors import SessionRow, expected_rows, my_upcoming_sessions

# Registers not taken are counted this far back: a leader's next step, not old history.
REGISTER_WEEKS = 8
ASSESSMENTS_SHOWN = 10


def _local_today(zone: str):
    return timezone.now().astimezone(ZoneInfo(zone)).date()


def untaken_registers(groups: Q) -> QuerySet[Session]:
    """Sessions of the `groups` (a Q on Session) that started in the last REGISTER_WEEKS
    and are still scheduled: saving a register marks its session held (register_save), so
    these have none. Not those combined into another group's: their register is the host's.
    Newest first."""
    now = timezone.now()
    return (
        Session.objects.filter(groups, status=Session.Status.SCHEDULED, combined_into__isnull=True)
        .filter(starts_at__lte=now, starts_at__gte=now - timedelta(weeks=REGISTER_WEEKS))
        .order_by("-starts_at")
    )


# --- Trainee ----------------------------------------------------------------------------


@dataclass
class TraineeHome:
    next_session: Session | None  # marked on_leave and on_call
    next_presentation: Session | None  # marked on_leave and on_call
    presenting_in_days: int | None
    progress: list[Progress]
    swaps_to_me: list[SwapRequest]
    swaps_from_me: list[SwapRequest]


def trainee_home(person: User, member_groups: list[BalintGroup]) -> TraineeHome:
    """Four queries, and progress_of_trainee's: two, and one per scheme they are a
    trainee of."""
    next_session = (
        my_upcoming_sessions(person)
        .filter(group__in=[group.pk for group in member_groups])
        .exclude(status=Session.Status.CANCELLED)
        .annotate(on_leave=on_leave(person), on_call=on_call(person))
        .first()
    )
    presenting = next_presentation(person)
    days = None
    if presenting is not None:
        zone = ZoneInfo(presenting.group.scheme.time_zone)
        days = (presenting.starts_at.astimezone(zone).date() - _local_today(zone.key)).days
    swaps = list(pending_swaps(person).order_by("requester_session__starts_at"))
    return TraineeHome(
        next_session=next_session,
        next_presentation=presenting,
        presenting_in_days=days,
        # The count and projection only: no list of the sessions counted.
        progress=progress_of_trainee(person, latest=0),
        swaps_to_me=[swap for swap in swaps if swap.recipient_id == person.pk],
        swaps_from_me=[swap for swap in swaps if swap.requester_id == person.pk],
    )


# --- Leader -----------------------------------------------------------------------------


@dataclass
class GroupCard:
    group: BalintGroup  # with its scheme
    next: SessionRow | None = None  # the session of today or the next one, if any
    is_today: bool = False  # the register can be taken from the card
    untaken: list[Session] = field(default_factory=list)
    swaps: list[SwapRequest] = field(default_factory=list)


def _next_sessions(groups: list[BalintGroup]) -> list[Session]:
    """Each group's first session not cancelled from the start of today in its scheme's
    time zone (today's, once it has begun, too: its register is due), each with the
    register_pk to take and whether that register_taken. One query."""
    from_today = Q()
    for group in groups:
        zone = group.scheme.time_zone
        midnight = datetime.combine(_local_today(zone), time(), ZoneInfo(zone))
        from_today |= Q(group=group.pk, starts_at__gte=midnight)
    return list(
        Session.objects.filter(from_today)
        .exclude(status=Session.Status.CANCELLED)
        .annotate(
            rank=Window(RowNumber(), partition_by=F("group_id"), order_by=F("starts_at").asc()),
            # A session combined into another group's is registered on the host's.
            register_pk=Coalesce("combined_into", "pk"),
            register_taken=Exists(Attendance.objects.filter(session=OuterRef("register_pk"))),
        )
        .filter(rank=1)
        .select_related("presenter")
    )


def _swaps_in(group_pks: list[int]) -> list[SwapRequest]:
    """Swap requests between members of the groups still waiting for the other's answer."""
    return list(
        SwapRequest.objects.filter(
            status=SwapRequest.Status.PENDING,
            requester_session__group__in=group_pks,
            requester_session__starts_at__gte=timezone.now(),
        )
        .select_related("requester", "recipient", "requester_session", "recipient_session")
        .order_by("requester_session__starts_at")
    )


def leader_cards(led_groups: list[BalintGroup]) -> list[GroupCard]:
    """A card per group led, by name. Nine queries for any number of groups."""
    if not led_groups:
        return []
    pks = [group.pk for group in led_groups]
    groups = list(BalintGroup.objects.filter(pk__in=pks).select_related("scheme").order_by("name"))
    cards = {group.pk: GroupCard(group) for group in groups}
    sessions = _next_sessions(groups)
    for session in sessions:
        session.group = cards[session.group_id].group  # for its minimum and time zone
    rows = expected_rows(sessions)
    for session in sessions:
        card = cards[session.group_id]
        card.next = rows[session.pk]
        zone = card.group.scheme.time_zone
        card.is_today = session.starts_at.astimezone(ZoneInfo(zone)).date() == _local_today(zone)
    for session in untaken_registers(Q(group__in=pks)):
        card = cards[session.group_id]
        if card.next is None or card.next.session.pk != session.pk:  # today's is on the card
            card.untaken.append(session)
    for swap in _swaps_in(pks):
        cards[swap.requester_session.group_id].swaps.append(swap)
    return list(cards.values())


# --- Organiser --------------------------------------------------------------------------


@dataclass
class SchemeSummary:
    scheme: Scheme  # with its counts and attention groups (groups.selectors.organised_summaries)
    statuses: list[tuple[str, str, int]]  # (status, label, how many trainees)
    untaken_registers: int
    certificates_due: int


def scheme_summaries(schemes: list[Scheme]) -> list[SchemeSummary]:
    """Five queries, and one more per scheme (its status counts)."""
    if not schemes:
        return []
    summaries = organised_summaries(schemes, timezone.localdate())
    untaken = dict(
        untaken_registers(Q(group__scheme__in=summaries))
        .order_by()
        .values("group__scheme")
        .annotate(n=Count("pk"))
        .values_list("group__scheme", "n")
    )
    due = certificates_due_counts(summaries)
    return [
        SchemeSummary(
            scheme=scheme,
            statuses=[
                (status, STATUS_LABELS[status], count)
                for status, count in status_counts(scheme).items()
            ],
            untaken_registers=untaken.get(scheme.pk, 0),
            certificates_due=due.get(scheme.pk, 0),
        )
        for scheme in summaries
    ]


# --- The page ---------------------------------------------------------------------------


@dataclass
class Home:
    trainee: TraineeHome | None
    groups: list[GroupCard]
    schemes: list[SchemeSummary]
    bounced: OutboundEmail | None  # the latest mail to them that could not be delivered
    # Assessment requests waiting on them as a leader; completed ones they have not read.
    to_assess: list[Assessment] = field(default_factory=list)
    to_read: list[Assessment] = field(default_factory=list)
    register_weeks = REGISTER_WEEKS  # for the page to say how far back it looks

    @property
    def is_empty(self) -> bool:
        return not (self.trainee or self.groups or self.schemes)


def home_for(user: User, roles: Roles) -> Home:
    """Each section of the roles the person holds (groups.selectors.roles_of); nothing
    is read for a role they do not hold."""
    return Home(
        trainee=trainee_home(user, roles.member_groups) if roles.member_groups else None,
        groups=leader_cards(roles.led_groups),
        schemes=scheme_summaries(roles.organised),
        bounced=latest_bounce(user),
        to_assess=list(requests_to(user)[:ASSESSMENTS_SHOWN]) if roles.led_groups else [],
        to_read=list(completed_unread(user)) if roles.member_groups else [],
    )

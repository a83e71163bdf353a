"""Reads for registers, progress and the scheme overview, each a fixed number of queries."""

from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.cache import cache
from django.db.models import (
    Count,
    Exists,
    Max,
    OuterRef,
    Q,
    QuerySet,
)
from django.utils import timezone

from attendance.models import Attendance, Certificate
from groups.models import BalintGroup, Membership, Scheme, User
from groups.versions import figures_version
from sessions.models import Session
from sessions.selectors import unavailable_by_day

# --- Register ---------------------------------------------------------------------

ROLE_ORDER = {"leader": 0, "co_leader": 1, "member": 2}


@dataclass
class RegisterLine:
    person: User
    role: str
    status: str
    recorded: str = ""
    on_leave: bool = False

    @property
    def is_leading(self) -> bool:
        return self.role != Attendance.Role.MEMBER


def register_lines(session: Session) -> list[RegisterLine]:
    """Everyone whose membership covers the session's date, with their record or a default.

    Unrecorded members default to present, or to apologies when they have leave,
    so a leader only touches the exceptions.
    """
    memberships = list(
        Membership.objects.current(session.slot_date)
        .filter(group=session.group_id)
        .select_related("person")
    )
    records = {a.person_id: a for a in session.attendance.select_related("person")}
    on_leave = unavailable_by_day({m.person_id for m in memberships}, [session.slot_date]).get(
        session.slot_date, set()
    )
    lines = {}
    for m in memberships:
        record = records.get(m.person_id)
        default = Attendance.Status.APOLOGIES if m.person_id in on_leave else "present"
        lines[m.person_id] = RegisterLine(
            person=m.person,
            role=record.role if record else m.role,
            status=record.status if record else default,
            recorded=record.status if record else "",
            on_leave=m.person_id in on_leave,
        )
    # Someone recorded earlier whose membership has since been changed keeps their line.
    for person_id, record in records.items():
        if person_id not in lines:
            lines[person_id] = RegisterLine(
                person=record.person, role=record.role, status=record.status, recorded=record.status
            )
    return sorted(lines.values(), key=lambda line: (ROLE_ORDER[line.role], line.person.full_name))


# --- Counting ---------------------------------------------------------------------


def counted_q(scheme: Scheme, prefix: str = "") -> Q:
    """The scheme's counting rule: member records, of held sessions, with a counting status."""
    return Q(
        **{
            f"{prefix}role": Attendance.Role.MEMBER,
            f"{prefix}session__status": Session.Status.HELD,
            f"{prefix}session__group__scheme": scheme,
            f"{prefix}status__in": scheme.counted_statuses,
        }
    )


def recorded_q(scheme: Scheme) -> Q:
    return Q(
        role=Attendance.Role.MEMBER,
        session__status=Session.Status.HELD,
        session__group__scheme=scheme,
    )


def _upcoming_in_memberships(scheme: Scheme, person) -> QuerySet[Session]:
    """Scheduled future sessions of the scheme that fall within the person's member spans."""
    spans = Membership.objects.filter(
        person=person,
        role=Membership.Role.MEMBER,
        group=OuterRef("group"),
        start_date__lte=OuterRef("slot_date"),
    ).filter(Q(end_date__isnull=True) | Q(end_date__gte=OuterRef("slot_date")))
    # Naming the person's groups first lets the database walk (group, starts_at) for
    # a handful of groups instead of every future session in the scheme.
    groups = Membership.objects.filter(person=person, role=Membership.Role.MEMBER).values("group")
    return Session.objects.filter(
        group__in=groups,
        group__scheme=scheme,
        status=Session.Status.SCHEDULED,
        starts_at__gte=timezone.now(),
    ).filter(Exists(spans))


@dataclass
class Progress:
    scheme: Scheme
    person: User
    count: int
    required: int
    recorded: int
    counted_records: list[Attendance] = field(default_factory=list)
    upcoming_dates: list[date] = field(default_factory=list)
    open_ended: bool = False

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.count / self.required)) if self.required else 100

    @property
    def rate(self) -> float | None:
        return self.count / self.recorded if self.recorded else None

    @property
    def remaining(self) -> int:
        return max(self.required - self.count, 0)

    @property
    def is_complete(self) -> bool:
        return self.remaining == 0

    @property
    def projected_date(self) -> date | None:
        if self.is_complete or len(self.upcoming_dates) < self.remaining:
            return None
        return self.upcoming_dates[self.remaining - 1]

    @property
    def reachable(self) -> int:
        """Where they get to by attending every session scheduled so far."""
        return self.count + len(self.upcoming_dates)

    @property
    def shortfall(self) -> int:
        """Sessions still missing if they attend every one scheduled in their membership."""
        return max(self.remaining - len(self.upcoming_dates), 0)

    @property
    def status(self) -> str:
        return status_of(
            counted=self.count,
            required=self.required,
            upcoming=len(self.upcoming_dates),
            open_ended=self.open_ended,
            rate=self.rate,
        )


# An open-ended member whose sessions are not all scheduled yet is on track
# while they attend at least this share of their sessions.
ON_TRACK_RATE = 0.75


def status_of(*, counted: int, required: int, upcoming: int, open_ended: bool, rate) -> str:
    """complete, on_track or at_risk. scheme_overview encodes the same rule in SQL."""
    if counted >= required:
        return "complete"
    if counted + upcoming >= required:
        return "on_track"
    if open_ended and (rate is None or rate >= ON_TRACK_RATE):
        return "on_track"
    return "at_risk"


def _open_ended(scheme: Scheme, person) -> QuerySet[Membership]:
    return Membership.objects.filter(
        person=person,
        group__scheme=scheme,
        role=Membership.Role.MEMBER,
        end_date__isnull=True,
        start_date__lte=timezone.localdate(),
    )


def progress_for(person: User, scheme: Scheme, latest: int | None = None) -> Progress:
    """One trainee's standing in one scheme, across every group they have been in.

    counted_records holds every counted record, oldest first; with `latest`, only
    that many of the newest, newest first (a page need not load ten years of
    registers to show the count). 3 queries, 4 with `latest`.
    """
    recorded = Attendance.objects.filter(recorded_q(scheme), person=person)
    if latest is None:
        records = list(recorded.select_related("session__group").order_by("session__starts_at"))
        counted_records = [r for r in records if r.status in scheme.counted_statuses]
        totals = {"count": len(counted_records), "recorded": len(records)}
    else:
        counted = recorded.filter(status__in=scheme.counted_statuses)
        counted_records = list(
            counted.select_related("session__group").order_by("-session__starts_at")[:latest]
        )
        totals = recorded.aggregate(
            count=Count("pk", filter=Q(status__in=scheme.counted_statuses)), recorded=Count("pk")
        )
    upcoming = list(
        _upcoming_in_memberships(scheme, person)
        .order_by("starts_at")
        .values_list("slot_date", flat=True)
    )
    return Progress(
        scheme=scheme,
        person=person,
        count=totals["count"],
        required=scheme.sessions_required,
        recorded=totals["recorded"],
        counted_records=counted_records,
        upcoming_dates=upcoming,
        open_ended=_open_ended(scheme, person).exists(),
    )


def schemes_of_trainee(person: User) -> QuerySet[Scheme]:
    return Scheme.objects.filter(
        groups__memberships__person=person, groups__memberships__role=Membership.Role.MEMBER
    ).distinct()


# --- Scheme overview ----------------------------------------------------------------

STATUS_LABELS = {"complete": "Complete", "on_track": "On track", "at_risk": "At risk"}
STATUS_ORDER = {"at_risk": 0, "on_track": 1, "complete": 2}
# The overview's figures are cached under the figures version (groups.versions); the
# time limit only bounds how long "upcoming" lags behind the clock.
FIGURES_SECONDS = 300


@dataclass
class TraineeFigures:
    """One trainee's standing in a scheme, as the overview, exports and certificates see it."""

    pk: int
    full_name: str
    email: str
    registration_number: str
    counted: int = 0
    recorded: int = 0
    last_attended: datetime | None = None
    upcoming: int = 0
    open_ended: bool = False
    groups: set[int] = field(default_factory=set)
    tracks: set[str] = field(default_factory=set)
    status: str = ""

    @property
    def rate(self) -> float | None:
        return self.counted / self.recorded if self.recorded else None


def _compute_figures(scheme: Scheme) -> dict[int, TraineeFigures]:
    """Every trainee's figures in four queries, aggregated by the database in one pass each."""
    today = timezone.localdate()
    memberships = list(
        Membership.objects.filter(group__scheme=scheme, role=Membership.Role.MEMBER).values_list(
            "person_id",
            "person__full_name",
            "person__email",
            "person__registration_number",
            "group_id",
            "track",
            "start_date",
            "end_date",
        )
    )
    upcoming_by_group: dict[int, list[date]] = defaultdict(list)
    for group_id, day in (
        Session.objects.filter(
            group__scheme=scheme, status=Session.Status.SCHEDULED, starts_at__gte=timezone.now()
        )
        .order_by("slot_date")
        .values_list("group_id", "slot_date")
    ):
        upcoming_by_group[group_id].append(day)

    figures: dict[int, TraineeFigures] = {}
    for person_id, name, email, registration, group_id, track, start, end in memberships:
        row = figures.setdefault(person_id, TraineeFigures(person_id, name, email, registration))
        row.groups.add(group_id)
        row.tracks.add(track)
        row.open_ended |= end is None and start <= today
        days = upcoming_by_group.get(group_id, [])
        last = bisect_right(days, end) if end else len(days)
        row.upcoming += max(0, last - bisect_left(days, start))

    counted_q = Q(status__in=scheme.counted_statuses)
    for person_id, recorded, counted, last in (
        Attendance.objects.filter(recorded_q(scheme), person__in=figures.keys())
        .values("person_id")
        .annotate(
            recorded=Count("pk"),
            counted=Count("pk", filter=counted_q),
            last=Max("session__starts_at", filter=counted_q),
        )
        .values_list("person_id", "recorded", "counted", "last")
    ):
        row = figures[person_id]
        row.recorded, row.counted, row.last_attended = recorded, counted, last
    for row in figures.values():
        row.status = status_of(
            counted=row.counted,
            required=scheme.sessions_required,
            upcoming=row.upcoming,
            open_ended=row.open_ended,
            rate=row.rate,
        )
    return figures


def scheme_figures(scheme: Scheme) -> dict[int, TraineeFigures]:
    rule = f"{scheme.sessions_required}:{','.join(sorted(scheme.counted_statuses))}"
    key = f"scheme-figures:{scheme.pk}:{figures_version()}:{rule}"
    figures = cache.get(key)
    if figures is None:
        figures = _compute_figures(scheme)
        cache.set(key, figures, FIGURES_SECONDS)
    return figures


OVERVIEW_SORTS = {
    "name": lambda r: (r.full_name.casefold(), r.email),
    "count": lambda r: (-r.counted, r.full_name.casefold()),
    "rate": lambda r: (r.rate is None, -(r.rate or 0), r.full_name.casefold()),
    "last": lambda r: (
        r.last_attended is None,
        -(r.last_attended.timestamp() if r.last_attended else 0),
        r.full_name.casefold(),
    ),
    "status": lambda r: (STATUS_ORDER[r.status], r.full_name.casefold()),
}


def scheme_overview(
    scheme: Scheme,
    *,
    group: BalintGroup | None = None,
    track: str = "",
    status: str = "",
    sort: str = "name",
) -> list[TraineeFigures]:
    """Every trainee of the scheme with counted, recorded, rate, last_attended and status.

    The figures come from scheme_figures (cached until the scheme's data
    changes), so a page costs the same whatever lies behind it.
    """
    rows = scheme_figures(scheme).values()
    if group is not None:
        rows = [r for r in rows if group.pk in r.groups]
    if track:
        rows = [r for r in rows if track in r.tracks]
    if status in STATUS_LABELS:
        rows = [r for r in rows if r.status == status]
    return sorted(rows, key=OVERVIEW_SORTS.get(sort, OVERVIEW_SORTS["name"]))


# --- Leader log ---------------------------------------------------------------------


def leading_log(scheme: Scheme, person: User | None = None) -> QuerySet[Attendance]:
    """Sessions led or co-led (attended as leader), newest first."""
    log = Attendance.objects.filter(
        session__group__scheme=scheme,
        session__status=Session.Status.HELD,
        role__in=[Attendance.Role.LEADER, Attendance.Role.CO_LEADER],
        status__in=[Attendance.Status.PRESENT, Attendance.Status.LATE],
    ).select_related("person", "session__group")
    if person is not None:
        log = log.filter(person=person)
    return log.order_by("person__full_name", "-session__starts_at")


# --- Certificates ---------------------------------------------------------------------


@dataclass
class CertificateCandidate:
    person: User
    counted: int
    current: Certificate | None

    @property
    def needs_certificate(self) -> bool:
        return self.current is None or self.current.sessions_counted < self.counted


def certificate_candidates(scheme: Scheme, people=None) -> list[CertificateCandidate]:
    """Eligible trainees (complete) with their current certificate, if any. Two queries."""
    people = list(people if people is not None else scheme_overview(scheme, status="complete"))
    current = {
        c.trainee_id: c
        for c in Certificate.objects.filter(
            scheme=scheme,
            trainee__in=[p.pk for p in people],
            revoked_at__isnull=True,
            superseded_at__isnull=True,
        )
    }
    return [CertificateCandidate(p, p.counted, current.get(p.pk)) for p in people]


def certificates_of(scheme: Scheme) -> QuerySet[Certificate]:
    return Certificate.objects.filter(scheme=scheme).select_related("trainee", "superseded_by")

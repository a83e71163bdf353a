"""Reads for registers, progress, the scheme overview and the leader log, each a fixed
number of queries (certificates: attendance.certificate_selectors)."""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    FilteredRelation,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Cast
from django.utils import timezone

from attendance.models import Attendance, AttendanceChange, Certificate, Requirement, TraineeFigure
from groups import permissions as group_permissions
from groups.models import BalintGroup, Membership, Scheme, User
from sessions import permissions as session_permissions
from sessions.clashes.selectors import on_call
from sessions.leave.selectors import on_leave, unavailable_by_day
from sessions.models import Session

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


def visible_sessions(user: User) -> QuerySet[Session]:
    """Sessions the user may see, with the group, scheme and presenter their pages show."""
    return session_permissions.sessions_visible_to(user).select_related(
        "group__scheme", "presenter"
    )


def visible_groups(user: User) -> QuerySet[BalintGroup]:
    """Groups the user may see, with their scheme."""
    return group_permissions.groups_visible_to(user).select_related("scheme")


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


def register_history(session: Session) -> QuerySet[AttendanceChange]:
    """Every change to the session's register, with who it was about and who made it."""
    return AttendanceChange.objects.filter(attendance__session=session).select_related(
        "attendance__person", "changed_by"
    )


# --- Counting ---------------------------------------------------------------------


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
    # Upcoming dates the person cannot attend, with why: "leave" or "on call".
    unavailable: dict[date, str] = field(default_factory=dict)
    open_ended: bool = False
    certificate: Certificate | None = None  # current one; set by progress_of_trainee

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
        """When they reach the requirement attending every session they can: dates on
        leave or on call do not count toward it (see skipped)."""
        attendable = [day for day in self.upcoming_dates if day not in self.unavailable]
        if self.is_complete or len(attendable) < self.remaining:
            return None
        return attendable[self.remaining - 1]

    @property
    def skipped(self) -> list[tuple[date, str]]:
        """The unavailable dates up to the projected date (all of them without one)."""
        until = self.projected_date or date.max
        return [(day, why) for day, why in self.unavailable.items() if day <= until]

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
    """complete, on_track or at_risk: progress_for and the figures table (attendance.figures)."""
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
    requirement = Requirement.for_scheme(scheme)
    recorded = Attendance.objects.filter(recorded_q(scheme), person=person)
    if latest is None:
        records = list(recorded.select_related("session__group").order_by("session__starts_at"))
        counted_records = [r for r in records if r.status in requirement.counted_statuses]
        totals = {"count": len(counted_records), "recorded": len(records)}
    else:
        counted = recorded.filter(status__in=requirement.counted_statuses)
        counted_records = list(
            counted.select_related("session__group").order_by("-session__starts_at")[:latest]
        )
        totals = recorded.aggregate(
            count=Count("pk", filter=Q(status__in=requirement.counted_statuses)),
            recorded=Count("pk"),
        )
    # Whether they are on leave or on call that day comes in the same query.
    upcoming = list(
        _upcoming_in_memberships(scheme, person)
        .annotate(on_leave=on_leave(person), on_call=on_call(person))
        .order_by("starts_at")
        .values_list("slot_date", "on_leave", "on_call")
    )
    return Progress(
        scheme=scheme,
        person=person,
        count=totals["count"],
        required=requirement.sessions_required,
        recorded=totals["recorded"],
        counted_records=counted_records,
        upcoming_dates=[day for day, _, _ in upcoming],
        unavailable={
            day: "leave" if on_leave else "on call"
            for day, on_leave, on_call in upcoming
            if on_leave or on_call
        },
        open_ended=_open_ended(scheme, person).exists(),
    )


def schemes_of_trainee(person: User) -> QuerySet[Scheme]:
    return (
        Scheme.objects.filter(
            groups__memberships__person=person, groups__memberships__role=Membership.Role.MEMBER
        )
        .select_related("requirement")
        .distinct()
    )


def progress_of_trainee(person: User, latest: int | None = None) -> list[Progress]:
    """The person's progress in each scheme they are a trainee of, with their current
    certificate there, if any (see progress_for for `latest`)."""
    schemes = schemes_of_trainee(person)
    progress = [progress_for(person, scheme, latest=latest) for scheme in schemes]
    current = {
        c.scheme_id: c
        for c in Certificate.objects.filter(
            trainee=person, revoked_at__isnull=True, superseded_at__isnull=True
        )
    }
    for item in progress:
        item.certificate = current.get(item.scheme.pk)
    return progress


def progress_in_scheme(person: User, scheme: Scheme, latest: int | None = None) -> Progress:
    """One trainee's progress in one scheme with their current certificate there, if any."""
    progress = progress_for(person, scheme, latest=latest)
    progress.certificate = Certificate.objects.filter(
        trainee=person, scheme=scheme, revoked_at__isnull=True, superseded_at__isnull=True
    ).first()
    return progress


def trainee_groups(scheme: Scheme, person_ids: list[int]) -> dict[int, str]:
    """Each trainee's group in the scheme today (several joined by "; "); with none today,
    the next one they join and when, or else the last one they were in and when it ended.
    One query."""
    today = timezone.localdate()
    current: dict[int, list[str]] = {}
    ended: dict[int, str] = {}
    joining: dict[int, str] = {}
    memberships = (
        Membership.objects.filter(
            group__scheme=scheme, role=Membership.Role.MEMBER, person_id__in=person_ids
        )
        .order_by("start_date", "group__name")
        .values_list("person_id", "group__name", "start_date", "end_date")
    )
    for person_id, name, start, end in memberships:
        if start <= today and (end is None or end >= today):
            current.setdefault(person_id, []).append(name)
        elif start > today:
            joining.setdefault(person_id, f"{name} (from {start.isoformat()})")
        else:
            ended[person_id] = f"{name} (until {end.isoformat()})"
    return ended | joining | {person_id: "; ".join(names) for person_id, names in current.items()}


def trainees_of(scheme: Scheme) -> QuerySet[User]:
    """People with a member (trainee) role in one of the scheme's groups, at any time."""
    return User.objects.filter(
        memberships__group__scheme=scheme, memberships__role=Membership.Role.MEMBER
    ).distinct()


def people_of(scheme: Scheme) -> QuerySet[User]:
    """People with any role in one of the scheme's groups, at any time."""
    return User.objects.filter(memberships__group__scheme=scheme).distinct()


# --- Scheme overview ----------------------------------------------------------------

STATUS_LABELS = {"complete": "Complete", "on_track": "On track", "at_risk": "At risk"}

# The overview's sorts, on the figures table's indexes (attendance.models.TraineeFigure);
# the primary key last keeps pages stable.
OVERVIEW_SORTS = {
    "name": ["figure__name_key"],
    "count": ["-figure__counted", "figure__name_key"],
    "rate": ["-figure__rate_key", "figure__name_key"],
    "last": ["-figure__last_key", "figure__name_key"],
    "status": ["figure__status_rank", "figure__name_key"],
}


def scheme_overview(
    scheme: Scheme,
    *,
    group: BalintGroup | None = None,
    group_name: str = "",
    track: str = "",
    status: str = "",
    sort: str = "name",
) -> QuerySet[User]:
    """Every trainee of the scheme, each with counted, recorded, rate, last_attended,
    upcoming and status, from the figures table (attendance.figures keeps it).

    A lazy queryset of people: the views page through it (one query plus a count) and
    the exports iterate it, whatever the scheme's size.
    """
    # One join to the figures, of this scheme only: the person's row there. Its
    # conditions go in one filter() call, or Django would join the table again.
    on_figure = Q(figure__scheme=scheme)
    if status in STATUS_LABELS:
        on_figure &= Q(figure__status_rank=TraineeFigure.STATUS_RANK[status])
    rows = User.objects.annotate(
        figure=FilteredRelation("figures", condition=Q(figures__scheme=scheme))
    ).filter(on_figure)
    # Trainees of the group, of a group whose name holds the text, or on the track.
    member = Membership.objects.filter(
        person=OuterRef("pk"), group__scheme=scheme, role=Membership.Role.MEMBER
    )
    if group is not None:
        rows = rows.filter(Exists(member.filter(group=group)))
    if group_name:
        rows = rows.filter(Exists(member.filter(group__name__icontains=group_name)))
    if track:
        rows = rows.filter(Exists(member.filter(track=track)))
    return rows.annotate(
        counted=F("figure__counted"),
        recorded=F("figure__recorded"),
        rate=Case(
            When(figure__recorded=0, then=Value(None)),
            default=Cast("figure__counted", FloatField()) / F("figure__recorded"),
            output_field=FloatField(),
        ),
        last_attended=F("figure__last_attended"),
        upcoming=F("figure__upcoming"),
        open_ended=F("figure__open_ended"),
        status=F("figure__status"),
    ).order_by(*OVERVIEW_SORTS.get(sort, OVERVIEW_SORTS["name"]), "pk")


# --- Leader log ---------------------------------------------------------------------


def schemes_led_by(person: User) -> QuerySet[Scheme]:
    """Schemes in which the person has led or co-led a group, at any time."""
    return Scheme.objects.filter(
        groups__memberships__person=person,
        groups__memberships__role__in=Membership.LEADING_ROLES,
    ).distinct()


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

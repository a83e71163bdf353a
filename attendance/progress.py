"""Trainees' progress: one trainee's count and standing (progress_for) and the scheme
overview of every trainee (scheme_overview, on the figures table that attendance.figures
keeps), each a fixed number of queries."""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import (
    Case,
    Count,
    DateField,
    Exists,
    F,
    FilteredRelation,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from attendance.models import Attendance, Certificate, Requirement, TraineeFigure
from attendance.standing import Span, Standing, standing
from groups.models import BalintGroup, Membership, Scheme, User
from sessions.clashes.selectors import on_call
from sessions.leave.selectors import on_leave
from sessions.models import Session

# --- Counting ---------------------------------------------------------------------


def recorded_q(requirement: Requirement) -> Q:
    """Records that count toward the scheme's requirement when their status does: a
    member's at a held session of the scheme, and a guest's where the scheme's rule says
    guests count. One record per person and session (a database constraint), so a
    session counts once whoever's register it is on."""
    roles = [Attendance.Role.MEMBER]
    if requirement.guest_sessions_count:
        roles.append(Attendance.Role.GUEST)
    return Q(
        role__in=roles,
        session__status=Session.Status.HELD,
        session__group__scheme=requirement.scheme_id,
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


def span_facts() -> dict:
    """Annotations for a Membership queryset: what standing() needs of its group's
    sessions. last_slot: the group's latest session, whatever its status (terms are
    generated one at a time; later meetings are estimated). had_session: whether a
    session of the group was held within the membership."""
    sessions = Session.objects.filter(group=OuterRef("group"))
    ends = Coalesce(OuterRef("end_date"), Value(date.max), output_field=DateField())
    return {
        "last_slot": Subquery(sessions.order_by("-slot_date").values("slot_date")[:1]),
        "had_session": Exists(
            sessions.filter(
                status=Session.Status.HELD,
                slot_date__gte=OuterRef("start_date"),
                slot_date__lte=ends,
            )
        ),
    }


def span_of(membership: Membership, upcoming: list[tuple[int, date, bool]]) -> Span:
    """The membership (annotated with span_facts) as standing() sees it, from the
    person's sessions to come: (group, day, whether they are unavailable that day)."""
    return Span.of(
        start=membership.start_date,
        end=membership.end_date,
        weekday=membership.group.meeting_weekday,
        frequency=membership.group.frequency,
        last_slot=membership.last_slot,
        had_session=membership.had_session,
        to_come=[
            unavailable
            for group_id, day, unavailable in upcoming
            if group_id == membership.group_id and membership.covers(day)
        ],
    )


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
    # Their memberships (as trainee) in the scheme, with the group, oldest first.
    memberships: list[Membership] = field(default_factory=list)
    standing: Standing = field(default_factory=lambda: Standing("on_track"))
    certificate: Certificate | None = None  # the current one, where a page shows it
    # This training year's assessments (attendance.assessments.selectors.YearCounts), set by
    # the views; None when the scheme has no assessment form in use.
    assessments: object | None = None

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
    def status(self) -> str:
        return self.standing.status

    @property
    def status_reason(self) -> str:
        return self.standing.reason


def upcoming_of(person: User, scheme: Scheme) -> list[tuple[int, date, bool, bool]]:
    """Their scheduled sessions to come in the scheme, soonest first: (group, day, on
    leave, on call); whether they are on leave or on call that day comes in the same query."""
    return list(
        _upcoming_in_memberships(scheme, person)
        .annotate(on_leave=on_leave(person), on_call=on_call(person))
        .order_by("starts_at")
        .values_list("group_id", "slot_date", "on_leave", "on_call")
    )


def unavailable_days(upcoming: list[tuple[int, date, bool, bool]]) -> dict[date, str]:
    """The days of `upcoming` they cannot attend, with why (Progress.unavailable)."""
    return {
        day: "leave" if leave else "on call" for _, day, leave, call in upcoming if leave or call
    }


def latest_counted(person: User, requirement: Requirement, latest: int) -> list[Attendance]:
    """Their `latest` counted records in the scheme, newest first. One query, none for 0."""
    if not latest:
        return []
    counted = Attendance.objects.filter(
        recorded_q(requirement), person=person, status__in=requirement.counted_statuses
    )
    return list(counted.select_related("session__group").order_by("-session__starts_at")[:latest])


def progress_for(person: User, scheme: Scheme, latest: int | None = None) -> Progress:
    """One trainee's standing in one scheme, across every group they have been in,
    computed from the registers, sessions and memberships.

    counted_records holds every counted record, oldest first; with `latest`, only
    that many of the newest, newest first (a page need not load ten years of
    registers to show the count). 3 queries, 4 with `latest`.
    """
    requirement = Requirement.for_scheme(scheme)
    recorded = Attendance.objects.filter(recorded_q(requirement), person=person)
    if latest is None:
        records = list(recorded.select_related("session__group").order_by("session__starts_at"))
        counted_records = [r for r in records if r.status in requirement.counted_statuses]
        totals = {"count": len(counted_records), "recorded": len(records)}
    else:
        counted_records = latest_counted(person, requirement, latest)
        totals = recorded.aggregate(
            count=Count("pk", filter=Q(status__in=requirement.counted_statuses)),
            recorded=Count("pk"),
        )
    upcoming = upcoming_of(person, scheme)
    memberships = list(
        Membership.objects.filter(person=person, group__scheme=scheme, role=Membership.Role.MEMBER)
        .select_related("group")
        .annotate(**span_facts())
        .order_by("start_date", "group__name")
    )
    today = timezone.localdate()
    person_upcoming = [(group, day, leave or call) for group, day, leave, call in upcoming]
    return Progress(
        scheme=scheme,
        person=person,
        count=totals["count"],
        required=requirement.sessions_required,
        recorded=totals["recorded"],
        counted_records=counted_records,
        upcoming_dates=[day for _, day, _, _ in upcoming],
        unavailable=unavailable_days(upcoming),
        open_ended=any(m.end_date is None and m.start_date <= today for m in memberships),
        memberships=memberships,
        standing=standing(
            counted=totals["count"],
            required=requirement.sessions_required,
            recorded=totals["recorded"],
            spans=[span_of(m, person_upcoming) for m in memberships],
            today=today,
            first_session=upcoming[0][1] if upcoming else None,
        ),
    )


def schemes_of_trainee(person: User) -> QuerySet[Scheme]:
    return (
        Scheme.objects.filter(
            groups__memberships__person=person, groups__memberships__role=Membership.Role.MEMBER
        )
        .select_related("requirement")
        .defer("requirement__certificate_mark")  # a picture only certificates need
        .distinct()
    )


def trainee_groups(
    scheme: Scheme, person_ids: list[int] | None = None
) -> dict[int, tuple[str, str]]:
    """Each trainee's group in the scheme today and its track, (group, track): several
    joined by "; "; with none today, the next one they join and when, or else the last one
    they were in and when it ended. One query; without person_ids, of every trainee of
    the scheme (what an export needs: at national size one query of the scheme's 5,500
    memberships takes a tenth of the time of ten queries of 500 people each)."""
    today = timezone.localdate()
    tracks = dict(Membership.Track.choices)
    current: dict[int, list[tuple[str, str]]] = {}
    ended: dict[int, tuple[str, str]] = {}
    joining: dict[int, tuple[str, str]] = {}
    memberships = Membership.objects.filter(group__scheme=scheme, role=Membership.Role.MEMBER)
    if person_ids is not None:
        memberships = memberships.filter(person_id__in=person_ids)
    memberships = memberships.order_by("start_date", "group__name").values_list(
        "person_id", "group__name", "track", "start_date", "end_date"
    )
    for person_id, name, track, start, end in memberships:
        if start <= today and (end is None or end >= today):
            current.setdefault(person_id, []).append((name, tracks[track]))
        elif start > today:
            joining.setdefault(person_id, (f"{name} (from {start.isoformat()})", tracks[track]))
        else:
            ended[person_id] = (f"{name} (until {end.isoformat()})", tracks[track])
    today_in = {
        person_id: (
            "; ".join(name for name, _ in places),
            "; ".join(dict.fromkeys(track for _, track in places)),
        )
        for person_id, places in current.items()
    }
    return ended | joining | today_in


def trainees_of(scheme: Scheme) -> QuerySet[User]:
    """People with a member (trainee) role in one of the scheme's groups, at any time."""
    return User.objects.filter(
        memberships__group__scheme=scheme, memberships__role=Membership.Role.MEMBER
    ).distinct()


def people_of(scheme: Scheme) -> QuerySet[User]:
    """People with any role in one of the scheme's groups, at any time."""
    return User.objects.filter(memberships__group__scheme=scheme).distinct()


# --- Scheme overview ----------------------------------------------------------------

# In the order pages show them (summary counts, filters).
STATUS_LABELS = {
    "on_track": "On track",
    "at_risk": "At risk",
    "complete": "Complete",
    "not_started": "Not started",
}

# The overview's sorts, on the figures table's indexes (attendance.models.TraineeFigure);
# the primary key last keeps pages stable.
OVERVIEW_SORTS = {
    "name": ["figure__name_key"],
    "count": ["-figure__counted", "figure__name_key"],
    "rate": ["-figure__rate_key", "figure__name_key"],
    "last": ["-figure__last_key", "figure__name_key"],
    "status": ["figure__status_rank", "figure__name_key"],
}


def status_counts(scheme: Scheme) -> dict[str, int]:
    """How many of the scheme's trainees have each status (every status, in
    STATUS_LABELS order), from the figures table. One query."""
    counts = dict(
        TraineeFigure.objects.filter(scheme=scheme)
        .values("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    return {status: counts.get(status, 0) for status in STATUS_LABELS}


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
    upcoming, status and status_reason, from the figures table (attendance.figures keeps it).

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
        status_reason=F("figure__status_reason"),
        assessments_done=F("figure__assessments"),
    ).order_by(*OVERVIEW_SORTS.get(sort, OVERVIEW_SORTS["name"]), "pk")

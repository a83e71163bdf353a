"""The per-trainee figures table (attendance.models.TraineeFigure): computed from the
registers, sessions and memberships, and written inside the transactions that change them.

figures_refresh(scheme=, people=) is the one writer. It locks the rows it is about
to rewrite (in primary-key order) before reading the registers, so two saves for
the same person queue up and the second recomputes from what the first committed
(READ COMMITTED reads afresh after the lock wait). compute() is the reference the
tests compare the table with.
"""

import logging
from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import astuple, dataclass, field
from datetime import UTC, date, datetime

from django.db import transaction
from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from attendance.models import Assessment, Attendance, Requirement, TraineeFigure
from attendance.progress import recorded_q, span_facts
from attendance.standing import Span, standing
from attendance.training_year import training_year
from groups.models import Membership, Scheme
from sessions.models import Clash, Leave, Session

log = logging.getLogger(__name__)

# TraineeFigure.last_key for someone who has not attended: sorts after every real date.
NEVER = datetime(1970, 1, 1, tzinfo=UTC)
BATCH = 1000
MAX_PK = float("inf")  # sorts after every session's key on the same day (bisect)
FEW_ROWS = 50
# What compute() produces and the table stores; refreshed_at is bookkeeping.
VALUE_FIELDS = (
    "name_key",
    "counted",
    "recorded",
    "rate_key",
    "last_attended",
    "last_key",
    "upcoming",
    "open_ended",
    "status",
    "status_rank",
    "status_reason",
    "assessments",
)


@dataclass
class Figures:
    """One trainee's figures in one scheme, as computed from the source tables."""

    person_id: int
    name_key: str
    counted: int = 0
    recorded: int = 0
    last_attended: datetime | None = None
    upcoming: int = 0
    open_ended: bool = False
    groups: set[int] = field(default_factory=set)
    tracks: set[str] = field(default_factory=set)
    spans: list[Span] = field(default_factory=list)
    first_session: date | None = None
    status: str = ""
    status_reason: str = ""
    assessments: int = 0

    @property
    def rate(self) -> float | None:
        return self.counted / self.recorded if self.recorded else None

    def values(self) -> dict:
        return {
            "name_key": self.name_key,
            "counted": self.counted,
            "recorded": self.recorded,
            "rate_key": TraineeFigure.NO_RATE if self.rate is None else self.rate,
            "last_attended": self.last_attended,
            "last_key": self.last_attended or NEVER,
            "upcoming": self.upcoming,
            "open_ended": self.open_ended,
            "status": self.status,
            "status_rank": TraineeFigure.STATUS_RANK[self.status],
            "status_reason": self.status_reason,
            "assessments": self.assessments,
        }


def name_key(full_name: str) -> str:
    return full_name.casefold()[:150]


def _unavailable(upcoming: QuerySet[Session], people, today: date, until: date):
    """Who cannot attend which of the upcoming sessions: (person, session) pairs with an
    open on-call clash, and each person's leave as (first, last) days. Two queries."""
    clashing = set(
        Clash.objects.filter(
            session__in=upcoming, person__in=people, resolved_at__isnull=True
        ).values_list("person_id", "session_id")
    )
    leave: dict[int, list[tuple[date, date]]] = defaultdict(list)
    for person_id, first, last in Leave.objects.filter(
        person__in=people, end_date__gte=today, start_date__lte=until
    ).values_list("person_id", "start_date", "end_date"):
        leave[person_id].append((first, last))
    return clashing, leave


def _assessments_this_year(scheme: Scheme, requirement: Requirement, today: date, people):
    """(person, completed assessments) in the training year of `today`. One query."""
    first, last = training_year(today, requirement.training_year_starts)
    done = Assessment.objects.filter(
        form__scheme=scheme, status__in=Assessment.DONE, session__slot_date__range=(first, last)
    )
    if people is not None:
        done = done.filter(trainee__in=people)
    return done.values("trainee_id").annotate(done=Count("pk")).values_list("trainee_id", "done")


def compute(scheme: Scheme, people: list[int] | None = None) -> dict[int, Figures]:
    """The figures of the scheme's trainees (or of those of `people` who are trainees),
    in five queries (three without sessions to come), each aggregated by the database.
    The status is attendance.standing's rule, as progress_for applies it to one."""
    today = timezone.localdate()
    memberships = Membership.objects.filter(group__scheme=scheme, role=Membership.Role.MEMBER)
    if people is not None:
        memberships = memberships.filter(person__in=people)
    rows = list(
        memberships.annotate(**span_facts()).values_list(
            "person_id",
            "person__full_name",
            "group_id",
            "track",
            "start_date",
            "end_date",
            "group__meeting_weekday",
            "group__frequency",
            "last_slot",
            "had_session",
        )
    )
    upcoming = Session.objects.filter(
        group__scheme=scheme, status=Session.Status.SCHEDULED, starts_at__gte=timezone.now()
    )
    if people is not None:
        upcoming = upcoming.filter(group__in={row[2] for row in rows})
    upcoming_by_group: dict[int, list[tuple[date, int]]] = defaultdict(list)
    for group_id, day, pk in upcoming.order_by("slot_date").values_list(
        "group_id", "slot_date", "pk"
    ):
        upcoming_by_group[group_id].append((day, pk))
    clashing, leave = set(), {}
    if upcoming_by_group:
        trainees = people if people is not None else memberships.values("person_id")
        until = max(days[-1][0] for days in upcoming_by_group.values())
        clashing, leave = _unavailable(upcoming, trainees, today, until)

    figures: dict[int, Figures] = {}
    for person_id, name, group_id, track, start, end, weekday, frequency, *group_facts in rows:
        row = figures.setdefault(person_id, Figures(person_id, name_key(name)))
        row.groups.add(group_id)
        row.tracks.add(track)
        row.open_ended |= end is None and start <= today
        days = upcoming_by_group.get(group_id, [])
        inside = days[
            bisect_left(days, (start,)) : bisect_right(days, (end, MAX_PK)) if end else None
        ]
        row.upcoming += len(inside)
        if inside and (row.first_session is None or inside[0][0] < row.first_session):
            row.first_session = inside[0][0]
        last_slot, had_session = group_facts
        row.spans.append(
            Span.of(
                start=start,
                end=end,
                weekday=weekday,
                frequency=frequency,
                last_slot=last_slot,
                had_session=had_session,
                to_come=[
                    (person_id, pk) in clashing
                    or any(first <= day <= last for first, last in leave.get(person_id, ()))
                    for day, pk in inside
                ],
            )
        )

    requirement = Requirement.for_scheme(scheme)
    counts = Attendance.objects.filter(recorded_q(requirement))
    if people is not None:
        counts = counts.filter(person__in=figures.keys())
    counting = Q(status__in=requirement.counted_statuses)
    for person_id, recorded, counted, last in (
        counts.values("person_id")
        .annotate(
            recorded=Count("pk"),
            counted=Count("pk", filter=counting),
            last=Max("session__starts_at", filter=counting),
        )
        .values_list("person_id", "recorded", "counted", "last")
    ):
        if person_id in figures:  # a member's record of someone no longer a trainee
            row = figures[person_id]
            row.recorded, row.counted, row.last_attended = recorded, counted, last
    only = None if people is None else list(figures)
    for person_id, done in _assessments_this_year(scheme, requirement, today, only):
        if person_id in figures:
            figures[person_id].assessments = done
    for row in figures.values():
        row.status, row.status_reason = astuple(
            standing(
                counted=row.counted,
                required=requirement.sessions_required,
                recorded=row.recorded,
                spans=row.spans,
                today=today,
                first_session=row.first_session,
            )
        )
    return figures


def _stored(row: TraineeFigure) -> dict:
    return {name: getattr(row, name) for name in VALUE_FIELDS}


def _placeholder(scheme: Scheme, person_id: int, now: datetime) -> TraineeFigure:
    return TraineeFigure(
        scheme=scheme, person_id=person_id, name_key="", last_key=NEVER, refreshed_at=now
    )


def figures_refresh(*, scheme: Scheme, people: list[int] | None = None) -> int:
    """Recompute the figures of `people` (None: every trainee) in the scheme and store them.

    Rows of people who are no longer trainees of the scheme go. Returns how many rows
    were inserted, changed or deleted: 0 when the table already agreed.
    """
    now = timezone.now()
    with transaction.atomic():
        # The rule as it stands in this transaction.
        scheme = (
            Scheme.objects.select_related("requirement")
            .defer("requirement__certificate_mark")  # a picture only certificates need
            .get(pk=scheme.pk)
        )
        if people is None:
            # Everyone: the scheme's trainees, and whoever has a row (to delete stale ones).
            people = set(
                Membership.objects.filter(
                    group__scheme=scheme, role=Membership.Role.MEMBER
                ).values_list("person_id", flat=True)
            ) | set(TraineeFigure.objects.filter(scheme=scheme).values_list("person_id", flat=True))
        people = sorted(set(people))
        if not people:
            return 0
        # Make sure every affected row exists, then lock them all: a concurrent refresh of
        # the same people waits here, and recomputes after the other has committed.
        existing = set(
            TraineeFigure.objects.filter(scheme=scheme, person__in=people).values_list(
                "person_id", flat=True
            )
        )
        missing = [pk for pk in people if pk not in existing]
        TraineeFigure.objects.bulk_create(
            [_placeholder(scheme, pk, now) for pk in missing],
            ignore_conflicts=True,
            batch_size=BATCH,
        )
        rows = {
            row.person_id: row
            for row in TraineeFigure.objects.select_for_update()
            .filter(scheme=scheme, person__in=people)
            .order_by("pk")
        }
        fresh = compute(scheme, people)

        changed, gone = [], []
        corrected = 0
        for person_id in people:
            row = rows.get(person_id)
            figures = fresh.get(person_id)
            if figures is None:
                if row is not None:
                    gone.append(row.pk)
                    corrected += person_id in existing
                continue
            values = figures.values()
            if row is None:  # deleted by a refresh that committed while we waited
                row = _placeholder(scheme, person_id, now)
                row.save()
            elif _stored(row) == values and person_id in existing:
                continue
            corrected += 1
            for name, value in values.items():
                setattr(row, name, value)
            row.refreshed_at = now
            changed.append(row)
        if gone:
            TraineeFigure.objects.filter(pk__in=gone).delete()
        _store(changed)
    return corrected


def _store(rows: list[TraineeFigure]) -> None:
    """Write changed rows. bulk_update builds a CASE per field per row, about 5 ms of
    Python a row, which a register save (a dozen people) felt; a few rows are cheaper as
    one plain UPDATE each, and the nightly rebuild's thousands as bulk updates."""
    fields = [*VALUE_FIELDS, "refreshed_at"]
    if len(rows) > FEW_ROWS:
        TraineeFigure.objects.bulk_update(rows, fields, batch_size=BATCH)
        return
    for row in rows:
        row.save(update_fields=fields)


def figures_rebuild(*, scheme: Scheme | None = None) -> int:
    """Recompute every scheme's figures (or one's), repairing any drift. Returns how many
    rows were corrected. Run nightly (attendance.tasks.rebuild_figures): `upcoming`
    and the status change as sessions pass, with no write to say so."""
    schemes = [scheme] if scheme is not None else list(Scheme.objects.order_by("pk"))
    total = 0
    for each in schemes:
        corrected = figures_refresh(scheme=each)
        if corrected:
            log.info("Figures of scheme %s: %s rows corrected", each.pk, corrected)
        total += corrected
    return total


def refresh_on_change(scheme_pk: int, person_pks: list[int] | None) -> None:
    """groups.figures_hooks callback: the writes of groups and sessions land here."""
    figures_refresh(scheme=Scheme(pk=scheme_pk), people=person_pks)


def fill_after_migrate(sender, using="default", **kwargs) -> None:
    """The first migrate after the figures table appeared fills it; later ones find it
    filled (or nobody to count) and do nothing. The nightly rebuild repairs the rest."""
    if using != "default" or TraineeFigure.objects.exists():
        return
    if Membership.objects.filter(role=Membership.Role.MEMBER).exists():
        figures_rebuild()

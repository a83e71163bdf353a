"""A rotation day's changeover, read: who leaves which group, who joins one, the sizes that
result, and who leaves before reaching the scheme's requirement.

changeover_preview is what the page shows and also what changeover_apply carries out,
inside its transaction: the preview is the result. Its digest lets the apply refuse a
plan that changed after the organiser saw it. A fixed number of queries at any size.
"""

from collections import Counter
from datetime import date, timedelta

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Lower
from django.utils import timezone

from attendance.changeover.plan import TRACKS, GroupSize, How, Joiner, Joining, Leaver, Plan
from attendance.models import Attendance, Requirement, RotationDate
from attendance.progress import recorded_q
from groups.models import BalintGroup, Invitation, Membership, Scheme
from groups.selectors import covering, people_in_scheme
from sessions.models import Session

MEMBER = Membership.Role.MEMBER


def rotation_dates(scheme: Scheme, since: date) -> QuerySet[RotationDate]:
    return RotationDate.objects.filter(scheme=scheme, day__gte=since).order_by("day", "track")


def next_rotation_day(scheme: Scheme, since: date) -> date | None:
    """The changeover the page starts from: the scheme's first rotation day from `since`."""
    return rotation_dates(scheme, since).values_list("day", flat=True).first()


def _leavers(
    scheme: Scheme, requirement: Requirement, day: date, tracks: list[str], kept: set[int]
) -> list[Leaver]:
    """Members on a rotating track in the scheme's groups the day before, each with their
    count, their group's sessions before they leave and whether they stay in the scheme.
    One query: the figures are subqueries of each membership."""
    if not tracks:
        return []
    eve = day - timedelta(days=1)
    counted = (
        Attendance.objects.filter(recorded_q(requirement), person=OuterRef("person"))
        .filter(status__in=requirement.counted_statuses)
        .order_by()
        .values("person")
        .annotate(n=Count("pk"))
        .values("n")
    )
    to_come = (
        Session.objects.filter(
            group=OuterRef("group"),
            status=Session.Status.SCHEDULED,
            starts_at__gte=timezone.now(),
            slot_date__gte=OuterRef("start_date"),
            slot_date__lt=day,
        )
        .order_by()
        .values("group")
        .annotate(n=Count("pk"))
        .values("n")
    )
    # Another place in the scheme from the day: not one that also ends at this changeover.
    leaving = Q(track__in=tracks) & covering(eve) & ~Q(pk__in=kept)
    elsewhere = (
        Membership.objects.filter(person=OuterRef("person"), group__scheme=scheme, role=MEMBER)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
        .exclude(pk=OuterRef("pk"))
        .exclude(leaving)
    )
    memberships = (
        Membership.objects.filter(group__scheme=scheme, role=MEMBER, track__in=tracks)
        .filter(covering(eve))
        .select_related("person", "group")
        .annotate(
            counted=Coalesce(Subquery(counted, output_field=IntegerField()), 0),
            to_come=Coalesce(Subquery(to_come, output_field=IntegerField()), 0),
            elsewhere=Exists(elsewhere),
        )
        .order_by("group__name", "group__pk", "person__full_name", "pk")
    )
    rows = []
    for membership in memberships:
        row = Leaver(
            membership=membership,
            counted=membership.counted,
            to_come=membership.to_come,
            continues=membership.elsewhere,
            ends_already=membership.end_date is not None and membership.end_date < day,
        )
        row.kept = membership.pk in kept and not row.ends_already
        rows.append(row)
    return rows


def _track_ends(scheme: Scheme, day: date) -> dict[str, date]:
    """Track -> the day before its next rotation after `day`: when a joiner's place ends
    unless they are given another end date."""
    ends: dict[str, date] = {}
    later = RotationDate.objects.filter(scheme=scheme, day__gt=day).order_by("day")
    for track, later_day in later.values_list("track", "day"):
        ends.setdefault(track, later_day - timedelta(days=1))
    return ends


def _arranged(scheme: Scheme, day: date) -> tuple[list[Joining], Counter]:
    """Joiners from the day arranged before (memberships, pending invitations), and the
    invitations covering the day by group: those people join when they accept."""
    rows = [
        Joining(
            group=m.group,
            track=m.track,
            name=m.person.full_name,
            email=m.person.email,
            how=How.ARRANGED,
            end_date=m.end_date,
            person=m.person,
        )
        for m in Membership.objects.filter(group__scheme=scheme, role=MEMBER, start_date=day)
        .select_related("person", "group")
        .order_by("person__full_name", "pk")
    ]
    invited: Counter = Counter()
    pending = (
        Invitation.objects.pending()
        .filter(scheme=scheme, role=Invitation.Role.MEMBER)
        .filter(covering(day))
        .select_related("group")
        .order_by("full_name", "pk")
    )
    for invitation in pending:
        invited[invitation.group_id] += 1
        if invitation.start_date == day:
            rows.append(
                Joining(
                    group=invitation.group,
                    track=invitation.track,
                    name=invitation.full_name,
                    email=invitation.email,
                    how=How.INVITED,
                    end_date=invitation.end_date,
                )
            )
    return rows, invited


def _new_joiners(
    scheme: Scheme, day: date, joiners: list[Joiner], ends: dict, leaving: set[int]
) -> list[Joining]:
    """The joiners asked for, each with how they join and what stops them, if anything.
    Two queries: the accounts of the scheme among them, and their places in the groups."""
    if not joiners:
        return []
    emails = {j.email.lower() for j in joiners if j.person is None and j.email}
    picked = {j.person.pk for j in joiners if j.person is not None}
    people = (
        people_in_scheme(scheme)
        .annotate(lower_email=Lower("email"))
        .filter(Q(pk__in=picked) | Q(lower_email__in=emails))
    )
    by_pk = {person.pk: person for person in people}
    by_email = {person.lower_email: person for person in by_pk.values()}
    rows = []
    for joiner in joiners:
        person = joiner.person or by_email.get(joiner.email.lower())
        in_scheme = person is not None and person.pk in by_pk
        rows.append(
            Joining(
                group=joiner.group,
                track=joiner.track,
                name=person.full_name if person else joiner.full_name,
                email=person.email if person else joiner.email,
                how=How.MEMBER if in_scheme else How.INVITATION,
                end_date=joiner.end_date or ends.get(joiner.track),
                person=person if in_scheme else None,
                line=joiner.line,
                pick=joiner.pick,
            )
        )
        if joiner.person is not None and not in_scheme:
            rows[-1].problem = f"{joiner.person} is not in {scheme}: invite them with the CSV."
    _check(scheme, day, rows, leaving)
    return rows


def _check(scheme: Scheme, day: date, rows: list[Joining], leaving: set[int]) -> None:
    """What stops each joiner: a group or track that will not do, being on the list twice,
    or a place in the group then already (but for one that ends at this changeover)."""
    members = [row.person.pk for row in rows if row.person is not None]
    places: dict[tuple[int, int], list[Membership]] = {}
    if members:
        for place in (
            Membership.objects.filter(person__in=members, group__in={r.group.pk for r in rows})
            .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
            .exclude(pk__in=leaving)
            .order_by("start_date")
        ):
            places.setdefault((place.person_id, place.group_id), []).append(place)
    seen: set[str] = set()
    for row in rows:
        clash = [
            place
            for place in places.get((row.person.pk if row.person else 0, row.group.pk), [])
            if row.end_date is None or place.start_date <= row.end_date
        ]
        if row.problem:
            pass
        elif row.group.scheme_id != scheme.pk:
            row.problem = "That group belongs to another scheme."
        elif row.track not in Membership.Track.values:
            row.problem = f"Choose {row.name}'s track."
        elif row.key in seen:
            row.problem = f"{row.name} is on the list twice."
        elif clash:
            row.problem = (
                f"{row.name} is already in {row.group} from {clash[0].start_date.isoformat()}."
            )
        seen.add(row.key)


def _sizes(scheme: Scheme, day: date, plan: Plan, invited: Counter) -> list[GroupSize]:
    """Members of each group that changes, the day before and on the day after the
    changeover, with the invitations not yet accepted. Two queries."""
    eve = day - timedelta(days=1)
    leaving = Counter(row.membership.group_id for row in plan.leaving)
    joining = Counter(row.group.pk for row in plan.joiners)
    changing = set(leaving) | set(joining)
    if not changing:
        return []
    counts = {
        row["group"]: row
        for row in Membership.objects.filter(group__in=changing, role=MEMBER)
        .filter(covering(eve) | covering(day))
        .order_by()
        .values("group")
        .annotate(
            before=Count("pk", filter=covering(eve)),
            on_day=Count("pk", filter=covering(day)),
        )
    }
    ended = Counter(row.membership.group_id for row in plan.to_end)
    added = Counter(row.group.pk for row in plan.to_add)
    invited = invited + Counter(row.group.pk for row in plan.to_invite)
    sizes = []
    for group in BalintGroup.objects.filter(pk__in=changing).order_by("name", "pk"):
        count = counts.get(group.pk, {"before": 0, "on_day": 0})
        sizes.append(
            GroupSize(
                group=group,
                before=count["before"],
                leaving=leaving[group.pk],
                joining=joining[group.pk],
                members=count["on_day"] - ended[group.pk] + added[group.pk],
                invited=invited[group.pk],
            )
        )
    return sizes


def changeover_preview(
    scheme: Scheme,
    day: date,
    joiners: list[Joiner] = (),
    *,
    kept=(),
) -> Plan:
    """The changeover on `day`: members on a track that rotates that day leave (their
    place ends the day before) unless `kept` (membership pks); `joiners` join from the
    day."""
    requirement = Requirement.for_scheme(scheme)
    tracks = list(
        RotationDate.objects.filter(scheme=scheme, day=day)
        .order_by("track")
        .values_list("track", flat=True)
    )
    plan = Plan(
        scheme=scheme,
        day=day,
        tracks=[TRACKS[track] for track in tracks],
        required=requirement.sessions_required,
    )
    if day < timezone.localdate():
        plan.problems.append(
            "That day has passed: a changeover is applied on its day or before, so that "
            "no one's place ends in the past."
        )
    plan.leavers = _leavers(scheme, requirement, day, tracks, set(kept))
    ends = _track_ends(scheme, day)
    arranged, invited = _arranged(scheme, day)
    leaving = {row.membership.pk for row in plan.to_end}
    plan.joiners = _new_joiners(scheme, day, list(joiners), ends, leaving) + arranged
    joining = {row.person.pk for row in plan.joiners if row.person is not None}
    for row in plan.leavers:
        row.continues = row.continues or row.membership.person_id in joining
        row.short = not row.kept and not row.continues and row.counted + row.to_come < plan.required
    plan.problems += [
        f"Line {row.line}: {row.problem}" if row.line else row.problem
        for row in plan.joiners
        if row.problem
    ]
    plan.sizes = _sizes(scheme, day, plan, invited)
    return plan

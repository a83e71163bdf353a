"""Writes for groups, memberships and organiser roles."""

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q

from groups.figures_hooks import figures_changed, group_figures_changed
from groups.models import BalintGroup, Membership, Scheme, SchemeOrganiser, User
from groups.permissions import require_organiser
from groups.selectors import people_in_scheme
from groups.validation import validate_no_overlap

# Several people join a group in one go: a group is 6 to 12, a new intake a few groups.
MOST_AT_ONCE = 50

GROUP_FIELDS = (
    "name",
    "meeting_weekday",
    "start_time",
    "duration_minutes",
    "frequency",
    "location",
    "online_link",
    "min_members",
    "max_members",
)


def group_create(*, actor: User, scheme: Scheme, **fields) -> BalintGroup:
    require_organiser(actor, scheme)
    group = BalintGroup(scheme=scheme, **{k: fields[k] for k in GROUP_FIELDS if k in fields})
    group.full_clean()
    with transaction.atomic():
        group.save()
    return group


def group_update(*, actor: User, group: BalintGroup, **fields) -> BalintGroup:
    require_organiser(actor, group.scheme)
    # The meetings still to come, and so each member's standing, follow the rhythm.
    rhythm = ("frequency", "meeting_weekday")
    rhythm_changed = any(key in fields and fields[key] != getattr(group, key) for key in rhythm)
    for key in GROUP_FIELDS:
        if key in fields:
            setattr(group, key, fields[key])
    group.full_clean()
    with transaction.atomic():
        group.save()
        if rhythm_changed:
            group_figures_changed(group)
    return group


def membership_add(
    *,
    actor: User | None,
    group: BalintGroup,
    person: User,
    role: str = Membership.Role.MEMBER,
    track: str = Membership.Track.PSYCHIATRY,
    start_date: date,
    end_date: date | None = None,
) -> Membership:
    """Add a person to a group. `actor=None` is for trusted callers (invitations, seeding)."""
    if actor is not None:
        require_organiser(actor, group.scheme)
    membership = Membership(
        person=person,
        group=group,
        role=role,
        track=track,
        start_date=start_date,
        end_date=end_date,
    )
    membership.full_clean(exclude=["person", "group"])
    with transaction.atomic():
        validate_no_overlap(person=person, group=group, start=start_date, end=end_date)
        try:
            with transaction.atomic():
                membership.save()
        except IntegrityError as exc:  # a concurrent insert lost the race
            raise ValidationError(f"{person} already has an overlapping place in {group}.") from exc
        figures_changed(group.scheme_id, [person.pk])
    return membership


@dataclass(frozen=True)
class NewMember:
    """One trainee of a bulk add and their track ("" when not known: refused)."""

    person: User
    track: str


def memberships_add(
    *,
    actor: User,
    group: BalintGroup,
    members: list[NewMember],
    start_date: date,
    end_date: date | None = None,
) -> list[Membership]:
    """Several of the scheme's people join the group as trainees from one date: all of
    them or, when anyone is refused, none. Every refusal is named at once (someone not in
    the scheme, without a track, or already in the group then), so that the organiser
    corrects the list in one go."""
    require_organiser(actor, group.scheme)
    once: dict[int, NewMember] = {}
    for member in members:
        once.setdefault(member.person.pk, member)
    members = list(once.values())
    if not members:
        raise ValidationError("Choose at least one person.")
    if len(members) > MOST_AT_ONCE:
        raise ValidationError(f"Add at most {MOST_AT_ONCE} people at once.")
    if end_date is not None and end_date < start_date:
        raise ValidationError({"end_date": "The end date is before the start date."})
    problems = [
        f"Choose {m.person}'s track." for m in members if m.track not in Membership.Track.values
    ]
    pks = [m.person.pk for m in members]
    in_scheme = set(people_in_scheme(group.scheme).filter(pk__in=pks).values_list("pk", flat=True))
    problems += [
        f"{m.person} is not in {group.scheme}." for m in members if m.person.pk not in in_scheme
    ]
    with transaction.atomic():
        problems += _already_in(group, members, start=start_date, end=end_date)
        if problems:
            raise ValidationError(problems)
        try:
            with transaction.atomic():
                created = Membership.objects.bulk_create(
                    Membership(
                        person=m.person,
                        group=group,
                        role=Membership.Role.MEMBER,
                        track=m.track,
                        start_date=start_date,
                        end_date=end_date,
                    )
                    for m in members
                )
        except IntegrityError as exc:  # a concurrent add lost the race
            raise ValidationError(
                f"Someone on the list was added to {group} meanwhile: try again."
            ) from exc
        figures_changed(group.scheme_id, pks)
    return created


def _already_in(
    group: BalintGroup, members: list[NewMember], *, start: date, end: date | None
) -> list[str]:
    """validation.validate_no_overlap for many people in one query: who is in the group
    already at some time between `start` and `end`."""
    people = {m.person.pk: m.person for m in members}
    overlapping = Membership.objects.filter(group=group, person__in=people).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=start)
    )
    if end is not None:
        overlapping = overlapping.filter(start_date__lte=end)
    problems = {}
    for existing in overlapping.order_by("start_date"):
        until = existing.end_date.isoformat() if existing.end_date else "open-ended"
        person = people[existing.person_id]
        problems.setdefault(
            person.pk,
            f"{person} is already in {group} from {existing.start_date.isoformat()} ({until}).",
        )
    return [problems[pk] for pk in people if pk in problems]


def membership_end(*, actor: User, membership: Membership, end_date: date) -> Membership:
    require_organiser(actor, membership.group.scheme)
    if end_date < membership.start_date:
        raise ValidationError("A membership cannot end before it starts.")
    with transaction.atomic():
        # A later end date can run into the person's next membership of the group.
        validate_no_overlap(
            person=membership.person,
            group=membership.group,
            start=membership.start_date,
            end=end_date,
            exclude=membership,
        )
        membership.end_date = end_date
        membership.save(update_fields=["end_date"])
        figures_changed(membership.group.scheme_id, [membership.person_id])
    return membership


def organiser_add(*, scheme: Scheme, person: User) -> SchemeOrganiser:
    organiser, _ = SchemeOrganiser.objects.get_or_create(scheme=scheme, person=person)
    return organiser

"""Writes for groups, memberships and organiser roles."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from groups.figures_hooks import figures_changed
from groups.models import BalintGroup, Membership, Scheme, SchemeOrganiser, User
from groups.permissions import require_organiser
from groups.validation import validate_no_overlap

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
    for key in GROUP_FIELDS:
        if key in fields:
            setattr(group, key, fields[key])
    group.full_clean()
    with transaction.atomic():
        group.save()
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

"""Checks that give people a readable message before the database refuses.

Shared by the forms, the CSV import and the services, so it imports none of them:
the services import this module, never the other way round.
"""

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db.models import Q

from groups.models import BalintGroup, Invitation, Membership, Scheme, User
from groups.selectors import people_by_email

# How much of a value a message repeats: enough to find it, never the whole of a huge one.
ECHO_CHARS = 80


@dataclass(frozen=True)
class InvitationData:
    """One invitation before it is saved: from the form or a CSV row."""

    email: str
    full_name: str
    role: str
    group: BalintGroup | None = None
    track: str = Membership.Track.PSYCHIATRY
    start_date: date | None = None
    end_date: date | None = None


def echo(value: str) -> str:
    """A value as a message quotes it: repr-quoted and cut to ECHO_CHARS characters.
    A CSV cell can hold anything, and the message is shown on the page."""
    if len(value) > ECHO_CHARS:
        value = value[:ECHO_CHARS] + "…"
    return repr(value)


def validate_no_overlap(
    *,
    person: User,
    group: BalintGroup,
    start: date,
    end: date | None,
    exclude: Membership | None = None,
) -> None:
    """The database refuses overlaps too; this gives the person a readable message."""
    overlapping = Membership.objects.filter(person=person, group=group).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=start)
    )
    if exclude is not None:
        overlapping = overlapping.exclude(pk=exclude.pk)
    if end is not None:
        overlapping = overlapping.filter(start_date__lte=end)
    existing = overlapping.first()
    if existing:
        until = existing.end_date.isoformat() if existing.end_date else "open-ended"
        raise ValidationError(
            f"{person} is already in {group} from {existing.start_date.isoformat()} ({until})."
        )


def validate_invitation(
    *, scheme: Scheme, data: InvitationData, people: dict[str, User] | None = None
) -> dict[str, str]:
    """Field name -> message for everything wrong with one invitation.

    `people` (from selectors.people_by_email) saves a look-up per invitation when
    checking many.
    """
    errors: dict[str, str] = {}
    is_organiser_role = data.role == Invitation.Role.ORGANISER
    if data.role not in Invitation.Role.values:
        errors["role"] = (
            f"{echo(data.role)} is not a role; use one of {', '.join(Invitation.Role.values)}."
        )
    if data.group is not None and data.group.scheme_id != scheme.pk:
        errors["group"] = "That group belongs to another scheme."
    if not is_organiser_role and data.role in Invitation.Role.values:
        if data.group is None:
            errors["group"] = "A group is required for a member, leader or co-leader."
        if data.start_date is None:
            errors["start_date"] = "A start date is required for a group role."
    if data.start_date and data.end_date and data.end_date < data.start_date:
        errors["end_date"] = "The end date is before the start date."
    if data.track not in Membership.Track.values:
        errors["track"] = (
            f"{echo(data.track)} is not a track; use one of {', '.join(Membership.Track.values)}."
        )
    if "group" not in errors and data.group is not None and data.start_date:
        if people is None:
            people = people_by_email([data.email])
        person = people.get(data.email.lower())
        if person:
            try:
                validate_no_overlap(
                    person=person, group=data.group, start=data.start_date, end=data.end_date
                )
            except ValidationError as exc:
                errors["start_date"] = exc.messages[0]
    return errors

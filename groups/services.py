"""Writes for schemes, groups, memberships and invitations, and for privacy: erasure,
the access log and retention.

Every function checks permission, runs atomically and sends side effects
(email) only once the transaction has committed.
"""

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth import password_validation
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from balint import outbox, privacy
from balint.models import OutboundEmail
from balint.outbox import email_queue
from groups import permissions
from groups.figures_hooks import figures_changed
from groups.models import (
    AccessLogEntry,
    BalintGroup,
    Invitation,
    Membership,
    PersonErasure,
    Scheme,
    SchemeOrganiser,
    User,
)
from groups.retention import (  # noqa: F401 (the retention run's services, re-exported)
    people_erase_blockers,
    people_erase_for_retention,
    retention_enforce,
)

log = logging.getLogger(__name__)

_INVITATION_SALT = "balint.invitation"

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


def _require_organiser(actor: User, scheme: Scheme) -> None:
    if not permissions.is_organiser(actor, scheme):
        raise PermissionDenied("Only the scheme's organisers can do this.")


# --- Groups ---------------------------------------------------------------


def group_create(*, actor: User, scheme: Scheme, **fields) -> BalintGroup:
    _require_organiser(actor, scheme)
    group = BalintGroup(scheme=scheme, **{k: fields[k] for k in GROUP_FIELDS if k in fields})
    group.full_clean()
    with transaction.atomic():
        group.save()
    return group


def group_update(*, actor: User, group: BalintGroup, **fields) -> BalintGroup:
    _require_organiser(actor, group.scheme)
    for key in GROUP_FIELDS:
        if key in fields:
            setattr(group, key, fields[key])
    group.full_clean()
    with transaction.atomic():
        group.save()
    return group


# --- Memberships ----------------------------------------------------------


def _check_no_overlap(
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
        _require_organiser(actor, group.scheme)
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
        _check_no_overlap(person=person, group=group, start=start_date, end=end_date)
        try:
            with transaction.atomic():
                membership.save()
        except IntegrityError as exc:  # a concurrent insert lost the race
            raise ValidationError(f"{person} already has an overlapping place in {group}.") from exc
        figures_changed(group.scheme_id, [person.pk])
    return membership


def membership_end(*, actor: User, membership: Membership, end_date: date) -> Membership:
    _require_organiser(actor, membership.group.scheme)
    if end_date < membership.start_date:
        raise ValidationError("A membership cannot end before it starts.")
    with transaction.atomic():
        # A later end date can run into the person's next membership of the group.
        _check_no_overlap(
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


# --- Organisers -----------------------------------------------------------


def organiser_add(*, scheme: Scheme, person: User) -> SchemeOrganiser:
    organiser, _ = SchemeOrganiser.objects.get_or_create(scheme=scheme, person=person)
    return organiser


# --- Invitations ----------------------------------------------------------


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


def invitation_token(invitation: Invitation) -> str:
    """The secret in the emailed link: signed, so nothing guessable is stored."""
    return signing.dumps(invitation.pk, salt=_INVITATION_SALT)


def invitation_url(invitation: Invitation) -> str:
    return f"{settings.SITE_URL}/invitations/{invitation_token(invitation)}/"


def people_by_email(emails) -> dict[str, User]:
    """Existing accounts for these addresses, keyed by lower-case email. One query."""
    found = User.objects.annotate(lower_email=Lower("email")).filter(
        lower_email__in={e.lower() for e in emails}
    )
    return {person.lower_email: person for person in found}


def validate_invitation(
    *, scheme: Scheme, data: InvitationData, people: dict[str, User] | None = None
) -> dict[str, str]:
    """Field name -> message for everything wrong with one invitation.

    `people` (from people_by_email) saves a look-up per invitation when checking many.
    """
    errors: dict[str, str] = {}
    is_organiser_role = data.role == Invitation.Role.ORGANISER
    if data.role not in Invitation.Role.values:
        errors["role"] = (
            f"{data.role!r} is not a role; use one of {', '.join(Invitation.Role.values)}."
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
            f"{data.track!r} is not a track; use one of {', '.join(Membership.Track.values)}."
        )
    if "group" not in errors and data.group is not None and data.start_date:
        if people is None:
            people = people_by_email([data.email])
        person = people.get(data.email.lower())
        if person:
            try:
                _check_no_overlap(
                    person=person, group=data.group, start=data.start_date, end=data.end_date
                )
            except ValidationError as exc:
                errors["start_date"] = exc.messages[0]
    return errors


def _queue_invitation_email(invitation: Invitation) -> None:
    email_queue(
        kind="invitation",
        object_key=f"invitation:{invitation.pk}",
        to=invitation.email,
        scheme=invitation.scheme,
        template="invitation",
        context={"invitation": invitation, "url": invitation_url(invitation)},
    )


def invitations_create(
    *, actor: User, scheme: Scheme, items: list[InvitationData]
) -> list[Invitation]:
    """Create and email invitations: all of them, or none if any is invalid."""
    _require_organiser(actor, scheme)
    people = people_by_email(item.email for item in items)
    for item in items:
        errors = validate_invitation(scheme=scheme, data=item, people=people)
        if errors:
            raise ValidationError(errors)
    return _invitations_save(actor=actor, scheme=scheme, items=items)


def _invitations_save(*, actor: User, scheme: Scheme, items: list[InvitationData]):
    """Save and email invitations already validated."""
    expires_at = timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS)
    created = []
    with transaction.atomic():
        for item in items:
            invitation = Invitation.objects.create(
                scheme=scheme,
                email=item.email.lower(),
                full_name=item.full_name,
                role=item.role,
                group=None if item.role == Invitation.Role.ORGANISER else item.group,
                track=item.track,
                start_date=item.start_date,
                end_date=item.end_date,
                invited_by=actor,
                expires_at=expires_at,
            )
            _queue_invitation_email(invitation)
            created.append(invitation)
    return created


def invitation_create(*, actor: User, scheme: Scheme, data: InvitationData) -> Invitation:
    return invitations_create(actor=actor, scheme=scheme, items=[data])[0]


def invitation_revoke(*, actor: User, invitation: Invitation) -> Invitation:
    _require_organiser(actor, invitation.scheme)
    with transaction.atomic():
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        outbox.emails_withdraw(object_key=f"invitation:{invitation.pk}")
    return invitation


class InvitationInvalid(Exception):
    """The link is unknown, used, revoked or expired. The message says which."""


def invitation_from_token(token: str) -> Invitation:
    try:
        pk = signing.loads(token, salt=_INVITATION_SALT)
    except signing.BadSignature:
        raise InvitationInvalid("This invitation link is not valid.") from None
    invitation = Invitation.objects.select_related("scheme", "group").filter(pk=pk).first()
    if invitation is None:
        raise InvitationInvalid("This invitation link is not valid.")
    if invitation.accepted_at is not None:
        raise InvitationInvalid("This invitation has already been used. Please sign in instead.")
    if invitation.revoked_at is not None:
        raise InvitationInvalid("This invitation was withdrawn by the scheme organiser.")
    if invitation.expires_at <= timezone.now():
        raise InvitationInvalid("This invitation has expired. Ask the organiser to send a new one.")
    return invitation


def invitation_accept(
    *, token: str, password: str | None = None, user: User | None = None
) -> tuple[Invitation, User]:
    """Turn an invitation into an account (new people) and the invited role.

    A new person sets a password; someone who already has an account must be
    signed in as the invited address. The link works once: the invitation row
    is locked while it is used.
    """
    from allauth.account.models import EmailAddress

    with transaction.atomic():
        invitation = invitation_from_token(token)
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.accepted_at is not None:
            raise InvitationInvalid(
                "This invitation has already been used. Please sign in instead."
            )
        existing = User.objects.filter(email__iexact=invitation.email).first()
        if existing is None:
            if not password:
                raise ValidationError({"password1": "Choose a password."})
            person = User(email=invitation.email, full_name=invitation.full_name)
            password_validation.validate_password(password, person)
            person.set_password(password)
            person.save()
        elif user is not None and user.pk == existing.pk:
            person = existing
        else:
            raise InvitationInvalid(
                "You already have an account: sign in as "
                f"{invitation.email} and open the link again."
            )
        # The link proves the invited address: make it the verified primary one. Match it
        # ignoring case, and demote any other primary (one per user, or the insert fails).
        EmailAddress.objects.filter(user=person, primary=True).exclude(
            email__iexact=invitation.email
        ).update(primary=False)
        EmailAddress.objects.update_or_create(
            user=person,
            email__iexact=invitation.email,
            defaults={"email": invitation.email, "verified": True, "primary": True},
        )
        if invitation.role == Invitation.Role.ORGANISER:
            organiser_add(scheme=invitation.scheme, person=person)
        else:
            membership_add(
                actor=None,
                group=invitation.group,
                person=person,
                role=invitation.role,
                track=invitation.track,
                start_date=invitation.start_date,
                end_date=invitation.end_date,
            )
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = person
        invitation.save(update_fields=["accepted_at", "accepted_by"])
    return invitation, person


def invitations_import_csv(
    *, actor: User, scheme: Scheme, raw: bytes, filename: str
) -> list[Invitation]:
    """All rows become invitations, or, if any row is bad, none do (ImportFailed)."""
    from groups.imports import parse_invitations_csv

    _require_organiser(actor, scheme)
    # The parser validates every row (to report them all by line), so save directly.
    items = parse_invitations_csv(scheme=scheme, raw=raw, filename=filename)
    return _invitations_save(actor=actor, scheme=scheme, items=items)


# --- Privacy ----------------------------------------------------------------------------

PRIVACY_FIELDS = (
    "controller_name",
    "privacy_contact",
    "roster_retention_days",
    "account_retention_days",
)


def scheme_privacy_update(*, actor: User, scheme: Scheme, **fields) -> Scheme:
    """The privacy notice's controller and contact, and how long the scheme keeps data."""
    _require_organiser(actor, scheme)
    for key in PRIVACY_FIELDS:
        if key in fields:
            setattr(scheme, key, fields[key])
    scheme.full_clean()
    with transaction.atomic():
        scheme.save(update_fields=list(PRIVACY_FIELDS))
    return scheme


def access_log_record(
    *,
    actor: User,
    action: str,
    scheme: Scheme | None,
    description: str,
    subject: User | None = None,
) -> AccessLogEntry:
    """Record that `actor` exported or opened other people's data.

    Called by the views that do so, after their own permission check: the entry
    records what was allowed to happen. `description` names groups, schemes or
    codes, never people (`subject` is the person, when it is one).
    """
    if action not in AccessLogEntry.Action.values:
        raise ValueError(f"{action!r} is not an access-log action.")
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Every export and opened record writes one row: don't wait for the disk
            # flush (about 10 ms, as long as the page itself). A database crash in the
            # next fraction of a second could lose the row; it cannot corrupt anything.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        return AccessLogEntry.objects.create(
            actor=actor,
            action=action,
            scheme=scheme,
            subject=subject,
            description=description[:200],
        )


def erase_blockers(person: User, *, on: date) -> list[str]:
    """What stands in the way of erasing the person, as messages (empty: nothing)."""
    return people_erase_blockers([person], on=on)[person.pk]


def _require_may_erase(actor: User, person: User, scheme: Scheme | None) -> None:
    if actor.pk == person.pk:
        raise PermissionDenied("You cannot erase your own record.")
    if actor.is_staff:
        return  # staff erase anyone but themselves, through the admin
    if scheme is None or not permissions.is_organiser(actor, scheme):
        raise PermissionDenied("Only the scheme's organisers can erase someone's record.")
    if not permissions.people_erasable_by(actor, scheme).filter(pk=person.pk).exists():
        raise PermissionDenied(
            "Only people of your scheme who hold no role elsewhere can be erased here; "
            "ask staff to erase anyone else."
        )


def person_erase(
    *,
    actor: User | None,
    person: User,
    scheme: Scheme | None = None,
    when: datetime | None = None,
) -> PersonErasure:
    """Erase a person's record. Cannot be undone.

    Each app's part (balint.privacy) erases its share: personal fields are blanked
    or replaced, sign-in is disabled and sessions end, rosters, leave and reminders
    are deleted; attendance, memberships and certificates stay, pointing at the
    anonymised person, so every count is unchanged. `actor=None` is the retention
    task, a trusted caller.
    """
    when = when or timezone.now()
    if actor is None:
        reason = PersonErasure.Reason.RETENTION
    else:
        _require_may_erase(actor, person, scheme)
        by_organiser = scheme is not None and permissions.is_organiser(actor, scheme)
        reason = PersonErasure.Reason.ORGANISER if by_organiser else PersonErasure.Reason.STAFF
    with transaction.atomic():
        person = User.objects.select_for_update().get(pk=person.pk)
        problems = erase_blockers(person, on=timezone.localdate(when))
        if problems:
            raise ValidationError(problems)
        for part in reversed(privacy.parts()):
            part.erase(person, when=when)
        erasure = PersonErasure.objects.create(
            person=person, scheme=scheme, erased_by=actor, reason=reason, erased_at=when
        )
    log.info(
        "Erased person %s (%s, scheme %s, by %s)",
        person.pk,
        reason,
        scheme.pk if scheme else "-",
        actor.pk if actor else "retention",
    )
    return erasure


# --- Undelivered mail ---------------------------------------------------------------------


def failed_email_retry(*, actor: User, email: OutboundEmail) -> OutboundEmail:
    """An organiser sends an undelivered email of their scheme again."""
    if email.scheme_id is None or not permissions.is_organiser(actor, email.scheme):
        raise PermissionDenied("Only the scheme's organisers can send its mail again.")
    if email.state != OutboundEmail.State.FAILED:
        raise ValidationError("This email was not refused: there is nothing to send again.")
    return outbox.email_retry(email=email)

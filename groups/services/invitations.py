"""Invitations: the emailed, single-use links that create an account and its first role.

Each is checked in full (groups.validation) before anything is saved, and emailed
only once the transaction has committed.
"""

from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import password_validation
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from balint import outbox
from balint.outbox import email_queue
from groups.imports import parse_invitations_csv
from groups.models import Invitation, Scheme, User
from groups.permissions import require_organiser
from groups.selectors import people_by_email
from groups.services.memberships import membership_add, organiser_add
from groups.validation import InvitationData, validate_invitation

_INVITATION_SALT = "balint.invitation"


class InvitationInvalid(Exception):
    """The link is unknown, used, revoked or expired. The message says which."""


def invitation_token(invitation: Invitation) -> str:
    """The secret in the emailed link: signed, so nothing guessable is stored."""
    return signing.dumps(invitation.pk, salt=_INVITATION_SALT)


def invitation_url(invitation: Invitation) -> str:
    return f"{settings.SITE_URL}/invitations/{invitation_token(invitation)}/"


def _queue_invitation_email(invitation: Invitation) -> None:
    email_queue(
        kind="invitation",
        object_key=f"invitation:{invitation.pk}",
        to=invitation.email,
        scheme=invitation.scheme,
        template="invitation",
        context={"invitation": invitation, "url": invitation_url(invitation)},
        named=[invitation.invited_by],
    )


def invitations_create(
    *, actor: User, scheme: Scheme, items: list[InvitationData]
) -> list[Invitation]:
    """Create and email invitations: all of them, or none if any is invalid."""
    require_organiser(actor, scheme)
    people = people_by_email(item.email for item in items)
    for item in items:
        errors = validate_invitation(scheme=scheme, data=item, people=people)
        if errors:
            raise ValidationError(errors)
    return _invitations_save(actor=actor, scheme=scheme, items=items)


def _invitations_save(
    *, actor: User, scheme: Scheme, items: list[InvitationData]
) -> list[Invitation]:
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


def invitations_import_csv(
    *, actor: User, scheme: Scheme, raw: bytes, filename: str
) -> list[Invitation]:
    """All rows become invitations, or, if any row is bad, none do (ImportFailed)."""
    require_organiser(actor, scheme)
    # The parser validates every row (to report them all by line), so save directly.
    items = parse_invitations_csv(scheme=scheme, raw=raw, filename=filename)
    return _invitations_save(actor=actor, scheme=scheme, items=items)


def invitation_revoke(*, actor: User, invitation: Invitation) -> Invitation:
    require_organiser(actor, invitation.scheme)
    with transaction.atomic():
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        outbox.emails_withdraw(object_key=f"invitation:{invitation.pk}")
    return invitation


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

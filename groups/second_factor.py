"""Second factors: who must have one, and recovery when one is lost.

Organisers and staff see a whole scheme's personal data, so they sign in with a
second factor (allauth.mfa: an authenticator app with recovery codes, or a
passkey); groups.middleware keeps them to setting one up until they have. Anyone
else may add one. Someone who has lost theirs, recovery codes and all, asks
another organiser of their scheme, or staff, to remove it; the access log records
who did, and the person is told by email.
"""

import logging

from allauth.mfa.models import Authenticator
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet

from balint.outbox import email_queue
from groups import permissions, selectors
from groups.models import AccessLogEntry, Scheme, SchemeOrganiser, User
from groups.privacy import end_signed_in_sessions
from groups.services import access_log_record

log = logging.getLogger(__name__)


def second_factor_required(user: User) -> bool:
    return user.is_staff or user.is_superuser or user.organiser_roles.exists()


def people_recoverable_by(actor: User, scheme: Scheme) -> QuerySet[User]:
    """Whose second factor `actor` may remove in `scheme`.

    Never their own (that is what recovery codes are for). Staff: anyone in the
    scheme. An organiser: the scheme's people, but not staff, and not an organiser
    of a scheme they do not run -- that scheme's data is not theirs to open up.
    """
    people = selectors.people_in_scheme(scheme).exclude(pk=actor.pk)
    if actor.is_staff:
        return people
    if not permissions.is_organiser(actor, scheme):
        return User.objects.none()
    elsewhere = SchemeOrganiser.objects.exclude(scheme__in=permissions.schemes_organised_by(actor))
    return (
        people.exclude(is_staff=True)
        .exclude(is_superuser=True)
        .exclude(organiser_roles__in=elsewhere)
    )


def can_reset_second_factor(actor: User, person: User, scheme: Scheme) -> bool:
    return people_recoverable_by(actor, scheme).filter(pk=person.pk).exists()


def second_factor_reset(*, actor: User, person: User, scheme: Scheme) -> int:
    """Remove every second factor of `person` (authenticator app, passkeys, recovery
    codes); returns how many were removed.

    The next time they sign in, with their password or an emailed code, they set up
    a new one before anything else if their role needs it.
    """
    if not can_reset_second_factor(actor, person, scheme):
        raise PermissionDenied("You cannot remove this person's second factor.")
    with transaction.atomic():
        removed, _ = Authenticator.objects.filter(user=person).delete()
        if not removed:
            raise ValidationError(f"{person} has no second factor to remove.")
        entry = access_log_record(
            actor=actor,
            action=AccessLogEntry.Action.SECOND_FACTOR_RESET,
            scheme=scheme,
            subject=person,
            description=f"Second factor removed, in {scheme.name}",
        )
        email_queue(
            kind="second_factor_reset",
            # One notice per removal: a second loss is a second email.
            object_key=f"second-factor-reset:{entry.pk}",
            to=person.email,
            person=person,
            scheme=scheme,
            template="second_factor_reset",
            context={"scheme": scheme, "actor": actor},
            named=[actor],
        )
    # The lost phone may be in someone else's hands, signed in.
    end_signed_in_sessions(person)
    log.info("Second factor of person %s removed by %s", person.pk, actor.pk)
    return removed

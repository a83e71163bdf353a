"""Writes for privacy: a scheme's privacy settings, the access log and erasure.

The daily retention run lives in groups.retention.
"""

import logging
from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone

from balint import privacy
from groups import permissions
from groups.models import AccessLogEntry, PersonErasure, Scheme, User
from groups.retention import people_erase_blockers

log = logging.getLogger(__name__)

PRIVACY_FIELDS = (
    "controller_name",
    "privacy_contact",
    "roster_retention_days",
    "account_retention_days",
)


def scheme_privacy_update(*, actor: User, scheme: Scheme, **fields) -> Scheme:
    """The privacy notice's controller and contact, and how long the scheme keeps data."""
    permissions.require_organiser(actor, scheme)
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
    if not permissions.can_erase(actor, person, scheme):
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

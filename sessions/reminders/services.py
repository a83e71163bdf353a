"""Queueing due reminders into the outbox (and withdrawing a cancelled session's), each
person's reminder choices, and an organiser's notice settings of a scheme."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from balint.outbox import email_queue, emails_withdraw
from groups.models import Scheme, User
from groups.permissions import require_organiser
from sessions.models import ReminderPreference, SchemeSettings, Session
from sessions.reminders import due as reminders

REMINDER_BATCH = 100
# The model's check constraint allows up to 56 days; a day's notice is the least that
# leaves time to act.
NOTICE_DAYS = (1, 56)


def reminders_queue_due(
    now: datetime | None = None, *, session_ids=None, person_ids=None, kinds=None
) -> int:
    """Queue every due reminder not queued yet into the outbox; how many were queued.

    In batches, each its own transaction: the write lock is held briefly, and a
    run that dies part-way keeps what it queued (the next run skips those).
    """
    now = now or timezone.now()
    due = reminders.pending_reminders(
        now, session_ids=session_ids, person_ids=person_ids, kinds=kinds
    )
    queued = 0
    for start in range(0, len(due), REMINDER_BATCH):
        with transaction.atomic():
            queued += _queue(now, due[start : start + REMINDER_BATCH])
    return queued


def reminder_preferences_for(person: User) -> ReminderPreference:
    """The person's choices; unsaved defaults (everything on) if they never chose."""
    found = ReminderPreference.objects.filter(person=person).first()
    return found or ReminderPreference(person=person)


def reminder_preferences_update(*, person: User, **choices: bool) -> ReminderPreference:
    allowed = {"presenter", "day_before", "register", "clash"}
    unknown = set(choices) - allowed
    if unknown:
        raise ValidationError(f"Unknown reminder kinds: {', '.join(sorted(unknown))}.")
    with transaction.atomic():
        preference, _ = ReminderPreference.objects.select_for_update().get_or_create(person=person)
        for name, value in choices.items():
            setattr(preference, name, bool(value))
        preference.save()
    return preference


def scheme_notice_settings_update(
    *, actor: User, scheme: Scheme, below_minimum_notice_days: int, guests_need_approval: bool
) -> SchemeSettings:
    """How many days ahead a session below its group's minimum is warned of, and whether a
    guest waits for the leader's approval. The scheme's organisers only."""
    require_organiser(actor, scheme)
    low, high = NOTICE_DAYS
    if not low <= below_minimum_notice_days <= high:
        raise ValidationError(
            {"below_minimum_notice_days": f"Choose from {low} to {high} days ahead."}
        )
    with transaction.atomic():
        rules, _ = SchemeSettings.objects.select_for_update().get_or_create(scheme=scheme)
        rules.below_minimum_notice_days = below_minimum_notice_days
        rules.guests_need_approval = bool(guests_need_approval)
        rules.save(update_fields=["below_minimum_notice_days", "guests_need_approval"])
    return rules


def reminders_withdraw(*, session: Session) -> int:
    """A cancelled session's reminders not sent yet are not sent."""
    return emails_withdraw(object_key=reminders.object_key(session.pk), kind_prefix="reminder_")


def _queue(now: datetime, due: list[reminders.Due]) -> int:
    """Queue these due reminders into the outbox; how many were new."""
    if not due:
        return 0
    # Locked and still scheduled: a session cancelled since the due list was read is left
    # out, and a cancel under way waits for this batch, then withdraws what it queued.
    sessions = (
        Session.objects.select_for_update(of=("self",))
        .filter(status=Session.Status.SCHEDULED)
        .select_related("group__scheme", "presenter")
        .in_bulk({d.session_id for d in due})
    )
    due = [d for d in due if d.session_id in sessions]
    people = User.objects.in_bulk({d.person_id for d in due})
    clashes = reminders.open_clashes(due)
    queued = 0
    for reminder in due:
        session, person = sessions[reminder.session_id], people[reminder.person_id]
        clash = clashes.get((session.pk, person.pk))
        template, context = reminders.message_for(session, person, reminder.kind, now, clash)
        queued += bool(
            email_queue(
                kind=reminders.email_kind(reminder.kind),
                object_key=reminders.object_key(session.pk),
                to=person.email,
                person=person,
                scheme=session.group.scheme,
                template=template,
                context=context,
                expires_at=reminders.expires_at(session, reminder.kind),
                named=reminders.named_in(session, reminder.kind),
            )
        )
    return queued

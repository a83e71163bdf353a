"""Writes to the schedule: a term of sessions, and one session added, moved or cancelled.

Each checks permission and runs in one transaction; the emails it causes are queued
in the outbox inside it (sessions.notices), and the clashes of the sessions it
touches are recomputed after commit (sessions.tasks.recompute_session_clashes).
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from balint.queue import enqueue_on_commit
from groups.figures_hooks import group_figures_changed
from groups.models import BalintGroup, User
from sessions import notices, permissions
from sessions.models import Session
from sessions.reminders import services as reminder_services
from sessions.schedule import planning
from sessions.schedule.below_minimum import below_minimum_warnings_withdraw

MAX_TERM_DAYS = 400
# A task by name: the tasks modules import services, never the other way round.
RECOMPUTE_CLASHES = "sessions.tasks.recompute_session_clashes"


# --- Term and single sessions ----------------------------------------------


def term_preview(
    *, group: BalintGroup, start: date, end: date, excluded: set[date] | None = None
) -> list[planning.TermSlot]:
    if end < start:
        raise ValidationError({"end": "The term ends before it starts."})
    if (end - start).days > MAX_TERM_DAYS:
        raise ValidationError({"end": f"A term can span at most {MAX_TERM_DAYS} days."})
    existing = set(
        group.sessions.filter(slot_date__range=(start, end)).values_list("slot_date", flat=True)
    )
    scheme = group.scheme
    return planning.plan_term(
        weekday=group.meeting_weekday,
        frequency=group.frequency,
        start_time=group.start_time,
        duration_minutes=group.duration_minutes,
        zone=scheme.time_zone,
        country=scheme.holiday_country,
        subdivision=scheme.holiday_subdivision,
        start=start,
        end=end,
        excluded=excluded or set(),
        existing=existing,
    )


def term_generate(
    *, actor: User, group: BalintGroup, start: date, end: date, excluded: set[date] | None = None
) -> list[Session]:
    """Create the term's sessions. Slots that already have a session are left alone."""
    permissions.require_scheduler(actor, group)
    with transaction.atomic():
        # Lock the group so two leaders generating at once cannot both insert a slot.
        BalintGroup.objects.select_for_update().filter(pk=group.pk).first()
        slots = term_preview(group=group, start=start, end=end, excluded=excluded)
        sessions = [
            Session(group=group, slot_date=s.day, starts_at=s.starts_at, ends_at=s.ends_at)
            for s in slots
            if s.will_be_created
        ]
        Session.objects.bulk_create(sessions)
        if sessions:
            group_figures_changed(group)
            enqueue_on_commit(RECOMPUTE_CLASHES, [s.pk for s in sessions])
    return sessions


def _span(group: BalintGroup, day: date, start_time: time | None) -> tuple[datetime, datetime]:
    return planning.local_span(
        day, start_time or group.start_time, group.duration_minutes, group.scheme.time_zone
    )


def session_add(
    *,
    actor: User,
    group: BalintGroup,
    day: date,
    start_time: time | None = None,
    location_override: str = "",
) -> Session:
    permissions.require_scheduler(actor, group)
    starts_at, ends_at = _span(group, day, start_time)
    session = Session(
        group=group,
        slot_date=day,
        starts_at=starts_at,
        ends_at=ends_at,
        location_override=location_override,
    )
    try:
        with transaction.atomic():
            session.save()
            group_figures_changed(group)
            enqueue_on_commit(RECOMPUTE_CLASHES, [session.pk])
    except IntegrityError:
        raise ValidationError(
            {"day": f"{group} already has a session on {day:%d %b %Y}."}
        ) from None
    return session


def session_move(
    *,
    actor: User,
    session: Session,
    day: date,
    start_time: time | None = None,
    location_override: str | None = None,
) -> Session:
    """Change the time or place. The slot stays the same, so a re-generated term won't refill it.

    `location_override=None` keeps the current place; "" returns to the group's usual one.
    """
    permissions.require_scheduler(actor, session.group)
    if session.status != Session.Status.SCHEDULED:
        raise ValidationError("Only a scheduled session can be moved.")
    starts_at, ends_at = _span(session.group, day, start_time)
    zone = ZoneInfo(session.group.scheme.time_zone)
    day_start = datetime.combine(day, time.min, tzinfo=zone)
    same_day = (
        session.group.sessions.exclude(pk=session.pk)
        .exclude(status=Session.Status.CANCELLED)
        .filter(starts_at__gte=day_start, starts_at__lt=day_start + timedelta(days=1))
    )
    if same_day.exists():
        raise ValidationError({"day": f"{session.group} already meets on {day:%d %b %Y}."})
    with transaction.atomic():
        session.starts_at, session.ends_at = starts_at, ends_at
        if location_override is not None:
            session.location_override = location_override
        session.sequence += 1
        session.save()
        group_figures_changed(session.group)
        notices.session_changed(session, "moved")
        enqueue_on_commit(RECOMPUTE_CLASHES, [session.pk])
    return session


def session_cancel(*, actor: User, session: Session, reason: str) -> Session:
    permissions.require_scheduler(actor, session.group)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why the session is cancelled; members see it."})
    if session.status != Session.Status.SCHEDULED:
        raise ValidationError("Only a scheduled session can be cancelled.")
    with transaction.atomic():
        session.status = Session.Status.CANCELLED
        session.cancel_reason = reason
        session.sequence += 1
        session.save()
        group_figures_changed(session.group)
        notices.session_changed(session, "cancelled")
        reminder_services.reminders_withdraw(session=session)
        below_minimum_warnings_withdraw(session=session)
        enqueue_on_commit(RECOMPUTE_CLASHES, [session.pk])
    return session

"""Background work for sessions: roster feeds, clash recomputation and reminders.
Each task takes primary keys and wraps a service; each is safe to run twice. Emails
go through the outbox (balint/outbox.py), which sends each exactly once.
"""

import logging

from celery import shared_task

from balint.imports import ImportFailed
from sessions import services
from sessions.models import Clash, ReminderKind

log = logging.getLogger(__name__)


# --- Clashes -------------------------------------------------------------------------------


@shared_task(acks_late=True)
def recompute_session_clashes(session_ids: list[int]) -> int:
    """After sessions were created, moved or cancelled. The number of new clashes."""
    return len(services.clashes_recompute(session_ids=session_ids).new)


@shared_task(acks_late=True)
def scan_clashes() -> dict:
    """Nightly: every upcoming session against every roster, catching whatever was missed."""
    changes = services.clashes_recompute()
    services.roster_uploads_purge()
    return {"new": len(changes.new), "resolved": changes.resolved, "moved": changes.moved}


@shared_task(acks_late=True)
def notify_clashes(clash_ids: list[int]) -> int:
    """Queue a notice for each new clash (a presenter is offered a swap). Once each."""
    found = Clash.objects.filter(pk__in=clash_ids, resolved_at__isnull=True)
    pairs = list(found.values_list("session_id", "person_id"))
    if not pairs:
        return 0
    return services.reminders_queue_due(
        session_ids=sorted({s for s, _ in pairs}),
        person_ids=sorted({p for _, p in pairs}),
        kinds={ReminderKind.CLASH},
    )


# --- Roster feeds ----------------------------------------------------------------------------


@shared_task(acks_late=True)
def refresh_roster_feeds() -> int:
    """Hourly: enqueue a refresh of every feed not fetched for ROSTER_FEED_REFRESH_HOURS."""
    due = services.roster_feeds_due()
    for source_id in due:
        refresh_roster_feed.delay(source_id)
    return len(due)


@shared_task(acks_late=True)
def refresh_roster_feed(source_id: int) -> int:
    """Fetch one feed again. A bad answer is recorded on the source; its old shifts stay."""
    try:
        result = services.roster_feed_refresh(source_id=source_id)
    except ImportFailed as exc:
        log.info("Roster feed %s not refreshed: %s", source_id, exc)
        return 0
    return result.shifts if result else 0


# --- Reminders -------------------------------------------------------------------------------


@shared_task(acks_late=True)
def queue_due_reminders() -> int:
    """Every ten minutes (beat): queue what is due; the outbox sends it."""
    return services.reminders_queue_due()

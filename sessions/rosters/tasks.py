"""Background work on roster feeds. The names stay "sessions.tasks.*": the beat schedule
and messages already queued use them."""

import logging

from celery import shared_task

from balint.imports import ImportFailed
from sessions.rosters import services

log = logging.getLogger(__name__)


@shared_task(name="sessions.tasks.refresh_roster_feeds", acks_late=True)
def refresh_roster_feeds() -> int:
    """Hourly: enqueue a refresh of every feed not fetched for ROSTER_FEED_REFRESH_HOURS."""
    due = services.roster_feeds_due()
    for source_id in due:
        refresh_roster_feed.delay(source_id)
    return len(due)


@shared_task(name="sessions.tasks.refresh_roster_feed", acks_late=True)
def refresh_roster_feed(source_id: int) -> int:
    """Fetch one feed again. A bad answer is recorded on the source; its old shifts stay."""
    try:
        result = services.roster_feed_refresh(source_id=source_id)
    except ImportFailed as exc:
        log.info("Roster feed %s not refreshed: %s", source_id, exc)
        return 0
    return result.shifts if result else 0

"""Every background task of the sessions app, gathered here so the worker registers them
(Celery's autodiscovery reads `sessions.tasks`, and SessionsConfig.ready imports it).

Each lives in the tasks module of its subpackage, except scan_clashes below, and keeps
its old name "sessions.tasks.<function>", which the beat schedule (balint/settings.py)
and messages already queued use. Each takes primary keys, wraps a service and is safe
to run twice; emails go through the outbox (balint/outbox.py).
"""

from celery import shared_task

from sessions.clashes import services as clash_services
from sessions.clashes.tasks import notify_clashes, recompute_session_clashes
from sessions.reminders.tasks import queue_due_reminders
from sessions.rosters import services as roster_services
from sessions.rosters.tasks import refresh_roster_feed, refresh_roster_feeds
from sessions.schedule.tasks import warn_below_minimum


# Here rather than in sessions/clashes/tasks.py: it also purges roster files, and
# sessions.rosters already depends on sessions.clashes.
@shared_task(name="sessions.tasks.scan_clashes", acks_late=True)
def scan_clashes() -> dict:
    """Nightly: every upcoming session against every roster, catching whatever was missed.

    It also deletes the organisers' roster files kept past their week for a preview.
    """
    changes = clash_services.clashes_recompute()
    roster_services.roster_uploads_purge()
    return {"new": len(changes.new), "resolved": changes.resolved, "moved": changes.moved}


__all__ = [
    "notify_clashes",
    "queue_due_reminders",
    "recompute_session_clashes",
    "refresh_roster_feed",
    "refresh_roster_feeds",
    "scan_clashes",
    "warn_below_minimum",
]

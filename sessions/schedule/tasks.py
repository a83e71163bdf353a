"""Background work on the schedule. The name stays "sessions.tasks.*", as the other
sessions tasks: the beat schedule uses it."""

from celery import shared_task

from sessions.schedule import below_minimum


@shared_task(name="sessions.tasks.warn_below_minimum", acks_late=True)
def warn_below_minimum() -> int:
    """Daily (beat): tell the leaders and organisers, once, of each session expected below
    its group's minimum within its scheme's notice; the outbox sends it."""
    return below_minimum.below_minimum_warnings_queue()

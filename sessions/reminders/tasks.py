"""Background work on reminders. The name stays "sessions.tasks.*": the beat schedule
and messages already queued use it."""

from celery import shared_task

from sessions.reminders import services


@shared_task(name="sessions.tasks.queue_due_reminders", acks_late=True)
def queue_due_reminders() -> int:
    """Every ten minutes (beat): queue what is due; the outbox sends it."""
    return services.reminders_queue_due()

from celery import shared_task

from groups import services


@shared_task
def ping() -> str:
    """Answers 'pong': the tests send it to prove a worker takes tasks from the queue
    and its result comes back."""
    return "pong"


@shared_task(acks_late=True)
def enforce_retention() -> dict:
    """Daily (beat): delete what is past its retention period; what went, per kind.

    Safe to run twice: a second run finds nothing left past its time.
    """
    return services.retention_enforce().removed

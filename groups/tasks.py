from celery import shared_task


@shared_task
def ping() -> str:
    """Answers 'pong': lets /healthz and the tests prove a worker is alive."""
    return "pong"


@shared_task(acks_late=True)
def enforce_retention() -> dict:
    """Daily (beat): delete what is past its retention period; what went, per kind.

    Safe to run twice: a second run finds nothing left past its time.
    """
    from groups.services import retention_enforce

    return retention_enforce().removed

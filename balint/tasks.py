from dataclasses import asdict

from celery import shared_task

from balint import outbox
from balint.queue import send_task_now


@shared_task(acks_late=True)
def send_outbox() -> dict:
    """Send what is due (on commit of a change, and every minute by beat).

    Each run is short so a worker stops within its grace period; a run whose time
    was up asks for the next one. Two runs at once are harmless: each row is claimed.
    """
    report = outbox.outbox_send_due()
    if report.more_due:
        send_task_now(outbox.SEND_TASK)
    return asdict(report)

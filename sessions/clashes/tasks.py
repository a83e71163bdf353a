"""Background work on clashes. The names stay "sessions.tasks.*": the beat schedule and
messages already queued use them."""

from celery import shared_task

from sessions.clashes import selectors, services
from sessions.models import ReminderKind
from sessions.reminders import services as reminder_services


@shared_task(name="sessions.tasks.recompute_session_clashes", acks_late=True)
def recompute_session_clashes(session_ids: list[int]) -> int:
    """After sessions were created, moved or cancelled. The number of new clashes."""
    return len(services.clashes_recompute(session_ids=session_ids).new)


@shared_task(name="sessions.tasks.notify_clashes", acks_late=True)
def notify_clashes(clash_ids: list[int]) -> int:
    """Queue a notice for each new clash (a presenter is offered a swap). Once each."""
    pairs = selectors.open_clash_pairs(clash_ids)
    if not pairs:
        return 0
    return reminder_services.reminders_queue_due(
        session_ids=sorted({s for s, _ in pairs}),
        person_ids=sorted({p for _, p in pairs}),
        kinds={ReminderKind.CLASH},
    )

"""Background work for sessions: emails after a change has committed, roster feeds,
clash recomputation and reminders. Each task takes primary keys and wraps a service;
each is safe to run twice.
"""

import logging

from celery import shared_task

from balint.imports import ImportFailed
from balint.mail import send_templated_mail
from groups.models import Membership, User
from sessions import services
from sessions.models import Clash, ReminderKind, Session, SwapRequest

log = logging.getLogger(__name__)


def _members_on(session: Session) -> list[str]:
    memberships = Membership.objects.current(session.slot_date).filter(group=session.group_id)
    return sorted(set(memberships.values_list("person__email", flat=True)))


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5, changes_pages=False)
def notify_session_changed(session_id: int, change: str) -> int:
    """Tell everyone in the group that a session moved or was cancelled."""
    session = Session.objects.select_related("group__scheme").filter(pk=session_id).first()
    if session is None:
        return 0
    recipients = _members_on(session)
    for email in recipients:
        send_templated_mail(
            to=[email], template="session_changed", context={"session": session, "change": change}
        )
    return len(recipients)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5, changes_pages=False)
def notify_given_back(session_id: int, person_id: int) -> int:
    """Tell the group's leaders that a presenter gave their date back."""
    session = Session.objects.select_related("group__scheme").filter(pk=session_id).first()
    person = User.objects.filter(pk=person_id).first()
    if session is None or person is None:
        return 0
    leaders = Membership.objects.current(session.slot_date).filter(
        group=session.group_id, role__in=Membership.LEADING_ROLES
    )
    recipients = sorted(set(leaders.values_list("person__email", flat=True)))
    for email in recipients:
        send_templated_mail(
            to=[email], template="date_given_back", context={"session": session, "person": person}
        )
    return len(recipients)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5, changes_pages=False)
def notify_swap(swap_id: int) -> int:
    """A swap was asked for (tell the recipient) or decided (tell both)."""
    swap = (
        SwapRequest.objects.select_related(
            "requester", "recipient", "requester_session__group", "recipient_session__group"
        )
        .filter(pk=swap_id)
        .first()
    )
    if swap is None:
        return 0
    if swap.status == SwapRequest.Status.PENDING:
        recipients = [swap.recipient.email]
    else:
        recipients = [swap.requester.email, swap.recipient.email]
    for email in recipients:
        send_templated_mail(to=[email], template="swap", context={"swap": swap})
    return len(recipients)


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


@shared_task(
    acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5, changes_pages=False
)
def notify_clashes(clash_ids: list[int]) -> int:
    """Tell each person about their new clash (a presenter is offered a swap). Once each."""
    sent = 0
    found = Clash.objects.filter(pk__in=clash_ids, resolved_at__isnull=True)
    for session_id, person_id in found.values_list("session_id", "person_id"):
        sent += services.reminder_send(
            session_id=session_id, person_id=person_id, kind=ReminderKind.CLASH
        )
    return sent


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


@shared_task(
    acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5, changes_pages=False
)
def send_due_reminders() -> int:
    """Every few minutes (beat): send what is due. Claims make overlapping runs harmless."""
    return services.reminders_send_due()

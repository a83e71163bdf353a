"""Emails about sessions, sent by the worker after the change has committed."""

from celery import shared_task

from balint.mail import send_templated_mail
from groups.models import Membership, User
from sessions.models import Session, SwapRequest


def _members_on(session: Session) -> list[str]:
    memberships = Membership.objects.current(session.slot_date).filter(group=session.group_id)
    return sorted(set(memberships.values_list("person__email", flat=True)))


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
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


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
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


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
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

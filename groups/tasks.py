from celery import shared_task

from balint.mail import send_templated_mail
from groups.models import Invitation


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_invitation_email(invitation_id: int) -> bool:
    """Email the link. Skips invitations that were used or withdrawn meanwhile."""
    from groups.services import invitation_url

    invitation = (
        Invitation.objects.select_related("scheme", "group", "invited_by")
        .filter(pk=invitation_id)
        .first()
    )
    if invitation is None or not invitation.is_pending:
        return False
    send_templated_mail(
        to=[invitation.email],
        template="invitation",
        context={"invitation": invitation, "url": invitation_url(invitation)},
    )
    return True


@shared_task(changes_pages=False)
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

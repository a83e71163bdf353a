"""A scheme's undelivered mail, sent again at an organiser's request."""

from django.core.exceptions import PermissionDenied, ValidationError

from balint import outbox
from balint.models import OutboundEmail
from groups import permissions
from groups.models import User


def failed_email_retry(*, actor: User, email: OutboundEmail) -> OutboundEmail:
    """An organiser sends an undelivered email of their scheme again."""
    if email.scheme_id is None or not permissions.is_organiser(actor, email.scheme):
        raise PermissionDenied("Only the scheme's organisers can send its mail again.")
    if email.state != OutboundEmail.State.FAILED:
        raise ValidationError("This email was not refused: there is nothing to send again.")
    return outbox.email_retry(email=email)

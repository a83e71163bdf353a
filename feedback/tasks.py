"""Emails about term evaluations, sent by the worker after the change has committed."""

from celery import shared_task
from django.utils import timezone

from balint.mail import send_templated_mail
from feedback.models import TermEvaluation
from feedback.permissions import evaluation_members_q
from groups.models import Membership


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def notify_evaluation_opened(evaluation_id: int) -> int:
    """Tell the group's members that an end-of-term questionnaire is open.

    The evaluation is claimed (notified_at set) before anything is sent, so a
    duplicated or retried task never mails the group twice.
    """
    claimed = TermEvaluation.objects.filter(
        pk=evaluation_id, notified_at__isnull=True, closed_at__isnull=True
    ).update(notified_at=timezone.now())
    if not claimed:
        return 0
    evaluation = TermEvaluation.objects.select_related("group").get(pk=evaluation_id)
    recipients = sorted(
        set(
            Membership.objects.filter(evaluation_members_q(evaluation)).values_list(
                "person__email", flat=True
            )
        )
    )
    for email in recipients:
        send_templated_mail(
            to=[email], template="evaluation_opened", context={"evaluation": evaluation}
        )
    return len(recipients)

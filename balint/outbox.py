"""The outbox: queue an email with the change that causes it, send each exactly once.

Queueing (`email_queue`) inserts a row inside the caller's transaction; its unique
key (kind, object, recipient) makes queueing twice a no-op. On commit the sender is
asked to run; beat also runs it every minute, so nothing waits for a lost task.

Sending (`outbox_send_due`) claims one due row at a time as a lease stamped at the
moment of the claim. Another sender takes a row over only after its lease expired
(the worker died mid-send), so overlapping runs, duplicated ticks and retried
tasks never send the same row twice. The Message-ID is fixed per row: the one
copy a crash between "accepted" and "marked sent" can cause is recognisable.

Errors are per row: a permanent refusal (5xx, an address that cannot be encoded)
fails that row with its reason and the run goes on; a temporary one (4xx) backs
that row off; a mail server that cannot be reached ends the run, since every
other row would meet it too.
"""

import contextlib
import logging
import smtplib
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.crypto import salted_hmac

from balint.mail import render_templated_mail
from balint.models import OutboundEmail
from balint.queue import send_task_now

SEND_TASK = "balint.tasks.send_outbox"
log = logging.getLogger(__name__)
State = OutboundEmail.State


# --- Queueing --------------------------------------------------------------------------------


def _message_id(kind: str, object_key: str, to: str) -> str:
    digest = salted_hmac("balint.outbox", f"{kind}\x1f{object_key}\x1f{to}").hexdigest()[:32]
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"
    return f"<{digest}@{domain}>"


def _kick() -> None:
    send_task_now(SEND_TASK)


def _kick_on_commit() -> None:
    """Ask for one sender run when the transaction commits, however many rows it queued."""
    pending = transaction.get_connection().run_on_commit
    if not any(getattr(callback, "outbox_kick", False) for _, callback, _ in pending):
        transaction.on_commit(_kick)


_kick.outbox_kick = True


def email_queue(
    *,
    kind: str,
    object_key: str,
    to: str,
    template: str,
    context: dict,
    person=None,
    scheme=None,
    expires_at: datetime | None = None,
    named: Iterable = (),
) -> OutboundEmail | None:
    """Queue one email, rendered now; None if this (kind, object, recipient) is queued already.

    `named`: the people its text names besides the recipient, so that erasing one of
    them finds it (groups.privacy). Call it inside the transaction that makes the
    change: the email exists if and only if the change committed.
    """
    to = to.strip().lower()
    mail = render_templated_mail(template, {"recipient": person, **context})
    now = timezone.now()
    try:
        with transaction.atomic():
            email = OutboundEmail.objects.create(
                kind=kind,
                object_key=object_key,
                to=to,
                person=person,
                scheme=scheme,
                subject=mail.subject,
                body_text=mail.text,
                body_html=mail.html,
                message_id=_message_id(kind, object_key, to),
                next_attempt_at=now,
                expires_at=expires_at,
                created_at=now,
            )
    except IntegrityError:
        return None
    # A new email has no links yet: inserted at once (named.set() would read them first).
    others = {p.pk for p in named if p is not None} - {getattr(person, "pk", None)}
    links = OutboundEmail.named.through
    links.objects.bulk_create([links(outboundemail=email, user_id=pk) for pk in sorted(others)])
    _kick_on_commit()
    return email


def email_retry(*, email: OutboundEmail) -> OutboundEmail:
    """Try a failed email again from the start, to the person's address as it is now
    (someone may have corrected it)."""
    to = (email.person.email if email.person_id else email.to).strip().lower()
    try:
        with transaction.atomic():
            OutboundEmail.objects.filter(pk=email.pk, state=State.FAILED).update(
                to=to,
                state=State.PENDING,
                attempts=0,
                next_attempt_at=timezone.now(),
                failed_at=None,
                claimed_at=None,
                claim_token="",
            )
            _kick_on_commit()
    except IntegrityError:  # the same email to the new address exists already
        pass
    email.refresh_from_db()
    return email


def emails_withdraw(*, object_key: str, kind_prefix: str = "") -> int:
    """Emails not yet sent about something that no longer holds (an invitation withdrawn,
    a session cancelled) are not sent. A sender mid-send is not stopped."""
    return OutboundEmail.objects.filter(
        state=State.PENDING, object_key=object_key, kind__startswith=kind_prefix
    ).update(state=State.CANCELLED, last_error="withdrawn before it was sent")


# --- Sending ---------------------------------------------------------------------------------


@dataclass
class SendReport:
    sent: int = 0
    failed: int = 0
    deferred: int = 0
    more_due: bool = False  # the run's time was up with rows still due


@dataclass(frozen=True)
class Problem:
    reason: str
    permanent: bool = False
    server_down: bool = False  # the next row would meet it too: end the run


def _text(raw) -> str:
    return raw.decode(errors="replace") if isinstance(raw, bytes) else str(raw)


def problem_with(exc: Exception) -> Problem:
    """What a sending error means for this row and the rest of the run."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, text = next(iter(exc.recipients.values()))
        return Problem(f"{code} {_text(text)}", permanent=code >= 500, server_down=code == 421)
    if isinstance(
        exc, smtplib.SMTPConnectError | smtplib.SMTPHeloError | smtplib.SMTPAuthenticationError
    ):
        return Problem(
            f"mail server refused us: {exc.smtp_code} {_text(exc.smtp_error)}", server_down=True
        )
    if isinstance(exc, smtplib.SMTPSenderRefused):  # about us, not the recipient: all rows meet it
        return Problem(
            f"mail server refused our sender: {exc.smtp_code} {_text(exc.smtp_error)}",
            server_down=True,
        )
    if isinstance(exc, smtplib.SMTPResponseException):  # refused data
        code = exc.smtp_code
        return Problem(
            f"{code} {_text(exc.smtp_error)}", permanent=code >= 500, server_down=code == 421
        )
    if isinstance(exc, smtplib.SMTPException | OSError):  # refused, reset, time-out, DNS
        return Problem(
            f"mail server unreachable: {exc.__class__.__name__}: {exc}", server_down=True
        )
    if isinstance(exc, ValueError):  # Django refuses addresses it cannot encode safely
        return Problem(f"invalid address: {exc}", permanent=True)
    # A bug, not the mail server: logged in full, and the row counts its attempts like any
    # other, so it ends as undelivered instead of being retried for ever.
    log.exception("Unexpected error sending an email")
    return Problem(f"unexpected error: {exc.__class__.__name__}: {exc}")


class _Mailer:
    """One SMTP connection kept open for the run; reopened once if the server dropped it."""

    def __init__(self):
        self.backend = get_connection(fail_silently=False)

    def send(self, message: EmailMultiAlternatives) -> None:
        reused = getattr(self.backend, "connection", None) is not None
        try:
            self.backend.open()
            self.backend.send_messages([message])
        except smtplib.SMTPServerDisconnected:
            self.close()
            if not reused:
                raise
            self.backend.open()  # an idle connection the server closed: once more, afresh
            self.backend.send_messages([message])

    def close(self) -> None:
        with contextlib.suppress(Exception):  # a connection we are giving up on
            self.backend.close()


def _expire_stale(now: datetime) -> None:
    OutboundEmail.objects.filter(state=State.PENDING, expires_at__lt=now).update(
        state=State.CANCELLED, last_error="too late to be useful", claimed_at=None
    )


def _claim_next() -> OutboundEmail | None:
    """Claim the next due row, committed, with a lease stamped now; None when none is due."""
    now = timezone.now()
    lease_start = now - timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
    token = uuid.uuid4().hex
    with transaction.atomic():
        email = (
            OutboundEmail.objects.select_for_update(skip_locked=True)
            .filter(state=State.PENDING, next_attempt_at__lte=now)
            .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=lease_start))
            .order_by("next_attempt_at", "pk")
            .first()
        )
        if email is None:
            return None
        OutboundEmail.objects.filter(pk=email.pk).update(
            claimed_at=now, claim_token=token, attempts=F("attempts") + 1
        )
    email.claimed_at, email.claim_token, email.attempts = now, token, email.attempts + 1
    return email


def _message(email: OutboundEmail, connection) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body_text,
        to=[email.to],
        connection=connection,
        headers={"Message-ID": email.message_id},
    )
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")
    return message


def _mine(email: OutboundEmail):
    return OutboundEmail.objects.filter(pk=email.pk, claim_token=email.claim_token)


def _retry_delay(attempts: int) -> timedelta:
    steps = settings.OUTBOX_RETRY_SECONDS
    return timedelta(seconds=steps[min(attempts, len(steps)) - 1])


def _record_problem(email: OutboundEmail, problem: Problem) -> str:
    now = timezone.now()
    reason = problem.reason[:300]
    if problem.permanent or email.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
        if not problem.permanent:
            reason = f"gave up after {email.attempts} attempts: {reason}"[:300]
        _mine(email).update(state=State.FAILED, failed_at=now, last_error=reason, claimed_at=None)
        return "failed"
    _mine(email).update(
        next_attempt_at=now + _retry_delay(email.attempts), last_error=reason, claimed_at=None
    )
    return "deferred"


def _deliver(email: OutboundEmail, mailer: _Mailer) -> tuple[str, Problem | None]:
    try:
        mailer.send(_message(email, mailer.backend))
    except Exception as exc:
        problem = problem_with(exc)
        if problem.server_down:
            mailer.close()
        return _record_problem(email, problem), problem
    # Marked at once: the window in which a crash re-sends is this one UPDATE.
    _mine(email).update(state=State.SENT, sent_at=timezone.now(), claimed_at=None, last_error="")
    return "sent", None


def outbox_send_due(*, seconds: float | None = None) -> SendReport:
    """Send due emails, one claim each, for up to `seconds` (OUTBOX_RUN_SECONDS).

    A short run lets a worker stop within its grace period; a run whose time is up
    says so (`more_due`) and the task asks for another.
    """
    deadline = time.monotonic() + (seconds or settings.OUTBOX_RUN_SECONDS)
    report = SendReport()
    _expire_stale(timezone.now())
    mailer = _Mailer()
    try:
        while True:
            if time.monotonic() >= deadline:
                report.more_due = True
                break
            email = _claim_next()
            if email is None:
                break
            outcome, problem = _deliver(email, mailer)
            setattr(report, outcome, getattr(report, outcome) + 1)
            if problem is not None and problem.server_down:
                break
    finally:
        mailer.close()
    return report


# --- Reads -----------------------------------------------------------------------------------


def failed_emails(scheme_id: int):
    """Mail for a scheme that could not be delivered, newest first."""
    return OutboundEmail.objects.filter(scheme_id=scheme_id, state=State.FAILED).order_by(
        "-failed_at", "-pk"
    )


def emails_to(person) -> "list[OutboundEmail]":
    """The latest mail to a person (sent, failed or waiting), for their own page."""
    return list(
        OutboundEmail.objects.filter(person=person)
        .exclude(state=State.CANCELLED)
        .defer("body_text", "body_html")
        .order_by("-created_at", "-pk")[:10]
    )

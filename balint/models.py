"""The outbox: every email the app sends, one row per (kind, object, recipient).

Services add rows inside their own transaction, so a message exists exactly when
the change that caused it committed. The sender (balint.outbox) claims one row at
a time as a lease, sends it and marks it; the unique key makes queueing twice a
no-op, and the lease makes two senders harmless. See balint/outbox.py.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q


class OutboundEmail(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Could not be delivered"
        CANCELLED = "cancelled", "No longer needed"

    kind = models.CharField(max_length=40, help_text="What sort of message, e.g. invitation.")
    object_key = models.CharField(max_length=120, help_text="What it is about, e.g. session:12.")
    to = models.EmailField(max_length=254)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="emails",
        help_text="The recipient's account, if they have one.",
    )
    # Erasing one of them withdraws the email if it waits, and scrubs them from its copy.
    named = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="+",
        help_text="The people it names besides its recipient (who asked, who completed).",
    )
    # Whose organisers see it if it cannot be delivered.
    scheme = models.ForeignKey(
        "groups.Scheme", null=True, blank=True, on_delete=models.CASCADE, related_name="emails"
    )
    subject = models.CharField(max_length=255)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    # The same on every attempt, so a copy re-sent after a crash is recognisable.
    message_id = models.CharField(max_length=200, unique=True)

    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    next_attempt_at = models.DateTimeField()
    # A lease: stamped when a sender claims the row, taken over only once it expired.
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.CharField(max_length=32, blank=True)
    expires_at = models.DateTimeField(
        null=True, blank=True, help_text="Not worth sending after this (a reminder too late)."
    )
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "object_key", "to"], name="one_email_per_kind_object_recipient"
            ),
            models.CheckConstraint(
                condition=~Q(state="sent") | Q(sent_at__isnull=False), name="sent_email_has_time"
            ),
            models.CheckConstraint(
                condition=~Q(state="failed") | Q(failed_at__isnull=False),
                name="failed_email_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="outbox_due"),
            models.Index(fields=["scheme", "state"], name="outbox_scheme_state"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.to} ({self.state})"

"""Reminders now go through the outbox (balint.OutboundEmail): each claim becomes an
outbox row already sent, so no reminder claimed before the upgrade is sent again."""

import hashlib

from django.db import migrations


def claims_to_outbox(apps, schema_editor):
    ReminderClaim = apps.get_model("balint_sessions", "ReminderClaim")
    OutboundEmail = apps.get_model("balint", "OutboundEmail")
    db = schema_editor.connection.alias
    rows = []
    for claim in ReminderClaim.objects.using(db).select_related("person", "session__group").iterator():
        to = claim.person.email.lower()
        key = f"reminder_{claim.kind}\x1fsession:{claim.session_id}\x1f{to}"
        when = claim.sent_at or claim.claimed_at
        rows.append(
            OutboundEmail(
                kind=f"reminder_{claim.kind}",
                object_key=f"session:{claim.session_id}",
                to=to,
                person_id=claim.person_id,
                scheme_id=claim.session.group.scheme_id,
                subject=f"Reminder ({claim.get_kind_display()})",
                body_text="Sent before the outbox kept message texts.",
                message_id=f"<migrated-{hashlib.sha256(key.encode()).hexdigest()[:32]}@localhost>",
                state="sent",
                attempts=claim.attempts,
                next_attempt_at=when,
                created_at=claim.claimed_at,
                sent_at=when,
            )
        )
    OutboundEmail.objects.using(db).bulk_create(rows, batch_size=1000, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [
        ("balint", "0001_initial"),
        ("balint_sessions", "0003_shift_range_gist"),
    ]

    operations = [
        migrations.RunPython(claims_to_outbox, migrations.RunPython.noop),
        migrations.DeleteModel(name="ReminderClaim"),
    ]

from django.contrib import admin

from balint import outbox
from balint.models import OutboundEmail


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    list_display = ["to", "kind", "subject", "state", "attempts", "created_at", "sent_at"]
    list_filter = ["state", "kind"]
    list_select_related = ["scheme"]
    search_fields = ["to", "subject", "object_key"]
    raw_id_fields = ["person", "scheme"]
    readonly_fields = [
        "message_id", "attempts", "claimed_at", "claim_token", "created_at", "sent_at", "failed_at",
    ]  # fmt: skip
    actions = ["retry"]

    @admin.action(description="Send the selected failed emails again")
    def retry(self, request, queryset):
        for email in queryset.filter(state=OutboundEmail.State.FAILED):
            outbox.email_retry(email=email)

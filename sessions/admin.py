from django.contrib import admin

from sessions.models import CalendarToken, Leave, Session, SwapRequest


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = ["group", "slot_date", "starts_at", "status", "presenter"]
    list_filter = ["status", "group__scheme"]
    list_select_related = ["group", "presenter"]
    search_fields = ["group__name", "presenter__full_name"]
    date_hierarchy = "starts_at"
    autocomplete_fields = ["presenter"]
    readonly_fields = ["sequence", "created_at", "updated_at"]


@admin.register(Leave)
class LeaveAdmin(admin.ModelAdmin):
    list_display = ["person", "kind", "start_date", "end_date"]
    list_select_related = ["person"]
    search_fields = ["person__full_name", "person__email"]
    autocomplete_fields = ["person"]


@admin.register(SwapRequest)
class SwapRequestAdmin(admin.ModelAdmin):
    list_display = ["requester", "recipient", "status", "created_at", "decided_at"]
    list_filter = ["status"]
    list_select_related = ["requester", "recipient"]
    raw_id_fields = ["requester_session", "recipient_session"]
    autocomplete_fields = ["requester", "recipient"]


@admin.register(CalendarToken)
class CalendarTokenAdmin(admin.ModelAdmin):
    list_display = ["person", "created_at"]
    list_select_related = ["person"]
    search_fields = ["person__full_name", "person__email"]
    # The token is a secret: never shown, only reset by its owner.
    exclude = ["token"]
    readonly_fields = ["person", "created_at"]

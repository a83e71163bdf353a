from django.contrib import admin

from groups.figures_hooks import group_figures_changed
from sessions.models import (
    CalendarToken,
    Clash,
    Leave,
    OnCallShift,
    ReminderPreference,
    RosterSource,
    RosterUpload,
    SchemeSettings,
    Session,
    SwapRequest,
)


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = ["group", "slot_date", "starts_at", "status", "presenter"]
    list_filter = ["status", "group__scheme"]
    list_select_related = ["group", "presenter"]
    search_fields = ["group__name", "presenter__full_name"]
    date_hierarchy = "starts_at"
    autocomplete_fields = ["presenter"]
    readonly_fields = ["sequence", "created_at", "updated_at"]

    # A session's date or status moves its members' figures (upcoming, counted).
    def save_model(self, request, obj, form, change):
        before = Session.objects.filter(pk=obj.pk).select_related("group").first()
        super().save_model(request, obj, form, change)
        if before and before.group_id != obj.group_id:
            group_figures_changed(before.group)
        group_figures_changed(obj.group)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        group_figures_changed(obj.group)


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


@admin.register(RosterSource)
class RosterSourceAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "person", "scheme", "imported_at", "last_refreshed_at"]
    list_filter = ["kind", "scheme"]
    list_select_related = ["person", "scheme"]
    search_fields = ["name", "person__full_name", "person__email"]
    autocomplete_fields = ["person", "created_by"]
    # A feed address often carries the owner's secret token: not shown here.
    exclude = ["feed_url"]
    readonly_fields = ["created_at", "imported_at", "last_refreshed_at", "last_error"]


@admin.register(OnCallShift)
class OnCallShiftAdmin(admin.ModelAdmin):
    list_display = ["person", "starts_at", "ends_at", "all_day", "shift_type", "source"]
    list_filter = ["all_day", "source__kind"]
    list_select_related = ["person", "source"]
    search_fields = ["person__full_name", "person__email"]
    date_hierarchy = "starts_at"
    raw_id_fields = ["source", "person"]


@admin.register(Clash)
class ClashAdmin(admin.ModelAdmin):
    list_display = [
        "person",
        "session",
        "shift_starts_at",
        "shift_ends_at",
        "detected_at",
        "resolved_at",
    ]
    list_filter = [("resolved_at", admin.EmptyFieldListFilter)]
    list_select_related = ["person", "session__group"]
    search_fields = ["person__full_name", "person__email", "session__group__name"]
    raw_id_fields = ["session", "person", "shift"]


@admin.register(ReminderPreference)
class ReminderPreferenceAdmin(admin.ModelAdmin):
    list_display = ["person", "presenter", "day_before", "register", "clash"]
    list_select_related = ["person"]
    search_fields = ["person__full_name", "person__email"]
    autocomplete_fields = ["person"]


@admin.register(RosterUpload)
class RosterUploadAdmin(admin.ModelAdmin):
    list_display = ["filename", "scheme", "uploaded_by", "created_at", "applied_at"]
    list_select_related = ["scheme", "uploaded_by"]
    exclude = ["content"]
    readonly_fields = ["scheme", "uploaded_by", "filename", "replaces", "source", "applied_at"]


@admin.register(SchemeSettings)
class SchemeSettingsAdmin(admin.ModelAdmin):
    list_display = ["scheme", "travel_margin_minutes", "reminder_hour", "register_reminder_hour"]
    list_select_related = ["scheme"]
    search_fields = ["scheme__name"]

    def has_add_permission(self, request):
        return False  # every scheme has its row from creation

    def has_delete_permission(self, request, obj=None):
        return False

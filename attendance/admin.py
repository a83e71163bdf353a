from django.contrib import admin

from attendance.models import Attendance, AttendanceChange


class ReadOnlyAdmin(admin.ModelAdmin):
    """Registers change only through the register page, which keeps the history."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ChangeInline(admin.TabularInline):
    model = AttendanceChange
    extra = 0
    readonly_fields = ["changed_at", "changed_by", "before", "after"]
    has_add_permission = ReadOnlyAdmin.has_add_permission
    has_delete_permission = ReadOnlyAdmin.has_delete_permission


@admin.register(Attendance)
class AttendanceAdmin(ReadOnlyAdmin):
    list_display = ["person", "session", "role", "status", "updated_at"]
    list_filter = ["status", "role", "session__group__scheme"]
    list_select_related = ["person", "session__group"]
    search_fields = ["person__full_name", "session__group__name"]
    inlines = [ChangeInline]


@admin.register(AttendanceChange)
class AttendanceChangeAdmin(ReadOnlyAdmin):
    list_display = ["attendance", "before", "after", "changed_by", "changed_at"]
    list_select_related = ["attendance__person", "attendance__session__group", "changed_by"]

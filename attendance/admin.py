from django.contrib import admin

from attendance.figures import figures_refresh
from attendance.models import (
    Attendance,
    AttendanceChange,
    Certificate,
    CertificateExport,
    CertificateExportPart,
    Requirement,
    RotationDate,
    Statement,
)


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


class VerifiableAdmin(ReadOnlyAdmin):
    """A document with a verification code: a certificate or a statement."""

    list_display = ["display_code", "holder_name", "scheme", "sessions_counted", "issued_at"]
    list_filter = ["scheme"]
    list_select_related = ["scheme"]
    search_fields = ["code", "holder_name"]


@admin.register(Certificate)
class CertificateAdmin(VerifiableAdmin):
    """Certificates are issued and revoked by organisers on the certificates page."""


@admin.register(Statement)
class StatementAdmin(VerifiableAdmin):
    """Statements are made when a trainee or organiser downloads one."""


class ExportPartInline(admin.TabularInline):
    model = CertificateExportPart
    extra = 0
    readonly_fields = ["index", "count"]


@admin.register(CertificateExport)
class CertificateExportAdmin(admin.ModelAdmin):
    list_display = ["pk", "scheme", "requested_by", "status", "done", "total", "expires_at"]
    list_filter = ["status"]
    list_select_related = ["scheme", "requested_by"]
    readonly_fields = ["certificates", "done", "total", "chunks", "file", "finished_at", "error"]
    inlines = [ExportPartInline]


admin.site.register(CertificateExportPart)


@admin.register(Requirement)
class RequirementAdmin(admin.ModelAdmin):
    list_display = [
        "scheme",
        "sessions_required",
        "counted_statuses",
        "guest_sessions_count",
        "training_year_starts",
    ]
    list_select_related = ["scheme"]
    search_fields = ["scheme__name"]

    def has_add_permission(self, request):
        return False  # every scheme has its row from creation

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if form.changed_data:  # the rule changed: every trainee's figures in the scheme
            figures_refresh(scheme=obj.scheme)


@admin.register(RotationDate)
class RotationDateAdmin(admin.ModelAdmin):
    """Organisers keep them on the changeover page (attendance.changeover)."""

    list_display = ["day", "track", "scheme"]
    list_filter = ["track", "scheme"]
    list_select_related = ["scheme"]
    date_hierarchy = "day"

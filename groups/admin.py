from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from groups.models import BalintGroup, Invitation, Membership, Scheme, SchemeOrganiser, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["full_name", "email"]
    list_display = ["email", "full_name", "registration_number", "is_active", "is_staff"]
    search_fields = ["email", "full_name", "registration_number"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Person", {"fields": ["full_name", "registration_number"]}),
        (
            "Permissions",
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "full_name", "password1", "password2"]}),
    ]


class OrganiserInline(admin.TabularInline):
    model = SchemeOrganiser
    extra = 0
    autocomplete_fields = ["person"]


@admin.register(Scheme)
class SchemeAdmin(admin.ModelAdmin):
    list_display = ["name", "time_zone", "holiday_country", "sessions_required"]
    search_fields = ["name"]
    inlines = [OrganiserInline]


@admin.register(SchemeOrganiser)
class SchemeOrganiserAdmin(admin.ModelAdmin):
    list_display = ["person", "scheme", "created_at"]
    list_select_related = ["person", "scheme"]
    autocomplete_fields = ["person"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["person"]


@admin.register(BalintGroup)
class BalintGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "scheme", "meeting_weekday", "start_time", "frequency"]
    list_filter = ["scheme", "frequency"]
    list_select_related = ["scheme"]
    search_fields = ["name"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["person", "group", "role", "track", "start_date", "end_date"]
    list_filter = ["role", "track", "group__scheme"]
    list_select_related = ["person", "group"]
    search_fields = ["person__full_name", "person__email", "group__name"]
    autocomplete_fields = ["person", "group"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "scheme", "role", "group", "created_at", "accepted_at", "revoked_at"]
    list_filter = ["scheme", "role"]
    list_select_related = ["scheme", "group"]
    search_fields = ["email", "full_name"]
    readonly_fields = ["accepted_at", "accepted_by", "created_at"]

from collections import defaultdict

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse
from django.utils import timezone

from groups import services
from groups.figures_hooks import figures_changed, group_figures_changed, person_figures_changed
from groups.models import (
    AccessLogEntry,
    BalintGroup,
    Invitation,
    Membership,
    PersonErasure,
    RetentionRun,
    Scheme,
    SchemeOrganiser,
    User,
)

ERASE_CONFIRMATION = "ERASE"


@admin.action(description="Erase the selected people's records (cannot be undone)")
def erase_people(modeladmin, request, queryset):
    """The same erasure as an organiser's, for anyone but oneself; confirmed on a second page."""
    if request.POST.get("confirmation", "").strip().upper() == ERASE_CONFIRMATION:
        erased = 0
        for person in queryset:
            name = str(person)
            try:
                services.person_erase(actor=request.user, person=person)
            except (PermissionDenied, ValidationError) as exc:
                reasons = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
                modeladmin.message_user(
                    request, f"{name} not erased: {' '.join(reasons)}", messages.ERROR
                )
            else:
                erased += 1
        if erased:
            modeladmin.message_user(
                request, f"{erased} record{'s' if erased != 1 else ''} erased.", messages.SUCCESS
            )
        return None
    today = timezone.localdate()
    people = [
        (
            person,
            ["You cannot erase your own record."]
            if person.pk == request.user.pk
            else services.erase_blockers(person, on=today),
        )
        for person in queryset
    ]
    return TemplateResponse(
        request,
        "admin/groups/user/erase_confirmation.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": "Erase records",
            "opts": modeladmin.model._meta,
            "people": people,
            "queryset": queryset,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "confirmation_word": ERASE_CONFIRMATION,
            "wrong_word": "confirmation" in request.POST,
        },
    )


erase_people.allowed_permissions = ("change",)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    actions = [erase_people]
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

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "full_name" in form.changed_data:
            person_figures_changed(obj.pk)  # the overview sorts by name


class OrganiserInline(admin.TabularInline):
    model = SchemeOrganiser
    extra = 0
    autocomplete_fields = ["person"]


@admin.register(Scheme)
class SchemeAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "time_zone",
        "holiday_country",
        "roster_retention_days",
        "account_retention_days",
    ]
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

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        group_figures_changed(form.instance)  # memberships added, changed or removed


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["person", "group", "role", "track", "start_date", "end_date"]
    list_filter = ["role", "track", "group__scheme"]
    list_select_related = ["person", "group"]
    search_fields = ["person__full_name", "person__email", "group__name"]
    autocomplete_fields = ["person", "group"]

    # Each write refreshes the figures of the person, in the scheme before and after.
    def save_model(self, request, obj, form, change):
        before = Membership.objects.filter(pk=obj.pk).values_list("group__scheme", "person").first()
        super().save_model(request, obj, form, change)
        if before and before != (obj.group.scheme_id, obj.person_id):
            figures_changed(before[0], [before[1]])
        figures_changed(obj.group.scheme_id, [obj.person_id])

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        figures_changed(obj.group.scheme_id, [obj.person_id])

    def delete_queryset(self, request, queryset):
        affected = defaultdict(set)  # one refresh per scheme, not one per row
        for scheme_pk, person_pk in queryset.values_list("group__scheme", "person"):
            affected[scheme_pk].add(person_pk)
        super().delete_queryset(request, queryset)
        for scheme_pk, people in affected.items():
            figures_changed(scheme_pk, people)


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "scheme", "role", "group", "created_at", "accepted_at", "revoked_at"]
    list_filter = ["scheme", "role"]
    list_select_related = ["scheme", "group"]
    search_fields = ["email", "full_name"]
    readonly_fields = ["accepted_at", "accepted_by", "created_at"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records of what happened: staff read them, nobody edits or deletes them here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PersonErasure)
class PersonErasureAdmin(ReadOnlyAdmin):
    list_display = ["person_id", "scheme", "reason", "erased_by", "erased_at"]
    list_filter = ["reason", "scheme"]
    list_select_related = ["scheme", "erased_by"]
    date_hierarchy = "erased_at"


@admin.register(AccessLogEntry)
class AccessLogEntryAdmin(ReadOnlyAdmin):
    list_display = ["accessed_at", "actor", "action", "description", "subject", "scheme"]
    list_filter = ["action", "scheme"]
    list_select_related = ["actor", "subject", "scheme"]
    search_fields = ["description", "actor__full_name", "actor__email"]
    date_hierarchy = "accessed_at"


@admin.register(RetentionRun)
class RetentionRunAdmin(ReadOnlyAdmin):
    list_display = ["ran_at", "summary"]
    date_hierarchy = "ran_at"

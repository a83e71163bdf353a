from django.contrib import admin

from feedback.models import (
    EvaluationAnswer,
    EvaluationReceipt,
    SessionFeedback,
    SessionTheme,
    TermEvaluation,
    Theme,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Answers change only through their own pages. Staff may delete one (e.g. a comment
    that should never have been written) but not alter what someone said."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SessionFeedback)
class SessionFeedbackAdmin(ReadOnlyAdmin):
    # Who answered is deliberately left off the list: staff work on comments, not people.
    list_display = ["session", "safe_to_speak", "stayed_on_relationship", "useful_for_practice"]
    list_filter = ["session__group__scheme"]
    list_select_related = ["session__group"]
    exclude = ["person"]
    search_fields = ["comment"]


class SessionThemeInline(admin.TabularInline):
    model = SessionTheme
    extra = 0
    fields = ["session", "tagged_by", "created_at"]
    readonly_fields = fields
    can_delete = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ["name", "scheme", "created_at"]
    list_filter = ["scheme"]
    list_select_related = ["scheme"]
    search_fields = ["name"]
    inlines = [SessionThemeInline]


@admin.register(SessionTheme)
class SessionThemeAdmin(admin.ModelAdmin):
    list_display = ["theme", "session", "tagged_by", "created_at"]
    list_filter = ["theme__scheme"]
    list_select_related = ["theme", "session__group", "tagged_by"]
    raw_id_fields = ["session", "theme"]
    readonly_fields = ["tagged_by", "created_at"]
    search_fields = ["theme__name", "session__group__name"]


@admin.register(TermEvaluation)
class TermEvaluationAdmin(admin.ModelAdmin):
    list_display = ["title", "group", "opened_at", "closed_at"]
    list_filter = ["group__scheme"]
    list_select_related = ["group"]
    search_fields = ["title", "group__name"]
    raw_id_fields = ["group", "opened_by"]
    readonly_fields = ["opened_at", "notified_at"]

    def has_add_permission(self, request, obj=None):
        return False  # opened from the scheme's evaluations page, which tells the members


@admin.register(EvaluationReceipt)
class EvaluationReceiptAdmin(ReadOnlyAdmin):
    list_display = ["evaluation", "person"]
    list_select_related = ["evaluation__group", "person"]
    search_fields = ["person__full_name", "evaluation__title"]


@admin.register(EvaluationAnswer)
class EvaluationAnswerAdmin(ReadOnlyAdmin):
    list_display = ["evaluation", "safe_group", "leadership", "understanding", "recommend"]
    list_select_related = ["evaluation__group"]
    # Sorted by the random key: the list carries no order of answering.
    ordering = ["id"]

from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from attendance import selectors as attendance_selectors
from balint.pages import add_service_errors, form_page
from feedback import (
    briefing,
    evaluation_selectors,
    health_charts,
    permissions,
    selectors,
    services,
)
from feedback.forms import (
    SCALE_HELP,
    FeedbackForm,
    SessionThemesForm,
    ThemeForm,
)
from feedback.models import SessionFeedback
from groups import permissions as group_permissions
from groups import services as group_services
from groups.models import AccessLogEntry

PAGE_SIZE = 50


def _visible_session(request, pk):
    return get_object_or_404(attendance_selectors.visible_sessions(request.user), pk=pk)


def _local(moment, session):
    return moment.astimezone(ZoneInfo(session.group.scheme.time_zone))


def _led_group(request, pk):
    """The group, if the user may see it; 403 unless they lead it or organise its scheme."""
    group = get_object_or_404(attendance_selectors.visible_groups(request.user), pk=pk)
    if not permissions.can_see_group_health(request.user, group):
        raise PermissionDenied
    return group


# --- Trainee: feedback on sessions attended ------------------------------------------


@login_required
def my_feedback(request):
    return render(
        request,
        "feedback/my_feedback.html",
        {
            "rows": selectors.my_feedback_rows(request.user),
            "evaluations": evaluation_selectors.my_open_evaluations(request.user),
        },
    )


@login_required
def feedback_give(request, pk):
    session = _visible_session(request, pk)
    if not permissions.can_give_feedback(request.user, session):
        raise PermissionDenied
    # Only ever the signed-in person's own answer.
    mine = selectors.feedback_of(session, request.user)
    initial = (
        {name: getattr(mine, name) for name in [*SessionFeedback.RATINGS, "comment"]}
        if mine
        else None
    )
    form = FeedbackForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.feedback_save(actor=request.user, session=session, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            until = _local(permissions.feedback_closes_at(session), session)
            messages.success(
                request,
                "Thank you: your feedback is saved. You can change it until "
                f"{until.day} {until:%B, %H:%M}.",
            )
            return redirect("my_feedback")
    return form_page(
        request,
        form,
        title="Change your feedback" if mine else "Give feedback",
        template="feedback/feedback_form.html",
        session=session,
        closes_at=permissions.feedback_closes_at(session),
        scale_help=SCALE_HELP,
        submit_label="Save feedback",
        cancel_url=reverse("my_feedback"),
    )


# --- Leaders: a session's feedback summary -------------------------------------------------


@login_required
def feedback_summary(request, pk):
    session = _visible_session(request, pk)
    if not permissions.can_see_feedback_summary(request.user, session.group):
        raise PermissionDenied
    summary = selectors.feedback_summary(session)
    if summary.is_visible:  # below the threshold it shows a count and nothing else
        group_services.access_log_record(
            actor=request.user,
            action=AccessLogEntry.Action.FEEDBACK_SUMMARY,
            scheme=session.group.scheme,
            description=f"Feedback on {session.group.name}, {session.slot_date:%d %b %Y}",
        )
    return render(
        request,
        "feedback/feedback_summary.html",
        {"session": session, "summary": summary, "min_answers": permissions.MIN_ANSWERS},
    )


# --- Themes: tagging, the scheme's list, repetition ---------------------------------------


@login_required
def session_themes(request, pk):
    session = _visible_session(request, pk)
    if not permissions.can_tag_session(request.user, session):
        raise PermissionDenied
    scheme = session.group.scheme
    form = SessionThemesForm(
        request.POST or None,
        scheme=scheme,
        initial={"themes": selectors.theme_ids_of(session)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            themes = services.session_themes_set(
                actor=request.user,
                session=session,
                themes=form.cleaned_data["themes"],
                new_names=[form.cleaned_data["new_theme"]],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            names = ", ".join(t.name for t in themes) or "no themes"
            messages.success(request, f"Themes saved: {names}.")
            return redirect("group_themes", pk=session.group_id)
    return form_page(
        request,
        form,
        title=f"Themes of the session on {session.slot_date.day} {session.slot_date:%b %Y}",
        template="feedback/session_themes.html",
        session=session,
        submit_label="Save themes",
        cancel_url=reverse("group_themes", args=[session.group_id]),
    )


@login_required
def group_themes(request, pk):
    group = _led_group(request, pk)
    return render(
        request,
        "feedback/group_themes.html",
        {
            "group": group,
            "rows": selectors.group_timeline(group),
            "recur_weeks": 4,
            "is_organiser": group_permissions.is_organiser(request.user, group.scheme),
        },
    )


@login_required
def session_brief(request, pk):
    """Before a session: the themes of the group's last sessions, so it can choose new ground."""
    session = _visible_session(request, pk)
    if not permissions.can_see_session_brief(request.user, session.group):
        raise PermissionDenied
    brief = briefing.session_brief(session)
    return render(request, "feedback/session_brief.html", {"session": session, "brief": brief})


def _organised_scheme(request, pk):
    return get_object_or_404(group_permissions.schemes_organised_by(request.user), pk=pk)


@login_required
def scheme_themes(request, pk):
    scheme = _organised_scheme(request, pk)
    form = ThemeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            theme = services.theme_create(
                actor=request.user, scheme=scheme, name=form.cleaned_data["name"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"“{theme.name}” added to the list.")
            return redirect("scheme_themes", pk=scheme.pk)
    page = Paginator(selectors.themes_of(scheme), PAGE_SIZE).get_page(request.GET.get("page"))
    return form_page(
        request,
        form,
        title=f"Themes of {scheme.name}",
        template="feedback/scheme_themes.html",
        scheme=scheme,
        themes=page,
        submit_label="Add theme",
    )


@login_required
def theme_edit(request, pk):
    theme = get_object_or_404(selectors.managed_themes(request.user), pk=pk)
    form = ThemeForm(request.POST or None, initial={"name": theme.name})
    if request.method == "POST" and form.is_valid():
        try:
            services.theme_rename(actor=request.user, theme=theme, name=form.cleaned_data["name"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Theme renamed to “{theme.name}”.")
            return redirect("scheme_themes", pk=theme.scheme_id)
    return form_page(
        request,
        form,
        title=f"Rename “{theme.name}”",
        intro="The new name shows on every session tagged with this theme.",
        submit_label="Rename",
        cancel_url=reverse("scheme_themes", args=[theme.scheme_id]),
    )


@login_required
def theme_delete(request, pk):
    theme = get_object_or_404(selectors.managed_themes(request.user), pk=pk)
    if request.method == "POST":
        tagged = services.theme_delete(actor=request.user, theme=theme)
        messages.success(
            request,
            f"“{theme.name}” removed from the list and from {tagged} session"
            f"{'s' if tagged != 1 else ''}.",
        )
        return redirect("scheme_themes", pk=theme.scheme_id)
    return render(
        request,
        "feedback/theme_delete.html",
        {"theme": theme, "tagged": selectors.sessions_tagged(theme)},
    )


@login_required
def scheme_repetition(request, pk):
    scheme = _organised_scheme(request, pk)
    return render(
        request,
        "feedback/scheme_repetition.html",
        {"scheme": scheme, "repetition": selectors.scheme_repetition(scheme)},
    )


# --- Group health ---------------------------------------------------------------------------


@login_required
def group_health(request, pk):
    group = _led_group(request, pk)
    return render(
        request,
        "feedback/group_health.html",
        {
            "group": group,
            "health": health_charts.health_charts(group, selectors.group_health(group)),
            "min_answers": permissions.MIN_ANSWERS,
            "is_organiser": group_permissions.is_organiser(request.user, group.scheme),
        },
    )

"""The leaders' schedule pages: a group's sessions, a term generated, one session changed."""

from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render

from balint.pages import add_service_errors, form_page
from sessions import pages
from sessions.schedule import selectors, services
from sessions.schedule.forms import CancelForm, SessionForm, TermForm

PAGE_SIZE = 20


@login_required
def group_sessions(request, pk):
    group = pages.scheduled_group(request, pk)
    page = Paginator(selectors.upcoming_with_presenters(group), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = selectors.session_rows(group, list(page.object_list))
    return render(
        request,
        "sessions/group_sessions.html",
        {
            "group": group,
            "page": page,
            "rows": rows,
            "members": list(selectors.group_members(group)),
            "recent": selectors.recent_sessions(group),
        },
    )


@login_required
def term_generate(request, pk):
    group = pages.scheduled_group(request, pk)
    form = TermForm(request.POST or None)
    preview = None
    if request.method == "POST" and form.is_valid():
        args = {
            "group": group,
            "start": form.cleaned_data["start"],
            "end": form.cleaned_data["end"],
            "excluded": form.cleaned_data["excluded"],
        }
        try:
            if request.POST.get("confirm") == "1":
                created = services.term_generate(actor=request.user, **args)
                messages.success(request, f"{len(created)} sessions added to {group}.")
                return redirect(pages.sessions_page(group))
            preview = services.term_preview(**args)
        except ValidationError as exc:
            add_service_errors(form, exc)
    return form_page(
        request,
        form,
        title=f"Generate a term for {group}",
        template="sessions/term_form.html",
        group=group,
        preview=preview,
        submit_label="Preview dates",
        cancel_url=pages.sessions_page(group),
    )


@login_required
def session_add(request, pk):
    group = pages.scheduled_group(request, pk)
    form = SessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.session_add(actor=request.user, group=group, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Session added.")
            return redirect(pages.sessions_page(group))
    return form_page(
        request,
        form,
        title=f"Add a session to {group}",
        submit_label="Add session",
        cancel_url=pages.sessions_page(group),
    )


@login_required
def session_move(request, pk):
    session = pages.scheduled_session(request, pk)
    zone = ZoneInfo(session.group.scheme.time_zone)
    local = session.starts_at.astimezone(zone)
    form = SessionForm(
        request.POST or None,
        initial={
            "day": local.date(),
            "start_time": local.time(),
            "location_override": session.location_override,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.session_move(actor=request.user, session=session, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Session moved. Members are told by email.")
            return redirect(pages.sessions_page(session.group))
    return form_page(
        request,
        form,
        title=f"Move the session of {session.slot_date:%d %b %Y}",
        submit_label="Move session",
        intro="Members are told by email.",
        cancel_url=pages.sessions_page(session.group),
    )


@login_required
def session_cancel(request, pk):
    session = pages.scheduled_session(request, pk)
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.session_cancel(
                actor=request.user, session=session, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Session cancelled. Members are told by email.")
            return redirect(pages.sessions_page(session.group))
    return form_page(
        request,
        form,
        title=f"Cancel the session of {session.slot_date:%d %b %Y}",
        submit_label="Cancel session",
        intro="Members are told by email.",
        cancel_url=pages.sessions_page(session.group),
    )

from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from balint import outbox
from balint.imports import ImportFailed
from balint.pages import add_service_errors, form_page
from groups import permissions as group_permissions
from groups.models import Membership, User
from sessions import calendar, permissions, rosters, selectors, services
from sessions.forms import (
    CancelForm,
    LeaveForm,
    PresenterForm,
    ReminderPreferenceForm,
    RosterFeedForm,
    RosterUploadForm,
    SchemeRosterUploadForm,
    SessionForm,
    SwapForm,
    TermForm,
)
from sessions.models import (
    CalendarToken,
    RosterSource,
    RosterUpload,
    Session,
    SwapRequest,
)

PAGE_SIZE = 20


def _scheduled_group(request, pk):
    """The group, if the user may see it; 403 unless they may also schedule it."""
    group = get_object_or_404(
        group_permissions.groups_visible_to(request.user).select_related("scheme"), pk=pk
    )
    if not permissions.can_schedule(request.user, group):
        raise PermissionDenied
    return group


def _scheduled_session(request, pk):
    session = get_object_or_404(
        permissions.sessions_visible_to(request.user).select_related("group__scheme"), pk=pk
    )
    if not permissions.can_schedule(request.user, session.group):
        raise PermissionDenied
    return session


def _sessions_page(request, group):
    return reverse("group_sessions", args=[group.pk])


def _group_members(group):
    """Everyone who has been a member (not leader) of the group: the presenter choices."""
    return (
        User.objects.filter(memberships__group=group, memberships__role=Membership.Role.MEMBER)
        .distinct()
        .order_by("full_name")
    )


# --- Trainee: my rota ---------------------------------------------------------


@login_required
def my_rota(request):
    sessions = Paginator(selectors.my_upcoming_sessions(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    sessions.object_list = list(sessions.object_list)
    my_clashes = selectors.my_clashes(request.user, [s.pk for s in sessions.object_list])
    for session in sessions.object_list:
        session.my_clash = my_clashes.get(session.pk)
    next_session = selectors.next_presentation(request.user)
    days_until = None
    if next_session:
        zone = ZoneInfo(next_session.group.scheme.time_zone)
        today = timezone.now().astimezone(zone).date()
        days_until = (next_session.starts_at.astimezone(zone).date() - today).days
    swaps = (
        permissions.swaps_involving(request.user)
        .filter(status=SwapRequest.Status.PENDING)
        .select_related("requester", "recipient", "requester_session", "recipient_session")
    )
    return render(
        request,
        "sessions/my_rota.html",
        {
            "sessions": sessions,
            "next_session": next_session,
            "days_until": days_until,
            "swaps_to_me": [s for s in swaps if s.recipient_id == request.user.pk],
            "swaps_from_me": [s for s in swaps if s.requester_id == request.user.pk],
        },
    )


# --- Leader: the group's sessions ----------------------------------------------


@login_required
def group_sessions(request, pk):
    group = _scheduled_group(request, pk)
    page = Paginator(
        selectors.upcoming_sessions(group).select_related("presenter"), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    rows = selectors.session_rows(group, list(page.object_list))
    return render(
        request,
        "sessions/group_sessions.html",
        {
            "group": group,
            "page": page,
            "rows": rows,
            "members": list(_group_members(group)),
            "recent": selectors.recent_sessions(group),
        },
    )


@login_required
def term_generate(request, pk):
    group = _scheduled_group(request, pk)
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
                return redirect(_sessions_page(request, group))
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
        cancel_url=_sessions_page(request, group),
    )


@login_required
def session_add(request, pk):
    group = _scheduled_group(request, pk)
    form = SessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.session_add(actor=request.user, group=group, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Session added.")
            return redirect(_sessions_page(request, group))
    return form_page(
        request,
        form,
        title=f"Add a session to {group}",
        submit_label="Add session",
        cancel_url=_sessions_page(request, group),
    )


@login_required
def session_move(request, pk):
    session = _scheduled_session(request, pk)
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
            return redirect(_sessions_page(request, session.group))
    return form_page(
        request,
        form,
        title=f"Move the session of {session.slot_date:%d %b %Y}",
        submit_label="Move session",
        intro="Members are told by email.",
        cancel_url=_sessions_page(request, session.group),
    )


@login_required
def session_cancel(request, pk):
    session = _scheduled_session(request, pk)
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
            return redirect(_sessions_page(request, session.group))
    return form_page(
        request,
        form,
        title=f"Cancel the session of {session.slot_date:%d %b %Y}",
        submit_label="Cancel session",
        intro="Members are told by email.",
        cancel_url=_sessions_page(request, session.group),
    )


@login_required
@require_POST
def rota_assign(request, pk):
    group = _scheduled_group(request, pk)
    rebuild = request.POST.get("rebuild") == "1"
    plan = services.rota_assign(actor=request.user, group=group, rebuild=rebuild)
    if plan:
        messages.success(request, f"Presenters assigned to {len(plan)} sessions.")
    else:
        messages.info(request, "No session needed a presenter, or no member was available.")
    return redirect(_sessions_page(request, group))


@login_required
@require_POST
def presenter_set(request, pk):
    session = _scheduled_session(request, pk)
    form = PresenterForm(request.POST, members=_group_members(session.group))
    if form.is_valid():
        try:
            services.presenter_set(
                actor=request.user, session=session, presenter=form.cleaned_data["presenter"]
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"Presenter for {session.slot_date:%d %b} saved.")
    else:
        messages.error(request, "Choose a member of the group.")
    return redirect(_sessions_page(request, session.group))


# --- Trainee actions on their own dates ------------------------------------------


def _my_presenting_session(request, pk) -> Session:
    return get_object_or_404(
        permissions.sessions_visible_to(request.user).select_related("group"),
        pk=pk,
        presenter=request.user,
    )


@login_required
@require_POST
def give_back(request, pk):
    session = _my_presenting_session(request, pk)
    try:
        services.presentation_give_back(actor=request.user, session=session)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Date given back. Your leaders will find another presenter.")
    return redirect("my_rota")


@login_required
def swap_request(request, pk):
    session = _my_presenting_session(request, pk)
    choices = (
        selectors.upcoming_sessions(session.group)
        .filter(presenter__isnull=False)
        .exclude(presenter=request.user)
        .select_related("presenter")
    )
    form = SwapForm(request.POST or None, choices=choices)
    if request.method == "POST" and form.is_valid():
        try:
            services.swap_request(
                requester=request.user,
                requester_session=session,
                recipient_session=form.cleaned_data["other"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Swap requested. You will hear by email.")
            return redirect("my_rota")
    return form_page(
        request,
        form,
        title=f"Swap your presenting date of {session.slot_date:%d %b %Y}",
        submit_label="Ask to swap",
        cancel_url=reverse("my_rota"),
    )


@login_required
@require_POST
def swap_decide(request, pk, decision):
    swap = get_object_or_404(permissions.swaps_involving(request.user), pk=pk)
    try:
        if decision == "accept":
            services.swap_accept(actor=request.user, swap=swap)
            messages.success(request, "Swap accepted: your presenting dates have changed.")
        else:
            services.swap_decline(actor=request.user, swap=swap)
            messages.success(request, "Swap request closed.")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("my_rota")


# --- Leave -------------------------------------------------------------------------


@login_required
def leave_list(request):
    form = LeaveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.leave_record(person=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Leave recorded. It shows as apologies for your sessions.")
            return redirect("leave_list")
    leave = permissions.leave_of(request.user).filter(end_date__gte=timezone.localdate())
    return form_page(
        request,
        form,
        title="Leave and unavailability",
        template="sessions/leave.html",
        leave=leave,
        submit_label="Record leave",
    )


@login_required
@require_POST
def leave_delete(request, pk):
    leave = get_object_or_404(permissions.leave_of(request.user), pk=pk)
    services.leave_delete(actor=request.user, leave=leave)
    messages.success(request, "Leave removed.")
    return redirect("leave_list")


# --- Calendar -------------------------------------------------------------------------


@login_required
def calendar_settings(request):
    if request.method == "POST":
        token = services.calendar_token_reset(person=request.user)
        messages.success(request, "New calendar address made. The old one no longer works.")
        return redirect("calendar_settings")
    token = services.calendar_token_for(request.user)
    feed_url = request.build_absolute_uri(reverse("calendar_feed", args=[token.token]))
    return render(request, "sessions/calendar.html", {"feed_url": feed_url})


def calendar_feed(request, token):
    """Public by design: calendar apps cannot sign in. The token is the secret."""
    owner = CalendarToken.objects.select_related("person").filter(token=token).first()
    if owner is None or not owner.person.is_active:
        raise Http404
    body = calendar.calendar_bytes(
        selectors.feed_sessions(owner.person), person_id=owner.person_id, name="Balint"
    )
    return HttpResponse(body, content_type="text/calendar; charset=utf-8")


@login_required
def session_ics(request, pk):
    session = get_object_or_404(
        permissions.sessions_visible_to(request.user).select_related("group__scheme", "presenter"),
        pk=pk,
    )
    body = calendar.calendar_bytes([session], person_id=request.user.pk, name=str(session.group))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    filename = f"balint-{slugify(session.group.name)}-{session.slot_date:%Y-%m-%d}.ics"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- On-call rosters ---------------------------------------------------------------------------

PREVIEW_ROWS = 300


@login_required
def my_roster(request):
    shifts = Paginator(selectors.upcoming_shifts(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "sessions/my_roster.html",
        {
            "sources": list(selectors.roster_sources_of(request.user)),
            "shifts": shifts,
            "clashes": list(selectors.upcoming_clashes(request.user)),
            "zone": selectors.zone_for(request.user).key,
        },
    )


def _my_uploads(user):
    return RosterSource.objects.filter(person=user).exclude(kind=RosterSource.Kind.FEED)


@login_required
def roster_upload(request):
    form = RosterUploadForm(
        request.POST or None,
        request.FILES or None,
        sources=_my_uploads(request.user),
        initial={"replace": request.GET.get("replace")},
    )
    problems = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = services.roster_upload(
                actor=request.user,
                raw=upload.read(rosters.MAX_UPLOAD_BYTES + 1),
                filename=upload.name,
                name=form.cleaned_data["name"],
                replace=form.cleaned_data["replace"],
            )
        except ImportFailed as exc:
            problems = exc.problems
        else:
            messages.success(request, _imported_message(result))
            return redirect("my_roster")
    return form_page(
        request,
        form,
        title="Upload your on-call roster",
        template="sessions/roster_upload.html",
        submit_label="Upload roster",
        cancel_url=reverse("my_roster"),
        problems=problems,
        status=400 if problems else 200,
    )


def _imported_message(result: services.RosterImport) -> str:
    clashes = len(result.changes.new)
    text = f"{result.shifts} shift{pluralize(result.shifts)} saved from “{result.source.name}”."
    if clashes:
        verb = "clash" + pluralize(clashes, "es,")
        text += f" {clashes} of your sessions {verb} with them: see your rota."
    return text


@login_required
def roster_feed_add(request):
    form = RosterFeedForm(request.POST or None)
    problems = []
    if request.method == "POST" and form.is_valid():
        try:
            result = services.roster_feed_subscribe(
                actor=request.user, url=form.cleaned_data["url"], name=form.cleaned_data["name"]
            )
        except ImportFailed as exc:
            problems = exc.problems
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, _imported_message(result) + " It is refreshed every few hours."
            )
            return redirect("my_roster")
    return form_page(
        request,
        form,
        title="Subscribe to your on-call calendar feed",
        template="sessions/roster_upload.html",
        submit_label="Subscribe",
        cancel_url=reverse("my_roster"),
        problems=problems,
        status=400 if problems else 200,
    )


@login_required
@require_POST
def roster_refresh(request, pk):
    source = get_object_or_404(
        RosterSource.objects.filter(person=request.user, kind=RosterSource.Kind.FEED), pk=pk
    )
    try:
        result = services.roster_feed_refresh(source_id=source.pk, actor=request.user)
    except ImportFailed as exc:
        messages.error(request, f"Not refreshed; your earlier shifts are kept. {exc}")
    else:
        messages.success(request, _imported_message(result))
    return redirect("my_roster")


@login_required
@require_POST
def roster_delete(request, pk):
    source = get_object_or_404(permissions.roster_sources_managed_by(request.user), pk=pk)
    services.roster_source_delete(actor=request.user, source=source)
    messages.success(request, f"“{source.name}” and its shifts removed.")
    if source.scheme_id:
        return redirect("scheme_rosters", pk=source.scheme_id)
    return redirect("my_roster")


# --- Organiser: scheme-wide rosters, previewed before they are applied --------------------------


def _organised_scheme(request, pk):
    return get_object_or_404(group_permissions.schemes_organised_by(request.user), pk=pk)


@login_required
def scheme_rosters(request, pk):
    scheme = _organised_scheme(request, pk)
    sources = RosterSource.objects.filter(scheme=scheme)
    form = SchemeRosterUploadForm(request.POST or None, request.FILES or None, sources=sources)
    problems = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            pending = services.roster_upload_preview(
                actor=request.user,
                scheme=scheme,
                raw=upload.read(rosters.MAX_ORGANISER_BYTES + 1),
                filename=upload.name,
                replace=form.cleaned_data["replace"],
            )
        except ImportFailed as exc:
            problems = exc.problems
        else:
            return redirect("scheme_roster_preview", pk=scheme.pk, upload_pk=pending.pk)
    return form_page(
        request,
        form,
        title=f"On-call rosters of {scheme}",
        template="sessions/scheme_rosters.html",
        submit_label="Upload and preview",
        cancel_url=reverse("scheme_detail", args=[scheme.pk]),
        scheme=scheme,
        sources=list(selectors.scheme_roster_sources(scheme)),
        pending=RosterUpload.objects.filter(scheme=scheme, applied_at__isnull=True).defer(
            "content"
        ),
        problems=problems,
        status=400 if problems else 200,
    )


@login_required
def scheme_roster_preview(request, pk, upload_pk):
    scheme = _organised_scheme(request, pk)
    upload = get_object_or_404(
        permissions.roster_uploads_of_scheme(request.user, scheme).filter(applied_at__isnull=True),
        pk=upload_pk,
    )
    if request.method == "POST":
        try:
            result = services.roster_upload_apply(
                actor=request.user, upload=upload, digest=request.POST.get("digest", "")
            )
        except ImportFailed as exc:
            messages.error(request, f"Nothing was saved. {exc}")
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                f"{result.shifts} shift{pluralize(result.shifts)} saved for {scheme}; "
                f"{len(result.changes.new)} new clash{pluralize(len(result.changes.new), 'es')} "
                "with sessions.",
            )
            return redirect("scheme_rosters", pk=scheme.pk)
    problems, rows = [], []
    try:
        rows = selectors.organiser_rows(upload)
    except ImportFailed as exc:
        problems = exc.problems
    names = dict(
        User.objects.filter(pk__in={r.person_id for r in rows[:PREVIEW_ROWS]}).values_list(
            "pk", "full_name"
        )
    )
    return render(
        request,
        "sessions/scheme_roster_preview.html",
        {
            "scheme": scheme,
            "upload": upload,
            "rows": [(row, names.get(row.person_id, "")) for row in rows[:PREVIEW_ROWS]],
            "total": len(rows),
            "people": len({r.person_id for r in rows}),
            "digest": selectors.rows_digest(rows),
            "problems": problems,
        },
        status=400 if problems else 200,
    )


# --- Reminders ---------------------------------------------------------------------------------


@login_required
def reminder_settings(request):
    form = ReminderPreferenceForm(
        request.POST or None, instance=services.reminder_preferences_for(request.user)
    )
    if request.method == "POST" and form.is_valid():
        services.reminder_preferences_update(person=request.user, **form.cleaned_data)
        messages.success(request, "Reminder choices saved.")
        return redirect("reminder_settings")
    return form_page(
        request,
        form,
        title="Email reminders",
        template="sessions/reminder_settings.html",
        intro="Choose which reminders you get by email. Each is sent once.",
        submit_label="Save choices",
        emails=outbox.emails_to(request.user),
    )

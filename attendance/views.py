from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from attendance import (
    export_selectors,
    exports,
    own_progress,
    permissions,
    selectors,
    services,
    trainee_selectors,
)
from attendance import progress as progress_selectors
from attendance.assessments import selectors as assessment_selectors
from attendance.forms import OverviewFilterForm, RegisterForm
from attendance.models import StatementExport
from groups import permissions as group_permissions
from groups import selectors as group_selectors
from groups import services as group_services
from groups.models import AccessLogEntry, Scheme
from sessions import permissions as session_permissions

PAGE_SIZE = 50
LATEST_COUNTED = 20  # sessions listed on a progress page; the count covers them all
# Each format: how the response is made from an exporter, and its content type.
FORMATS = {
    "csv": (
        lambda exporter: StreamingHttpResponse(exports.csv_chunks(exporter)),
        "text/csv; charset=utf-8",
    ),
    "xlsx": (
        lambda exporter: HttpResponse(exports.to_xlsx(exporter)),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
}


def _download(
    request, exporter: exports.Exporter, fmt: str, *, action: str | None, scheme: Scheme
) -> HttpResponse:
    """The file; with an `action`, the export of other people's data is logged first."""
    if fmt not in FORMATS:
        raise Http404
    if action is not None:
        group_services.access_log_record(
            actor=request.user,
            action=action,
            scheme=scheme,
            description=f"{exporter.name} ({fmt.upper()})",
        )
    respond, content_type = FORMATS[fmt]
    response = respond(exporter)
    response["Content-Type"] = content_type
    response["Content-Disposition"] = f'attachment; filename="{exporter.filename(fmt)}"'
    return response


# --- Register -------------------------------------------------------------------------


def _register_session(request, pk):
    session = selectors.visible_sessions(request.user).filter(pk=pk).first()
    if session is None:  # a combined session's host, for the leaders of the group combined
        session = get_object_or_404(selectors.sessions_hosting_groups_led_by(request.user), pk=pk)
    if not permissions.can_take_register(request.user, session):
        raise PermissionDenied
    return session


def organised_scheme(request, pk):
    """One of the user's organised schemes with its requirement, or 404."""
    schemes = group_selectors.schemes_organised_with_requirement(request.user)
    return get_object_or_404(schemes, pk=pk)


# How the saved message names each status: "7 present, 1 with apologies".
SAVED_WORDS = {
    "present": "present",
    "late": "late",
    "apologies": "with apologies",
    "absent": "absent",
}


def _saved_message(saved: services.RegisterSaved) -> str:
    parts = [f"{count} {SAVED_WORDS[status]}" for status, count in saved.marked.items()]
    if saved.unmarked:
        parts.append(f"{saved.unmarked} not marked yet")
    said = ", ".join(parts)
    return f"Register saved: {said}." if saved.changes else f"No changes to save: {said}."


@login_required
def register(request, pk):
    session = _register_session(request, pk)
    lines = selectors.register_lines(session)
    asks_reason = permissions.correction_needs_reason(session)
    form = RegisterForm(request.POST or None, lines=lines, asks_reason=asks_reason)
    status = 200
    if request.method == "POST" and RegisterForm.EVERYONE_PRESENT in request.POST:
        # Without JavaScript the button posts: the page again, those not marked yet now
        # present, nothing saved until Save.
        form = RegisterForm(form.with_everyone_present(), lines=lines, asks_reason=asks_reason)
    elif request.method == "POST" and not form.is_valid():
        status = 400
    elif request.method == "POST":
        try:
            saved = services.register_save(
                actor=request.user,
                session=session,
                entries=form.entries(),
                reason=form.cleaned_data.get("reason", ""),
            )
        except services.RegisterConflict as exc:
            messages.error(request, exc.messages[0])
            form = RegisterForm(lines=selectors.register_lines(session), asks_reason=asks_reason)
            status = 409
        except ValidationError as exc:
            if hasattr(exc, "error_dict") and exc.error_dict.keys() <= form.fields.keys():
                form.add_error(None, exc)
            else:
                messages.error(request, " ".join(exc.messages))
            status = 400
        else:
            messages.success(request, _saved_message(saved))
            return redirect("register", pk=session.pk)
    return render(
        request,
        "attendance/register.html",
        {
            "session": session,
            "form": form,
            "is_open": permissions.register_is_open(session),
        },
        status=status,
    )


@login_required
def register_history(request, pk):
    """Every change to a register, with the reasons given for late corrections."""
    session = get_object_or_404(selectors.visible_sessions(request.user), pk=pk)
    if not permissions.can_read_history(request.user, session):
        raise PermissionDenied
    return render(
        request,
        "attendance/register_history.html",
        {"session": session, "changes": selectors.register_history(session)},
    )


# --- Progress -----------------------------------------------------------------------------


@login_required
def my_progress(request):
    progress = own_progress.progress_of_trainee(request.user, latest=LATEST_COUNTED)
    counts = assessment_selectors.year_counts_by_scheme(request.user, [p.scheme for p in progress])
    for p in progress:
        p.assessments = counts.get(p.scheme.pk)
    return render(request, "attendance/progress.html", {"progress": progress})


@login_required
def trainee_progress(request, scheme_pk, person_pk):
    scheme = organised_scheme(request, scheme_pk)
    person = get_object_or_404(progress_selectors.trainees_of(scheme), pk=person_pk)
    record = trainee_selectors.trainee_record(person, scheme, latest=LATEST_COUNTED)
    record.progress.assessments = assessment_selectors.year_counts(person, scheme)
    group_services.access_log_record(
        actor=request.user,
        action=AccessLogEntry.Action.PROGRESS_VIEW,
        scheme=scheme,
        description=f"Progress of person #{person.pk}",
        subject=person,
    )
    return render(
        request,
        "attendance/trainee.html",
        {
            "record": record,
            "p": record.progress,
            "person": person,
            "scheme": scheme,
            "assessments": assessment_selectors.assessments_of(person, scheme)[:LATEST_COUNTED],
        },
    )


# --- Organiser overview and exports --------------------------------------------------


def _overview_filters(request) -> tuple[OverviewFilterForm, dict]:
    form = OverviewFilterForm(request.GET or None)
    filters = {}
    if form.is_valid():
        filters = {
            "group_name": form.cleaned_data["group"],
            "track": form.cleaned_data["track"],
            "status": form.cleaned_data["status"],
            "sort": form.cleaned_data["sort"] or "name",
        }
    return form, filters


@login_required
def scheme_overview(request, pk):
    scheme = organised_scheme(request, pk)
    form, filters = _overview_filters(request)
    page = Paginator(progress_selectors.scheme_overview(scheme, **filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    counts = progress_selectors.status_counts(scheme)
    return render(
        request,
        "attendance/overview.html",
        {
            "scheme": scheme,
            "form": form,
            "page": page,
            "query": query.urlencode(),
            # (status, label, how many): the counts at the top, each a link to its list.
            "summary": [
                (status, label, counts[status])
                for status, label in progress_selectors.STATUS_LABELS.items()
            ],
            "status": filters.get("status", ""),
            "assessments_required": assessment_selectors.required_per_year(scheme),
            "statement_exports": export_selectors.recent_exports(StatementExport, scheme),
        },
    )


@login_required
def scheme_overview_export(request, pk, fmt):
    scheme = organised_scheme(request, pk)
    _, filters = _overview_filters(request)
    return _download(
        request,
        exports.SchemeOverviewExporter(scheme, **filters),
        fmt,
        action=AccessLogEntry.Action.OVERVIEW_EXPORT,
        scheme=scheme,
    )


@login_required
def group_register_export(request, pk, fmt):
    group = get_object_or_404(selectors.visible_groups(request.user), pk=pk)
    if not session_permissions.can_schedule(request.user, group):
        raise PermissionDenied
    return _download(
        request,
        exports.GroupRegisterExporter(group),
        fmt,
        action=AccessLogEntry.Action.REGISTER_EXPORT,
        scheme=group.scheme,
    )


# --- Leader log ------------------------------------------------------------------------------


@login_required
def leading_log(request):
    """The signed-in person's own log of sessions led, per scheme."""
    logs = selectors.leading_logs_of(request.user)
    return render(request, "attendance/leading_log.html", {"logs": logs, "mine": True})


@login_required
def scheme_leading_log(request, pk):
    scheme = organised_scheme(request, pk)
    page = Paginator(selectors.leading_log(scheme), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "attendance/leading_log.html",
        {
            "logs": [selectors.LeadingLog(scheme, page, selectors.leading_totals(scheme))],
            "page": page,
            "scheme": scheme,
            "mine": False,
        },
    )


@login_required
def leading_log_export(request, pk, fmt):
    """Organisers export everyone's log in their scheme; a leader exports their own."""
    scheme = get_object_or_404(Scheme, pk=pk)
    if group_permissions.is_organiser(request.user, scheme):
        person = None
    elif permissions.has_led_in(request.user, scheme):
        person = request.user
    else:
        raise Http404
    # A leader's own log is their own data; everyone's log is other people's.
    action = AccessLogEntry.Action.LEADING_LOG_EXPORT if person is None else None
    return _download(
        request, exports.LeaderLogExporter(scheme, person), fmt, action=action, scheme=scheme
    )

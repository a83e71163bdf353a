"""Statements of attendance: a trainee downloads their own from their progress page; a
scheme's organisers download one for any of its trainees, or one for each of its current
trainees in a ZIP, which the worker makes while the page shows progress. Each download
issues a new statement (attendance.statement_services)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from attendance import (
    export_pages,
    export_selectors,
    progress,
    statement_exports,
    statement_pdf,
    statement_selectors,
    statement_services,
)
from attendance.models import StatementExport
from attendance.views import organised_scheme
from groups import services as group_services
from groups.models import AccessLogEntry


def _pk(raw: str | None) -> int:
    try:
        return int(raw or "")
    except ValueError:
        raise Http404 from None


def _pdf_download(statement) -> HttpResponse:
    response = HttpResponse(
        statement_pdf.render_statement(statement), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'attachment; filename="{statement_pdf.filename(statement)}"'
    return response


@login_required
def my_statement_pdf(request):
    """The signed-in trainee's own statement in one of their schemes (`?scheme=<pk>`)."""
    scheme = get_object_or_404(
        progress.schemes_of_trainee(request.user), pk=_pk(request.GET.get("scheme"))
    )
    try:
        statement = statement_services.statement_issue(
            actor=request.user, scheme=scheme, person=request.user
        )
    except ValidationError:
        raise Http404 from None
    return _pdf_download(statement)


@login_required
def trainee_statement_pdf(request, scheme_pk, person_pk):
    """An organiser's download of one of the scheme's trainees' statements."""
    scheme = organised_scheme(request, scheme_pk)
    person = get_object_or_404(progress.trainees_of(scheme), pk=person_pk)
    try:
        statement = statement_services.statement_issue(
            actor=request.user, scheme=scheme, person=person
        )
    except ValidationError:
        raise Http404("The trainee's record was erased: there is no one to print for.") from None
    if person != request.user:
        group_services.access_log_record(
            actor=request.user,
            action=AccessLogEntry.Action.PROGRESS_VIEW,
            scheme=scheme,
            description=f"Statement of attendance {statement.display_code}",
            subject=person,
        )
    return _pdf_download(statement)


# --- In bulk: the worker issues and renders them (attendance.statement_exports) ----------------


@login_required
@require_POST
def statement_export_start(request, pk):
    """The statements of the scheme's current trainees (of one group, with `group`)."""
    scheme = organised_scheme(request, pk)
    group = None
    if request.POST.get("group"):
        group = get_object_or_404(scheme.groups.all(), pk=_pk(request.POST["group"]))
    limit = statement_services.STATEMENTS_AT_ONCE
    try:
        export = statement_exports.statement_export_start(
            actor=request.user,
            scheme=scheme,
            # One more than the limit, for the service to refuse.
            people=list(statement_selectors.statement_people(scheme, group)[: limit + 1]),
            which=f"group {group.name}" if group else f"scheme {scheme.name}",
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("scheme_overview", pk=scheme.pk)
    return redirect("statement_export", pk=export.pk)


def _organised_export(request, pk) -> StatementExport:
    exports = export_selectors.exports_managed_by(StatementExport, request.user)
    return get_object_or_404(exports, pk=pk)


def _export_urls(export: StatementExport) -> dict[str, str]:
    return {
        "status": reverse("statement_export_status", args=[export.pk]),
        "download": reverse("statement_export_download", args=[export.pk]),
        "back": reverse("scheme_overview", args=[export.scheme_id]),
    }


@login_required
def statement_export(request, pk):
    export = _organised_export(request, pk)
    return export_pages.progress_page(
        request,
        export,
        title="Statements of attendance",
        noun="statements",
        urls=_export_urls(export),
        back="the overview",
    )


@login_required
def statement_export_status(request, pk):
    export = _organised_export(request, pk)
    return export_pages.status_answer(export, _export_urls(export)["download"])


@login_required
def statement_export_download(request, pk):
    export = _organised_export(request, pk)
    answer = export_pages.ready_file(export)
    group_services.access_log_record(
        actor=request.user,
        action=AccessLogEntry.Action.OVERVIEW_EXPORT,
        scheme=export.scheme,
        description=(
            f"Statements of attendance ZIP of {export.total} trainees ({export.which})"
            f" (export #{export.pk})"
        ),
    )
    return answer

"""Statements of attendance: a trainee downloads their own from their progress page; a
scheme's organisers download one for any of its trainees, or one for each of its current
trainees in a ZIP. Each download issues a new statement (attendance.statement_services)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.text import slugify

from attendance import progress, statement_pdf, statement_selectors, statement_services
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


@login_required
def scheme_statements_zip(request, pk):
    """A statement for each of the scheme's current trainees (of one group, with
    `?group=<pk>`), in a ZIP sent as the PDFs are rendered."""
    scheme = organised_scheme(request, pk)
    group = None
    if request.GET.get("group"):
        group = get_object_or_404(scheme.groups.all(), pk=_pk(request.GET["group"]))
    limit = statement_services.STATEMENTS_AT_ONCE
    people = list(statement_selectors.statement_people(scheme, group)[: limit + 1])
    if not people:
        messages.info(request, "No current trainees: there are no statements to download.")
        return redirect("scheme_overview", pk=scheme.pk)
    try:
        statements = statement_services.statements_issue(
            actor=request.user, scheme=scheme, people=people
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("scheme_overview", pk=scheme.pk)
    which = f"group {group.name}" if group else f"scheme {scheme.name}"
    group_services.access_log_record(
        actor=request.user,
        action=AccessLogEntry.Action.OVERVIEW_EXPORT,
        scheme=scheme,
        description=f"Statements of attendance ZIP of {len(statements)} trainees ({which})",
    )
    response = StreamingHttpResponse(
        statement_pdf.statements_zip(statements), content_type="application/zip"
    )
    filename = f"statements-{slugify(group.name if group else scheme.name)[:60]}.zip"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

"""The term-evaluation pages: an organiser opens, reads, exports and closes a term's
evaluation; a trainee answers it once."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from attendance.exports import to_csv
from balint.pages import add_service_errors, form_page
from feedback import evaluation_selectors, exports, permissions, services
from feedback.forms import SCALE_HELP, EvaluationAnswerForm, EvaluationOpenForm
from feedback.views import PAGE_SIZE, _organised_scheme
from groups import services as group_services
from groups.models import AccessLogEntry


@login_required
def evaluations(request, pk):
    scheme = _organised_scheme(request, pk)
    page = Paginator(evaluation_selectors.evaluations_of(scheme), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "feedback/evaluations.html", {"scheme": scheme, "page": page})


@login_required
def evaluation_open(request, pk):
    scheme = _organised_scheme(request, pk)
    form = EvaluationOpenForm(request.POST or None, scheme=scheme)
    if request.method == "POST" and form.is_valid():
        try:
            evaluation = services.evaluation_open(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, f"Evaluation opened for {evaluation.group}; its members are told by email."
            )
            return redirect("evaluation_summary", pk=evaluation.pk)
    return form_page(
        request,
        form,
        title=f"Open an end-of-term evaluation in {scheme.name}",
        intro="Current members answer four ratings and an optional comment, anonymously. "
        f"You see a summary after you close it, if at least {permissions.MIN_ANSWERS} answered.",
        submit_label="Open evaluation",
        cancel_url=reverse("evaluations", args=[scheme.pk]),
    )


def _managed_evaluation(request, pk):
    return get_object_or_404(evaluation_selectors.managed_evaluations(request.user), pk=pk)


@login_required
def evaluation_summary(request, pk):
    evaluation = _managed_evaluation(request, pk)
    summary = evaluation_selectors.evaluation_summary(evaluation)
    if summary.is_visible:
        _log_evaluation(request, evaluation, AccessLogEntry.Action.EVALUATION_SUMMARY)
    return render(
        request,
        "feedback/evaluation_summary.html",
        {"evaluation": evaluation, "summary": summary, "min_answers": permissions.MIN_ANSWERS},
    )


def _log_evaluation(request, evaluation, action: str) -> None:
    group_services.access_log_record(
        actor=request.user,
        action=action,
        scheme=evaluation.group.scheme,
        description=f"{evaluation.title}, {evaluation.group.name}",
    )


@login_required
def evaluation_export(request, pk, fmt):
    evaluation = _managed_evaluation(request, pk)
    if fmt != "csv":
        raise Http404
    exporter = exports.EvaluationSummaryExporter(evaluation)
    _log_evaluation(request, evaluation, AccessLogEntry.Action.EVALUATION_EXPORT)
    response = HttpResponse(to_csv(exporter), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{exporter.filename(fmt)}"'
    return response


@login_required
@require_POST
def evaluation_close(request, pk):
    evaluation = _managed_evaluation(request, pk)
    try:
        services.evaluation_close(actor=request.user, evaluation=evaluation)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{evaluation.title} is closed: no more answers.")
    return redirect("evaluation_summary", pk=evaluation.pk)


@login_required
def evaluation_answer(request, pk):
    evaluation = get_object_or_404(evaluation_selectors.visible_evaluations(request.user), pk=pk)
    if not permissions.is_evaluation_member(request.user, evaluation):
        raise PermissionDenied
    if not permissions.can_answer_evaluation(request.user, evaluation):
        # Answered already, or closed: say so, and never show the answer.
        return render(request, "feedback/evaluation_done.html", {"evaluation": evaluation})
    form = EvaluationAnswerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.evaluation_answer(
                actor=request.user, evaluation=evaluation, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Thank you: your answer is recorded, without your name.")
            return redirect("my_feedback")
    return form_page(
        request,
        form,
        title=f"{evaluation.title}: {evaluation.group.name}",
        template="feedback/evaluation_form.html",
        evaluation=evaluation,
        scale_help=SCALE_HELP,
        submit_label="Send answer",
        cancel_url=reverse("my_feedback"),
    )

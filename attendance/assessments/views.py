"""The pages of the assessment flow: a trainee asks for an assessment of a session they
attended, a leader of the group completes it (usually on a phone), and the trainee reads
and acknowledges it. Only the trainee and the scheme's organisers read one, not even the
leader who wrote it. The rules live in attendance.assessments.services: each view checks
its input's shape and calls one of them."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from attendance.assessments import selectors, services
from attendance.assessments.forms import (
    ASSESSOR_REMINDER,
    TRAINEE_REMINDER,
    AcknowledgeForm,
    CompleteForm,
    RequestForm,
)
from attendance.models import Assessment
from balint.pages import add_service_errors
from groups import services as group_services
from groups.models import AccessLogEntry, User


def _request_form(user: User, data=None) -> RequestForm:
    records = list(selectors.attended_for_request(user))
    schemes = {record.session.group.scheme_id for record in records}
    forms_in_use = list(selectors.forms_in_use_among(schemes)) if schemes else []
    return RequestForm(data, records=records, forms_in_use=forms_in_use, trainee=user)


def _error_text(error: ValidationError | PermissionDenied) -> str:
    return " ".join(error.messages) if isinstance(error, ValidationError) else str(error)


# --- The trainee's ---------------------------------------------------------------------


@login_required
def mine(request):
    """The trainee's assessments in every scheme, and the form to ask for another."""
    user = request.user
    request_form = _request_form(user)
    has_forms = bool(request_form.by_pk) or selectors.forms_in_use_for(user).exists()
    assessments = (
        selectors.readable_by(user).filter(trainee=user).exclude(status=Assessment.Status.WITHDRAWN)
    )
    return render(
        request,
        "attendance/assessments/mine.html",
        {
            "request_form": request_form if request_form.sessions else None,
            "has_forms": has_forms,
            "assessments": assessments,
        },
    )


@login_required
@require_POST
def request_assessment(request):
    form = _request_form(request.user, request.POST)
    if not form.is_valid():
        errors = [e for field_errors in form.errors.values() for e in field_errors]
        messages.error(request, " ".join(errors))
        return redirect("assessments")
    session = form.cleaned_data["session"]
    try:
        services.assessment_request(
            trainee=request.user, session=session, form=form.cleaned_data["assessment_form"]
        )
    except (PermissionDenied, ValidationError) as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, f"Asked: {session.group.name}’s leaders are told by email.")
    return redirect("assessments")


@login_required
@require_POST
def withdraw(request, pk):
    assessment = get_object_or_404(selectors.readable_by(request.user), pk=pk)
    try:
        services.assessment_withdraw(trainee=request.user, assessment=assessment)
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, f"Withdrawn: your request for a {assessment.form.name}.")
    return redirect("assessments")


# --- Reading one -----------------------------------------------------------------------


def _readable(request, pk: int) -> Assessment:
    return get_object_or_404(selectors.readable_by(request.user), pk=pk)


def _detail(request, assessment: Assessment, acknowledge_form: AcknowledgeForm):
    is_trainee = assessment.trainee_id == request.user.pk
    return render(
        request,
        "attendance/assessments/detail.html",
        {
            "assessment": assessment,
            "ratings": assessment.ratings.select_related("domain"),
            "is_trainee": is_trainee,
            "acknowledge_form": acknowledge_form
            if is_trainee and assessment.status == Assessment.Status.COMPLETED
            else None,
            "reminder": TRAINEE_REMINDER,
        },
    )


@login_required
def detail(request, pk):
    assessment = _readable(request, pk)
    if assessment.trainee_id != request.user.pk:  # an organiser reads a trainee's record
        group_services.access_log_record(
            actor=request.user,
            action=AccessLogEntry.Action.PROGRESS_VIEW,
            scheme=assessment.form.scheme,
            description=f"Assessment #{assessment.pk} of person #{assessment.trainee_id}",
            subject=assessment.trainee,
        )
    return _detail(request, assessment, AcknowledgeForm())


@login_required
@require_POST
def acknowledge(request, pk):
    assessment = _readable(request, pk)
    form = AcknowledgeForm(request.POST)
    if form.is_valid():
        try:
            services.assessment_acknowledge(
                trainee=request.user,
                assessment=assessment,
                reflection=form.cleaned_data["reflection"],
            )
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as error:
            if not hasattr(error, "error_dict"):  # no longer waiting to be acknowledged
                messages.error(request, _error_text(error))
                return redirect("assessment", pk=pk)
            add_service_errors(form, error)
        else:
            messages.success(request, "Acknowledged: thank you.")
            return redirect("assessment", pk=pk)
    return _detail(request, assessment, form)


# --- The leader's ----------------------------------------------------------------------


@login_required
def to_complete(request):
    return render(
        request,
        "attendance/assessments/to_complete.html",
        {"requests": selectors.requests_to(request.user)},
    )


@login_required
def complete(request, pk):
    """Only for a leader the request waits on; a guard's refusal is shown on its field."""
    assessment = get_object_or_404(selectors.requests_to(request.user), pk=pk)
    form = CompleteForm(
        request.POST if request.method == "POST" else None,
        assessment=assessment,
        domains=list(assessment.form.domains.all()),
    )
    if form.is_bound and form.is_valid():
        try:
            services.assessment_complete(
                assessor=request.user, assessment=assessment, **form.answer()
            )
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as error:
            if not hasattr(error, "error_dict"):  # completed or withdrawn meanwhile
                messages.error(request, _error_text(error))
                return redirect("assessments_to_complete")
            add_service_errors(form, error)
        else:
            messages.success(
                request, f"Completed: {assessment.trainee.full_name} is told by email."
            )
            return redirect("assessments_to_complete")
    return render(
        request,
        "attendance/assessments/complete.html",
        {"assessment": assessment, "form": form, "reminder": ASSESSOR_REMINDER},
    )

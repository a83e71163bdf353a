"""The organiser's pages for a scheme's assessment forms: the list, a form started from
the shipped one or written new, changed, and retired. Organisers of the scheme only;
anyone else gets 404, as if the scheme or form did not exist."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from attendance.assessments import selectors, services
from attendance.assessments.form_forms import BLANK, AssessmentFormForm, initial_from
from balint.pages import add_service_errors
from groups import permissions


def _scheme(request, pk):
    return get_object_or_404(permissions.schemes_organised_by(request.user), pk=pk)


def _form(request, pk):
    managed = selectors.forms_managed_by(request.user).select_related("scheme")
    return get_object_or_404(managed, pk=pk)


def _edit_page(request, form, *, scheme, assessment_form=None, fixed=False):
    return render(
        request,
        "attendance/assessments/form_edit.html",
        {"form": form, "scheme": scheme, "assessment_form": assessment_form, "fixed": fixed},
        status=400 if form.errors else 200,
    )


@login_required
def assessment_forms(request, pk):
    scheme = _scheme(request, pk)
    return render(
        request,
        "attendance/assessments/forms.html",
        {"scheme": scheme, "assessment_forms": selectors.forms_of(scheme)},
    )


@login_required
@require_POST
def assessment_form_start(request, pk):
    scheme = _scheme(request, pk)
    try:
        form = services.assessment_form_start(actor=request.user, scheme=scheme)
    except ValidationError as exc:  # a second press took the same name at the same moment
        messages.error(request, " ".join(exc.messages))
        return redirect("assessment_forms", pk=scheme.pk)
    messages.success(
        request,
        f"“{form.name}” started from the shipped form. Change its words to your college’s "
        "before trainees ask for it.",
    )
    return redirect("assessment_form_edit", pk=form.pk)


@login_required
def assessment_form_new(request, pk):
    scheme = _scheme(request, pk)
    form = AssessmentFormForm(request.POST or None, initial=BLANK)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.assessment_form_create(
                actor=request.user, scheme=scheme, definition=form.definition
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"“{created.name}” created: trainees can ask for it now.")
            return redirect("assessment_forms", pk=scheme.pk)
    return _edit_page(request, form, scheme=scheme)


@login_required
def assessment_form_edit(request, pk):
    assessment_form = _form(request, pk)
    fixed = services.form_in_use(assessment_form)
    form = AssessmentFormForm(
        request.POST or None, initial=initial_from(assessment_form), fixed=fixed
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.assessment_form_update(
                actor=request.user, form=assessment_form, definition=form.definition
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"“{saved.name}” saved.")
            return redirect("assessment_forms", pk=saved.scheme_id)
    return _edit_page(
        request, form, scheme=assessment_form.scheme, assessment_form=assessment_form, fixed=fixed
    )


@login_required
@require_POST
def assessment_form_retire(request, pk):
    form = services.assessment_form_retire(actor=request.user, form=_form(request, pk))
    messages.success(
        request,
        f"“{form.name}” retired: trainees can no longer ask for it. Assessments already asked "
        "for or completed stay.",
    )
    return redirect("assessment_forms", pk=form.scheme_id)

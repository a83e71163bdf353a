"""Privacy pages: a person's own data, erasure, the access log, a scheme's privacy
settings and the public privacy notice."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from balint import privacy
from balint.pages import add_service_errors, form_page
from balint.ratelimit import allow
from groups import permissions, selectors, services
from groups.forms import ErasureConfirmForm, SchemePrivacyForm
from groups.models import ERASED_NAME

PAGE_SIZE = 50
MY_DATA_DOWNLOADS_PER_MINUTE = 5


# --- A person's own data ------------------------------------------------------------------


@login_required
def my_data(request):
    return render(request, "groups/my_data.html", {"parts": privacy.parts()})


@login_required
def my_data_download(request):
    """Everything held about the signed-in person, and only them: a ZIP of JSON and CSV."""
    if not allow(f"my-data:{request.user.pk}", limit=MY_DATA_DOWNLOADS_PER_MINUTE):
        return render(
            request, "groups/my_data.html", {"parts": privacy.parts(), "limited": True}, status=429
        )
    body = privacy.personal_data_zip(request.user)
    response = HttpResponse(body, content_type="application/zip")
    filename = f"balint-my-data-{timezone.localdate():%Y-%m-%d}.zip"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


# --- Erasure ------------------------------------------------------------------------------


@login_required
def person_erase(request, pk, person_pk):
    scheme = get_object_or_404(permissions.schemes_organised_by(request.user), pk=pk)
    person = get_object_or_404(selectors.people_in_scheme(scheme), pk=person_pk)
    if person.pk == request.user.pk:
        raise PermissionDenied("You cannot erase your own record.")
    if not permissions.can_erase(request.user, person, scheme):
        problems = [
            f"{person} is staff or holds a role in another scheme: only staff can erase "
            "their record, from the administration pages."
        ]
    else:
        problems = services.erase_blockers(person, on=timezone.localdate())
    form = None if problems else ErasureConfirmForm(request.POST or None, person=person)
    status = 409 if problems and request.method == "POST" else 200
    if form is not None and request.method == "POST" and form.is_valid():
        try:
            services.person_erase(actor=request.user, person=person, scheme=scheme)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            # The message names no one: the name should not outlive the erasure anywhere.
            messages.success(request, f"Record erased: it now shows as “{ERASED_NAME}”.")
            return redirect("scheme_people", pk=scheme.pk)
    if form is not None and form.errors:
        status = 400
    return render(
        request,
        "groups/person_erase.html",
        {"scheme": scheme, "person": person, "form": form, "problems": problems},
        status=status,
    )


# --- Access log ---------------------------------------------------------------------------


def _access_log_page(request, entries, **context):
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "groups/access_log.html", {"page": page, **context})


@login_required
def scheme_access_log(request, pk):
    """A scheme's entries, for its organisers and for staff."""
    scheme = get_object_or_404(permissions.schemes_overseen_by(request.user), pk=pk)
    visible = permissions.access_log_visible_to(request.user)
    entries = selectors.access_log_entries(visible, scheme=scheme)
    return _access_log_page(request, entries, scheme=scheme)


@login_required
def access_log(request):
    """Every entry, for staff."""
    if not request.user.is_staff:
        raise Http404
    visible = permissions.access_log_visible_to(request.user)
    return _access_log_page(request, selectors.access_log_entries(visible))


# --- A scheme's privacy settings -----------------------------------------------------------


@login_required
def scheme_privacy(request, pk):
    scheme = get_object_or_404(permissions.schemes_organised_by(request.user), pk=pk)
    form = SchemePrivacyForm(request.POST or None, instance=scheme)
    if request.method == "POST" and form.is_valid():
        try:
            services.scheme_privacy_update(actor=request.user, scheme=scheme, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Privacy settings saved.")
            return redirect("scheme_privacy", pk=scheme.pk)
    return form_page(
        request,
        form,
        title=f"Privacy settings of {scheme}",
        template="groups/scheme_privacy.html",
        scheme=scheme,
        runs=selectors.retention_runs_latest(5),
        submit_label="Save",
        cancel_url=reverse("scheme_detail", args=[scheme.pk]),
    )


# --- Public notice ---------------------------------------------------------------------------


def privacy_notice(request):
    return render(
        request,
        "groups/privacy_notice.html",
        {
            "schemes": selectors.schemes_by_name(),
            "parts": privacy.parts(),
            "export_hours": settings.CERTIFICATE_EXPORT_HOURS,
        },
    )

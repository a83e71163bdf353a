"""Certificate pages: the organiser's list, design, issuing, bulk export, downloads and
public verification."""

import base64
from datetime import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from attendance import (
    certificate_exports,
    certificate_selectors,
    certificate_services,
    export_pages,
    export_selectors,
    pdf,
    permissions,
    progress,
    services,
    statement_selectors,
)
from attendance.certificate_forms import CertificateDesignForm
from attendance.models import CODE_ALPHABET, Certificate, CertificateExport, Requirement
from attendance.views import organised_scheme
from balint.ratelimit import allow, client_ip
from groups import permissions as group_permissions
from groups import services as group_services
from groups.models import AccessLogEntry

PAGE_SIZE = 50


def _organised_certificate(request, pk) -> Certificate:
    return get_object_or_404(permissions.certificates_managed_by(request.user), pk=pk)


@login_required
def certificates(request, pk):
    scheme = organised_scheme(request, pk)
    eligible = Paginator(progress.scheme_overview(scheme, status="complete"), PAGE_SIZE).get_page(
        request.GET.get("eligible")
    )
    issued = Paginator(certificate_selectors.certificates_of(scheme), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "attendance/certificates.html",
        {
            "scheme": scheme,
            "eligible": eligible,
            "candidates": certificate_selectors.certificate_candidates(
                scheme, eligible.object_list
            ),
            "issued": issued,
            "exports": export_selectors.recent_exports(CertificateExport, scheme),
            "holders": certificate_selectors.certificate_holders(scheme),
        },
    )


@login_required
@require_POST
def certificate_issue(request, pk, person_pk):
    scheme = organised_scheme(request, pk)
    trainee = get_object_or_404(progress.people_of(scheme), pk=person_pk)
    try:
        certificate = services.certificate_issue(actor=request.user, scheme=scheme, trainee=trainee)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Certificate {certificate.display_code} issued to {trainee}.")
    return redirect("certificates", pk=scheme.pk)


# --- Issuing for everyone eligible ------------------------------------------------------------
#
# Confirmed on a page that says how many and to whom, issued by the worker, followed on a
# page of its own. The run (when it started, how many were due) travels signed in the
# address: nothing to store, and the counts come from the certificates themselves.

ISSUE_RUN_SALT = "attendance.certificates.issue-run"


@login_required
def certificates_issue_eligible(request, pk):
    scheme = organised_scheme(request, pk)
    if request.method == "POST":
        since = timezone.now()
        due = services.certificates_issue_eligible_start(actor=request.user, scheme=scheme)
        if not due:
            messages.info(request, "Everyone eligible already holds an up-to-date certificate.")
            return redirect("certificates", pk=scheme.pk)
        run = signing.dumps(
            {"scheme": scheme.pk, "since": since.isoformat(), "total": due}, salt=ISSUE_RUN_SALT
        )
        return redirect(f"{reverse('certificates_issuing', args=[scheme.pk])}?run={run}")
    due = Paginator(certificate_selectors.certificates_due_rows(scheme), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request, "attendance/certificates_issue_confirm.html", {"scheme": scheme, "due": due}
    )


def _issue_progress(request, scheme) -> tuple[str, certificate_selectors.IssueProgress]:
    """The run named in the address, and where it stands; 404 for a run made up or of
    another scheme."""
    raw = request.GET.get("run", "")
    try:
        run = signing.loads(raw, salt=ISSUE_RUN_SALT)
        if run["scheme"] != scheme.pk:
            raise Http404
        since, total = datetime.fromisoformat(run["since"]), int(run["total"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise Http404("No such run of issuing.") from None
    return raw, certificate_selectors.issue_progress(scheme, since=since, total=total)


@login_required
def certificates_issuing(request, pk):
    scheme = organised_scheme(request, pk)
    run, issuing = _issue_progress(request, scheme)
    return render(
        request,
        "attendance/certificates_issuing.html",
        {"scheme": scheme, "issuing": issuing, "run": run},
    )


@login_required
def certificates_issuing_status(request, pk):
    scheme = organised_scheme(request, pk)
    _, issuing = _issue_progress(request, scheme)
    return JsonResponse(
        {
            "issued": min(issuing.issued, issuing.total),
            "total": issuing.total,
            "finished": issuing.finished,
        }
    )


# --- Design ------------------------------------------------------------------------------------


@login_required
def certificate_design(request, pk):
    """The scheme's mark and who signs, with the current mark shown."""
    scheme = organised_scheme(request, pk)
    requirement = Requirement.for_scheme(scheme)
    posted = request.method == "POST"  # a POST with every box unticked is still one
    form = CertificateDesignForm(
        request.POST if posted else None,
        request.FILES if posted else None,
        has_mark=bool(requirement.certificate_mark),
        initial={"leader_signs": requirement.certificate_leader_signs},
    )
    if posted and form.is_valid():
        try:
            certificate_services.certificate_design_update(
                actor=request.user,
                scheme=scheme,
                leader_signs=form.cleaned_data["leader_signs"],
                mark=form.mark_bytes(),
                remove_mark=form.cleaned_data.get("remove_mark", False),
            )
        except ValidationError as exc:
            form.add_error("mark", exc)
        else:
            messages.success(
                request, "Saved: every certificate printed from now on has this design."
            )
            return redirect("certificate_design", pk=scheme.pk)
    mark = bytes(requirement.certificate_mark)
    return render(
        request,
        "attendance/certificate_design.html",
        {
            "scheme": scheme,
            "form": form,
            "mark": "data:image/png;base64," + base64.b64encode(mark).decode() if mark else "",
            "title": f"Certificate design · {scheme.name}",
            "intro": "The scheme’s mark and the signatures printed on its certificates, "
            "those issued before included, from now on.",
            "submit_label": "Save the design",
            "cancel_url": reverse("certificates", args=[scheme.pk]),
        },
        status=400 if form.errors else 200,
    )


@login_required
def certificate_revoke(request, pk):
    certificate = _organised_certificate(request, pk)
    error = ""
    if request.method == "POST":
        try:
            services.certificate_revoke(
                actor=request.user, certificate=certificate, reason=request.POST.get("reason", "")
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, f"Certificate {certificate.display_code} revoked.")
            return redirect("certificates", pk=certificate.scheme_id)
    return render(
        request,
        "attendance/certificate_revoke.html",
        {"certificate": certificate, "error": error},
        status=400 if error else 200,
    )


# --- Bulk export -------------------------------------------------------------------------


@login_required
@require_POST
def certificate_export_start(request, pk):
    scheme = organised_scheme(request, pk)
    picked = (
        request.POST.getlist("certificate") if request.POST.get("scope") == "selected" else None
    )
    try:
        export = certificate_exports.certificate_export_start(
            actor=request.user,
            scheme=scheme,
            certificates=certificate_selectors.certificates_to_export(scheme, picked),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("certificates", pk=scheme.pk)
    return redirect("certificate_export", pk=export.pk)


def _organised_export(request, pk) -> CertificateExport:
    exports = export_selectors.exports_managed_by(CertificateExport, request.user)
    return get_object_or_404(exports, pk=pk)


def _export_urls(export: CertificateExport) -> dict[str, str]:
    return {
        "status": reverse("certificate_export_status", args=[export.pk]),
        "download": reverse("certificate_export_download", args=[export.pk]),
        "back": reverse("certificates", args=[export.scheme_id]),
    }


@login_required
def certificate_export(request, pk):
    export = _organised_export(request, pk)
    return export_pages.progress_page(
        request,
        export,
        title="Certificate export",
        noun="certificates",
        urls=_export_urls(export),
        back="certificates",
    )


@login_required
def certificate_export_status(request, pk):
    export = _organised_export(request, pk)
    return export_pages.status_answer(export, _export_urls(export)["download"])


@login_required
def certificate_export_download(request, pk):
    export = _organised_export(request, pk)
    answer = export_pages.ready_file(export)
    group_services.access_log_record(
        actor=request.user,
        action=AccessLogEntry.Action.CERTIFICATE_ZIP,
        scheme=export.scheme,
        description=f"Certificates ZIP of {export.total} certificates (export #{export.pk})",
    )
    return answer


# --- Downloads -----------------------------------------------------------------------------


@login_required
def certificate_pdf(request, pk):
    """The holder downloads their current one; organisers any of their scheme's."""
    certificate = get_object_or_404(certificate_selectors.certificates_with_scheme(), pk=pk)
    is_holder = certificate.trainee_id == request.user.pk and certificate.is_current
    if not is_holder and not group_permissions.is_organiser(request.user, certificate.scheme):
        raise Http404
    if certificate.holder_erased_at is not None:
        raise Http404("The holder's record was erased: there is no one to print it for.")
    if not is_holder:
        group_services.access_log_record(
            actor=request.user,
            action=AccessLogEntry.Action.CERTIFICATE_PDF,
            scheme=certificate.scheme,
            description=f"Certificate {certificate.display_code}",
            subject=certificate.trainee,
        )
    body = pdf.render_certificate(certificate)
    response = HttpResponse(body, content_type="application/pdf")
    filename = f"certificate-{slugify(certificate.holder_name)}-{certificate.code}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- Public verification -------------------------------------------------------------------


def normalise_code(raw: str) -> str:
    return "".join(ch for ch in raw.upper() if ch in CODE_ALPHABET)


def verify_form(request):
    code = normalise_code(request.GET.get("code", ""))
    if code:
        return redirect("verify", code=code)
    return render(request, "attendance/verify.html", {"certificate": None, "asked": False})


def verify(request, code):
    if not allow(f"verify:{client_ip(request)}", limit=settings.VERIFY_RATE_LIMIT_PER_MINUTE):
        return render(request, "attendance/verify_limited.html", status=429)
    code = normalise_code(code)
    certificate = certificate_selectors.certificate_by_code(code)
    if certificate is None:
        # A statement of attendance shares the address, never shown as a certificate.
        statement = statement_selectors.statement_by_code(code)
        return render(
            request,
            "attendance/verify.html",
            {"certificate": None, "statement": statement, "asked": True},
            status=200 if statement else 404,
        )
    if certificate.revoked_at:
        state = "revoked"
    elif certificate.superseded_at:
        state = "superseded"
    else:
        state = "valid"
    return render(request, "attendance/verify.html", {"certificate": certificate, "state": state})

"""A scheme's undelivered mail: who, what and why, for its organisers to put right."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from balint import outbox
from groups import permissions, selectors, services

PAGE_SIZE = 50


@login_required
def scheme_mail(request, pk):
    scheme = get_object_or_404(permissions.schemes_organised_by(request.user), pk=pk)
    undelivered = selectors.undelivered_mail(scheme)
    page = Paginator(undelivered, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "groups/scheme_mail.html", {"scheme": scheme, "page": page})


@login_required
@require_POST
def scheme_mail_retry(request, pk, email_pk):
    scheme = get_object_or_404(permissions.schemes_organised_by(request.user), pk=pk)
    email = get_object_or_404(outbox.failed_emails(scheme.pk), pk=email_pk)
    try:
        email = services.failed_email_retry(actor=request.user, email=email)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, f"“{email.subject}” will be sent to {email.to} again.")
    return redirect("scheme_mail", pk=scheme.pk)

"""The organiser's changeover page: the scheme's rotation dates, and the changeover of a
day built, previewed and applied. Organisers of the scheme only; anyone else gets 404."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.views.decorators.http import require_POST

from attendance.changeover import selectors, services
from attendance.changeover.forms import ChangeoverForm, RotationDateForm
from attendance.models import RotationDate
from balint.pages import add_service_errors
from groups import permissions
from groups.selectors import schemes_organised_with_requirement

# Rotation dates listed: three years of every track's, and more than any scheme keeps ahead.
DATES_SHOWN = 50


def _page_url(scheme, day) -> str:
    return f"{reverse('changeover', args=[scheme.pk])}?day={day.isoformat()}"


def _default_form(request, scheme) -> ChangeoverForm:
    """The day asked for (?day=), else the next rotation day, else today."""
    today = timezone.localdate()
    data = QueryDict(mutable=True)
    data["day"] = (
        request.GET.get("day") or (selectors.next_rotation_day(scheme, today) or today).isoformat()
    )
    return ChangeoverForm(data, scheme=scheme)


def _page(request, scheme, form, rotation_form=None, *, status=200):
    plan = None
    form.is_valid()  # a day that reads is enough to preview: other errors show beside it
    if form.cleaned_data.get("day"):
        plan = selectors.changeover_preview(
            scheme, form.cleaned_data["day"], form.joiners, kept=form.kept
        )
    if form.errors or form.problems or (rotation_form is not None and rotation_form.errors):
        status = 400
    today = timezone.localdate()
    return render(
        request,
        "attendance/changeover.html",
        {
            "scheme": scheme,
            "form": form,
            "plan": plan,
            "rotation_form": rotation_form or RotationDateForm(),
            "rotation_dates": list(selectors.rotation_dates(scheme, today)[:DATES_SHOWN]),
        },
        status=status,
    )


def _applied(plan) -> str:
    eve = plan.day - timedelta(days=1)
    ended, added, invited = len(plan.to_end), len(plan.to_add), len(plan.to_invite)
    return (
        f"Changeover of {date_format(plan.day)} applied: {ended} place{pluralize(ended)} "
        f"end{pluralize(ended, 's,')} on {date_format(eve)}, {added} "
        f"{pluralize(added, 'person joins,people join')}, {invited} "
        f"invitation{pluralize(invited)} sent, {plan.told} "
        f"{pluralize(plan.told, 'person,people')} told by email. The rota of each group "
        "that changes is planned again from the day."
    )


@login_required
def changeover(request, pk):
    scheme = get_object_or_404(schemes_organised_with_requirement(request.user), pk=pk)
    if request.method != "POST":
        return _page(request, scheme, _default_form(request, scheme))
    form = ChangeoverForm(request.POST, request.FILES, scheme=scheme)
    if form.is_valid() and form.applying and not form.problems:
        day = form.cleaned_data["day"]
        try:
            plan = services.changeover_apply(
                actor=request.user,
                scheme=scheme,
                day=day,
                joiners=form.joiners,
                kept=form.kept,
                digest=request.POST.get("digest", ""),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _applied(plan))
            return redirect(_page_url(scheme, day))
    return _page(request, scheme, form)


@login_required
@require_POST
def rotation_dates_add(request, pk):
    scheme = get_object_or_404(schemes_organised_with_requirement(request.user), pk=pk)
    form = RotationDateForm(request.POST)
    if form.is_valid():
        try:
            added = services.rotation_dates_add(
                actor=request.user, scheme=scheme, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            count = len(added)
            messages.success(
                request,
                f"{count} rotation date{pluralize(count)} added."
                if count
                else "The scheme has those rotation dates already.",
            )
            return redirect(_page_url(scheme, form.cleaned_data["first"]))
    return _page(request, scheme, _default_form(request, scheme), form)


@login_required
@require_POST
def rotation_date_delete(request, pk, date_pk):
    scheme = get_object_or_404(permissions.schemes_organised_by(request.user), pk=pk)
    rotation_date = get_object_or_404(RotationDate.objects.filter(scheme=scheme), pk=date_pk)
    services.rotation_date_delete(actor=request.user, rotation_date=rotation_date)
    messages.success(request, f"The {rotation_date} is deleted.")
    return redirect("changeover", pk=scheme.pk)

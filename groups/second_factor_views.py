"""Removing a lost second factor, by another organiser of the scheme or by staff."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render

from groups import permissions, selectors
from groups.second_factor import can_reset_second_factor, second_factor_reset


@login_required
def person_second_factor_reset(request, pk, person_pk):
    scheme = get_object_or_404(permissions.schemes_overseen_by(request.user), pk=pk)
    person = get_object_or_404(selectors.people_in_scheme(scheme), pk=person_pk)
    allowed = can_reset_second_factor(request.user, person, scheme)
    status = 200
    if request.method == "POST":
        status = 403
        if allowed:
            try:
                second_factor_reset(actor=request.user, person=person, scheme=scheme)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
                status = 409
            else:
                messages.success(
                    request,
                    f"The second factor of {person} is removed and they have been emailed: "
                    "they set up a new one when they next sign in.",
                )
                if permissions.is_organiser(request.user, scheme):
                    return redirect("scheme_people", pk=scheme.pk)
                return redirect("scheme_access_log", pk=scheme.pk)
    return render(
        request,
        "groups/second_factor_reset.html",
        {"scheme": scheme, "person": person, "allowed": allowed},
        status=status,
    )

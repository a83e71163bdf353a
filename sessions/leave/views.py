"""A person's own leave: recording it and removing it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from balint.pages import add_service_errors, form_page
from sessions import permissions
from sessions.leave import selectors, services
from sessions.leave.forms import LeaveForm


@login_required
def leave_list(request):
    form = LeaveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.leave_record(person=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Leave recorded. It shows as apologies for your sessions.")
            return redirect("leave_list")
    leave = selectors.current_leave(request.user)
    return form_page(
        request,
        form,
        title="Leave and unavailability",
        template="sessions/leave.html",
        leave=leave,
        submit_label="Record leave",
    )


@login_required
@require_POST
def leave_delete(request, pk):
    leave = get_object_or_404(permissions.leave_of(request.user), pk=pk)
    services.leave_delete(actor=request.user, leave=leave)
    messages.success(request, "Leave removed.")
    return redirect("leave_list")

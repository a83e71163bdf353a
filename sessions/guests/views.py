"""Pages for guests and combined sessions: a trainee visits another group, its leaders
answer, and a leader combines a shrunken session with another group's."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from sessions import pages
from sessions.guests import selectors, services
from sessions.models import GuestRequest


def _said(request, exc: ValidationError) -> None:
    messages.error(request, " ".join(exc.messages))


@login_required
def visit(request):
    """Other groups' upcoming sessions in the trainee's scheme, and their requests."""
    return render(
        request,
        "sessions/visit.html",
        {
            "sessions": list(selectors.sessions_to_visit(request.user)[:40]),
            "requests": list(selectors.guest_requests_of(request.user)),
        },
    )


@login_required
@require_POST
def guest_request_make(request, pk):
    session = get_object_or_404(selectors.sessions_to_visit(request.user), pk=pk)
    try:
        made = services.guest_request_make(person=request.user, session=session)
    except ValidationError as exc:
        _said(request, exc)
    else:
        if made.status == GuestRequest.Status.ACCEPTED:
            messages.success(request, f"You are on the register of {session.group} as a guest.")
        else:
            messages.success(request, f"Asked: {session.group}’s leaders will answer by email.")
    return redirect("visit")


@login_required
@require_POST
def guest_request_withdraw(request, pk):
    guest_request = get_object_or_404(selectors.guest_requests_of(request.user), pk=pk)
    try:
        services.guest_request_withdraw(actor=request.user, request=guest_request)
    except ValidationError as exc:
        _said(request, exc)
    else:
        messages.success(request, "Request withdrawn.")
    return redirect("visit")


@login_required
def group_guests(request, pk):
    """The leaders' view of requests to visit their group's upcoming sessions."""
    group = pages.scheduled_group(request, pk)
    return render(
        request,
        "sessions/group_guests.html",
        {"group": group, "requests": list(selectors.guest_requests_to(group))},
    )


@login_required
@require_POST
def guest_request_decide(request, pk, decision):
    guest_request = get_object_or_404(
        GuestRequest.objects.select_related("session__group__scheme", "person"), pk=pk
    )
    group = pages.scheduled_group(request, guest_request.session.group_id)
    try:
        services.guest_request_decide(
            actor=request.user, request=guest_request, accept=decision == "accept"
        )
    except ValidationError as exc:
        _said(request, exc)
    else:
        done = "accepted" if decision == "accept" else "declined"
        messages.success(request, f"{guest_request.person.full_name}’s visit {done}.")
    return redirect("group_guests", group.pk)


@login_required
def session_combine(request, pk):
    """Choose another group's session of the same date to meet with."""
    session = pages.scheduled_session(request, pk)
    hosts = list(selectors.combinable_with(session))
    if request.method == "POST":
        host = next((h for h in hosts if str(h.pk) == request.POST.get("host")), None)
        if host is None:
            messages.error(request, "Choose a session to meet with.")
        else:
            try:
                services.session_combine(actor=request.user, session=session, host=host)
            except ValidationError as exc:
                _said(request, exc)
            else:
                messages.success(request, f"Combined: {session.group} meets with {host.group}.")
                return redirect(pages.sessions_page(session.group))
    return render(request, "sessions/session_combine.html", {"session": session, "hosts": hosts})


@login_required
@require_POST
def session_separate(request, pk):
    session = pages.scheduled_session(request, pk)
    try:
        services.session_separate(actor=request.user, session=session)
    except ValidationError as exc:
        _said(request, exc)
    else:
        messages.success(request, f"{session.group} meets on its own again.")
    return redirect(pages.sessions_page(session.group))

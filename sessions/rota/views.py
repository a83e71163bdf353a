"""The presenter rota pages: a trainee's own rota and their offers to present, the
leaders' rota and its assigning, giving a date back, swaps, and the note for
first-time presenters."""

from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from balint.pages import add_service_errors, form_page
from sessions import pages, permissions
from sessions.clashes import selectors as clash_selectors
from sessions.models import PresentingOffer, SwapRequest
from sessions.rota import planning, selectors, services, standings
from sessions.rota.forms import OfferForm, PresenterForm, SwapForm
from sessions.schedule import selectors as schedule_selectors

PAGE_SIZE = 20


@login_required
def my_rota(request):
    # A membership's sessions, and who presents them, are theirs from its start date.
    begun = permissions.within_membership(request.user, begun_by=timezone.localdate())
    sessions = Paginator(
        selectors.my_rota_sessions(request.user).filter(begun), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    sessions.object_list = list(sessions.object_list)
    my_clashes = clash_selectors.my_clashes(request.user, [s.pk for s in sessions.object_list])
    for session in sessions.object_list:
        session.my_clash = my_clashes.get(session.pk)
    next_session = selectors.next_presentation(request.user)
    now = timezone.now()
    days_until = None
    if next_session:
        zone = ZoneInfo(next_session.group.scheme.time_zone)
        today = now.astimezone(zone).date()
        days_until = (next_session.starts_at.astimezone(zone).date() - today).days
    swaps = selectors.rota_swaps(request.user, now)
    pending = [s for s in swaps if s.status == SwapRequest.Status.PENDING]
    swaps_to_me = [s for s in pending if s.recipient_id == request.user.pk]
    for swap in swaps_to_me:
        swap.soon = selectors.presents_soon(swap.requester_session.starts_at, now)
    swaps_from_me = [s for s in pending if s.requester_id == request.user.pk]
    rotas = standings.member_rotas(request.user)
    offers = standings.offer_actions(request.user, sessions.object_list, rotas, now)
    for session in sessions.object_list:
        # Their requests stay on their dates until answered.
        session.my_swaps = [s for s in swaps_from_me if s.requester_session_id == session.pk]
        session.offer_actions = offers[session.pk]
    return render(
        request,
        "sessions/my_rota.html",
        {
            "sessions": sessions,
            "next_session": next_session,
            "days_until": days_until,
            "swaps_to_me": swaps_to_me,
            "swaps_from_me": swaps_from_me,
            "swap_news": selectors.swap_news(request.user, swaps),
            "rotas": rotas,
            # The note on presenting, for someone about to present for the first time.
            "first_time": next_session is not None and not next_session.presented_before,
        },
    )


@login_required
def presenting_note(request):
    return render(request, "sessions/presenting.html")


@login_required
def group_rota(request, pk):
    """The leaders' rota: each member's count, next date and why, and the offers."""
    group = pages.scheduled_group(request, pk)
    return render(
        request,
        "sessions/group_rota.html",
        {"group": group, "rota": standings.group_rota(group), "wait_bound": planning.WAIT_BOUND},
    )


@login_required
@require_POST
def rota_assign(request, pk):
    group = pages.scheduled_group(request, pk)
    rebuild = request.POST.get("rebuild") == "1"
    plan = services.rota_assign(actor=request.user, group=group, rebuild=rebuild)
    if plan:
        messages.success(request, f"Presenters assigned to {len(plan)} sessions.")
    else:
        messages.info(request, "No session needed a presenter, or no member was available.")
    if request.POST.get("return_to") == "rota":
        return redirect("group_rota", group.pk)
    return redirect(pages.sessions_page(group))


@login_required
@require_POST
def presenter_set(request, pk):
    session = pages.scheduled_session(request, pk)
    form = PresenterForm(request.POST, members=schedule_selectors.group_members(session.group))
    if form.is_valid():
        try:
            services.presenter_set(
                actor=request.user, session=session, presenter=form.cleaned_data["presenter"]
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"Presenter for {session.slot_date:%d %b} saved.")
    else:
        messages.error(request, "Choose a member of the group.")
    return redirect(pages.sessions_page(session.group))


@login_required
@require_POST
def give_back(request, pk):
    session = pages.my_presenting_session(request, pk)
    try:
        services.presentation_give_back(actor=request.user, session=session)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Date given back. Your leaders will find another presenter.")
    return redirect("my_rota")


@login_required
@require_POST
def presenting_offer(request, pk):
    """A member volunteers for a date, or has a case for the next session."""
    session = get_object_or_404(
        permissions.sessions_visible_to(request.user).select_related("group"), pk=pk
    )
    form = OfferForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose how you offer to present.")
        return redirect("my_rota")
    kind = form.cleaned_data["kind"]
    try:
        services.presenting_offer_make(person=request.user, session=session, kind=kind)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        when = f"{session.slot_date:%a} {session.slot_date.day} {session.slot_date:%b}"
        if kind == PresentingOffer.Kind.HAVE_A_CASE:
            messages.success(request, f"Your leaders see that you have a case for {when}.")
        else:
            messages.success(
                request, f"Thank you: the rota gives you {when} when your leaders plan it."
            )
    return redirect("my_rota")


@login_required
@require_POST
def presenting_offer_withdraw(request, pk):
    offer = get_object_or_404(selectors.offers_of(request.user), pk=pk)
    try:
        services.presenting_offer_withdraw(actor=request.user, offer=offer)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Offer withdrawn.")
    return redirect("my_rota")


@login_required
def swap_request(request, pk):
    session = pages.my_presenting_session(request, pk)
    choices = selectors.swap_choices(session.group, request.user)
    form = SwapForm(request.POST or None, choices=choices)
    if request.method == "POST" and form.is_valid():
        try:
            services.swap_request(
                requester=request.user,
                requester_session=session,
                recipient_session=form.cleaned_data["other"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Swap requested. You will hear by email.")
            return redirect("my_rota")
    return form_page(
        request,
        form,
        title=f"Swap your presenting date of {session.slot_date:%d %b %Y}",
        submit_label="Ask to swap",
        cancel_url=reverse("my_rota"),
    )


@login_required
@require_POST
def swap_decide(request, pk, decision):
    """Accept (asking first when the service says so: sessions/swap_confirm.html), decline
    or withdraw a swap request."""
    swap = get_object_or_404(permissions.swaps_involving(request.user), pk=pk)
    try:
        if decision == "accept":
            services.swap_accept(
                actor=request.user, swap=swap, confirmed=request.POST.get("confirmed") == "1"
            )
            messages.success(request, "Swap accepted: your presenting dates have changed.")
        else:
            services.swap_decline(actor=request.user, swap=swap)
            if swap.requester_id == request.user.pk:
                told = swap.recipient.full_name
                messages.success(request, f"Swap request withdrawn. {told} is told by email.")
            else:
                told = swap.requester.full_name
                messages.success(request, f"Swap declined. {told} is told by email.")
    except services.SwapNeedsConfirmation as exc:
        return render(request, "sessions/swap_confirm.html", {"swap": swap, "check": exc.check})
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("my_rota")

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from balint.pages import add_service_errors, form_page
from groups import membership_selectors, permissions, selectors, services
from groups.forms import (
    AcceptInvitationForm,
    GroupForm,
    InvitationForm,
    InvitationImportForm,
    MembershipBulkForm,
    MembershipEndForm,
    MembershipForm,
)
from groups.imports import ImportFailed, read_upload
from groups.models import Membership

PAGE_SIZE = 50
# People offered at a time when adding several: a phone screen or two of ticks.
PICK_PAGE_SIZE = 20


# --- Organiser: scheme ----------------------------------------------------


@login_required
def scheme_detail(request, pk):
    scheme = get_object_or_404(selectors.schemes_organised_with_requirement(request.user), pk=pk)
    groups = Paginator(selectors.scheme_groups(scheme), PAGE_SIZE).get_page(
        request.GET.get("groups_page")
    )
    for group in groups:
        group.size_warning = selectors.group_size_warning(group)
    invitations = selectors.pending_invitations(scheme)[:PAGE_SIZE]
    return render(
        request,
        "groups/scheme_detail.html",
        {"scheme": scheme, "groups": groups, "invitations": invitations},
    )


@login_required
def scheme_people(request, pk):
    """Everyone in the scheme, found by name, email or registration number, a page at a time."""
    scheme = get_object_or_404(permissions.schemes_organised_by(request.user), pk=pk)
    words = request.GET.get("q", "").strip()[:100]
    page = selectors.scheme_people_page(
        scheme,
        words=words,
        size=PAGE_SIZE,
        after=request.GET.get("after"),
        before=request.GET.get("before"),
    )
    return render(
        request,
        "groups/scheme_people.html",
        {
            "scheme": scheme,
            "people": page,
            "q": words,
            "query": urlencode({"q": words} if words else {}),
        },
    )


# --- Groups ---------------------------------------------------------------


@login_required
def group_create(request, scheme_pk):
    scheme = get_object_or_404(permissions.schemes_organised_by(request.user), pk=scheme_pk)
    form = GroupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            group = services.group_create(actor=request.user, scheme=scheme, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Group “{group.name}” created.")
            return redirect("group_detail", pk=group.pk)
    return form_page(
        request,
        form,
        title=f"New group in {scheme}",
        submit_label="Create group",
        cancel_url=reverse("scheme_detail", args=[scheme.pk]),
    )


@login_required
def group_detail(request, pk):
    known = permissions.groups_known_to(request.user)
    group = get_object_or_404(selectors.groups_with_counts(known), pk=pk)
    memberships = selectors.group_memberships(group)
    can_manage = permissions.can_manage_group(request.user, group)
    today = timezone.localdate()
    place = permissions.place_in_group(request.user, memberships, today, organiser=can_manage)
    context = {"group": group, "place": place}
    if place.reads_group:
        group.size_warning = selectors.group_size_warning(group)
        context |= {
            "current": [m for m in memberships if m.covers(today)],
            "all_memberships": memberships if can_manage else None,
            "can_manage": can_manage,
            "can_schedule": can_manage or permissions.can_lead_group(request.user, group),
        }
    elif place.joining:
        # Welcomed with their first date; the group's people and rota wait for the start.
        context["first_day"] = permissions.first_session_day(group, place.joining.start_date)
    # Else they have left: told when, with links to their own history, not the group's.
    return render(request, "groups/group_detail.html", context)


@login_required
def group_edit(request, pk):
    group = get_object_or_404(permissions.groups_visible_to(request.user), pk=pk)
    if not permissions.can_manage_group(request.user, group):
        raise PermissionDenied
    form = GroupForm(request.POST or None, instance=group)
    if request.method == "POST" and form.is_valid():
        try:
            services.group_update(actor=request.user, group=group, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Group saved.")
            return redirect("group_detail", pk=group.pk)
    return form_page(
        request, form, title=f"Edit {group}", cancel_url=reverse("group_detail", args=[group.pk])
    )


@login_required
def membership_add(request, group_pk):
    group = get_object_or_404(permissions.groups_visible_to(request.user), pk=group_pk)
    if not permissions.can_manage_group(request.user, group):
        raise PermissionDenied
    form = MembershipForm(request.POST or None, people=selectors.people_in_scheme(group.scheme))
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_add(actor=request.user, group=group, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{form.cleaned_data['person']} added to {group}.")
            return redirect("group_detail", pk=group.pk)
    return form_page(
        request,
        form,
        title=f"Add a member to {group}",
        submit_label="Add",
        cancel_url=reverse("group_detail", args=[group.pk]),
    )


@login_required
def membership_bulk_add(request, group_pk):
    """Several people of the scheme join the group at once. The page posts back to itself
    while people are found and ticked; "Add" (action=add) saves them all or none."""
    group = get_object_or_404(
        permissions.groups_visible_to(request.user).select_related("scheme"), pk=group_pk
    )
    if not permissions.can_manage_group(request.user, group):
        raise PermissionDenied
    data = request.POST if request.method == "POST" else None
    form = MembershipBulkForm(
        data,
        people=membership_selectors.people_with_latest_track(group.scheme),
        first_day=membership_selectors.first_day_for_new_members(group),
        adding=data is not None and data.get("action") == "add",
    )
    if form.is_valid() and form.adding:
        try:
            added = services.memberships_add(
                actor=request.user,
                group=group,
                members=form.new_members(),
                start_date=form.cleaned_data["start_date"],
                end_date=form.cleaned_data["end_date"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            names = ", ".join(m.person.full_name for m in added)
            messages.success(request, f"Added to {group}: {names}.")
            return redirect("group_detail", pk=group.pk)
    search = data or {}
    words = search.get("q", "").strip()[:100]
    found = membership_selectors.people_to_add_page(
        group,
        words=words,
        size=PICK_PAGE_SIZE,
        after=search.get("after"),
        before=search.get("before"),
        leaving_out=[row.person.pk for row in form.chosen],
    )
    return render(
        request,
        "groups/membership_bulk_add.html",
        {
            "group": group,
            "form": form,
            "found": found,
            "q": words,
            "tracks": Membership.Track.choices,
        },
        status=400 if form.errors else 200,
    )


@login_required
def membership_end(request, pk):
    membership = get_object_or_404(
        permissions.memberships_managed_by(request.user).select_related("group", "person"), pk=pk
    )
    form = MembershipEndForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_end(
                actor=request.user, membership=membership, end_date=form.cleaned_data["end_date"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{membership.person}'s membership ends on the date given.")
            return redirect("group_detail", pk=membership.group_id)
    return form_page(
        request,
        form,
        title=f"End {membership.person}'s membership of {membership.group}",
        submit_label="End membership",
        cancel_url=reverse("group_detail", args=[membership.group_id]),
    )


# --- Invitations ----------------------------------------------------------


@login_required
def invitation_create(request, scheme_pk):
    scheme = get_object_or_404(permissions.schemes_organised_by(request.user), pk=scheme_pk)
    # From a group's page the group comes filled in (its name, as the field takes it).
    form = InvitationForm(
        request.POST or None, scheme=scheme, initial={"group": request.GET.get("group", "")}
    )
    if request.method == "POST" and form.is_valid():
        data = services.InvitationData(**form.cleaned_data)
        try:
            invitation = services.invitation_create(actor=request.user, scheme=scheme, data=data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Invitation sent to {invitation.email}.")
            return redirect("scheme_detail", pk=scheme.pk)
    return form_page(
        request,
        form,
        title=f"Invite someone to {scheme}",
        submit_label="Send invitation",
        intro="They receive an email with a link to choose a password and join.",
        cancel_url=reverse("scheme_detail", args=[scheme.pk]),
    )


@login_required
def invitation_import(request, scheme_pk):
    scheme = get_object_or_404(permissions.schemes_organised_by(request.user), pk=scheme_pk)
    form = InvitationImportForm(request.POST or None, request.FILES or None)
    problems = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            # The size is checked before the file is read, and never more than the limit is read.
            raw = read_upload(upload)
            created = services.invitations_import_csv(
                actor=request.user, scheme=scheme, raw=raw, filename=upload.name
            )
        except ImportFailed as exc:
            problems = exc.problems
        else:
            messages.success(request, f"{len(created)} invitations sent.")
            return redirect("scheme_detail", pk=scheme.pk)
    status = 400 if problems else 200
    return form_page(
        request,
        form,
        title=f"Invite people to {scheme} from a CSV file",
        submit_label="Upload and send invitations",
        template="groups/invitation_import.html",
        cancel_url=reverse("scheme_detail", args=[scheme.pk]),
        problems=problems,
        status=status,
    )


@login_required
@require_POST
def invitation_revoke(request, pk):
    invitation = get_object_or_404(permissions.invitations_managed_by(request.user), pk=pk)
    services.invitation_revoke(actor=request.user, invitation=invitation)
    messages.success(request, f"Invitation for {invitation.email} withdrawn.")
    return redirect("scheme_detail", pk=invitation.scheme_id)


def invitation_accept(request, token):
    """Open to anyone holding the link: it is the proof of the email address."""
    try:
        invitation = services.invitation_from_token(token)
    except services.InvitationInvalid as exc:
        return render(request, "groups/invitation_invalid.html", {"reason": str(exc)}, status=404)
    has_account = selectors.account_exists(invitation.email)
    form = (
        None if has_account else AcceptInvitationForm(request.POST or None, invitation=invitation)
    )
    if request.method == "POST" and (form is None or form.is_valid()):
        try:
            invitation, person = services.invitation_accept(
                token=token,
                password=form.cleaned_data["password1"] if form else None,
                user=request.user if request.user.is_authenticated else None,
            )
        except services.InvitationInvalid as exc:
            return render(
                request, "groups/invitation_invalid.html", {"reason": str(exc)}, status=403
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if not request.user.is_authenticated:
                login(request, person, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, f"Welcome to {invitation.scheme}.")
            if invitation.group_id:
                return redirect("group_detail", pk=invitation.group_id)
            return redirect("home")
    return render(
        request,
        "groups/invitation_accept.html",
        {"invitation": invitation, "form": form, "has_account": has_account},
    )

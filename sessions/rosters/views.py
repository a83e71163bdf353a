"""On-call roster pages: a trainee's own files and feeds, and an organiser's scheme-wide
files, previewed before they are applied."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.views.decorators.http import require_POST

from balint.imports import ImportFailed
from balint.pages import add_service_errors, form_page
from groups import permissions as group_permissions
from sessions import permissions
from sessions.clashes import selectors as clash_selectors
from sessions.rosters import selectors, services
from sessions.rosters.files import MAX_ORGANISER_BYTES, MAX_UPLOAD_BYTES
from sessions.rosters.forms import RosterFeedForm, RosterUploadForm, SchemeRosterUploadForm

PAGE_SIZE = 20
PREVIEW_ROWS = 300


@login_required
def my_roster(request):
    shifts = Paginator(selectors.upcoming_shifts(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "sessions/my_roster.html",
        {
            "sources": list(selectors.roster_sources_of(request.user)),
            "shifts": shifts,
            "clashes": list(clash_selectors.upcoming_clashes(request.user)),
            "zone": selectors.zone_for(request.user).key,
        },
    )


@login_required
def roster_upload(request):
    form = RosterUploadForm(
        request.POST or None,
        request.FILES or None,
        sources=selectors.personal_uploads(request.user),
        initial={"replace": request.GET.get("replace")},
    )
    problems = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = services.roster_upload(
                actor=request.user,
                raw=upload.read(MAX_UPLOAD_BYTES + 1),
                filename=upload.name,
                name=form.cleaned_data["name"],
                replace=form.cleaned_data["replace"],
            )
        except ImportFailed as exc:
            problems = exc.problems
        else:
            messages.success(request, _imported_message(result))
            return redirect("my_roster")
    return form_page(
        request,
        form,
        title="Upload your on-call roster",
        template="sessions/roster_upload.html",
        submit_label="Upload roster",
        cancel_url=reverse("my_roster"),
        problems=problems,
        status=400 if problems else 200,
    )


def _imported_message(result: services.RosterImport) -> str:
    clashes = len(result.changes.new)
    text = f"{result.shifts} shift{pluralize(result.shifts)} saved from “{result.source.name}”."
    if clashes:
        verb = "clash" + pluralize(clashes, "es,")
        text += f" {clashes} of your sessions {verb} with them: see your rota."
    return text


@login_required
def roster_feed_add(request):
    form = RosterFeedForm(request.POST or None)
    problems = []
    if request.method == "POST" and form.is_valid():
        try:
            result = services.roster_feed_subscribe(
                actor=request.user, url=form.cleaned_data["url"], name=form.cleaned_data["name"]
            )
        except ImportFailed as exc:
            problems = exc.problems
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, _imported_message(result) + " It is refreshed every few hours."
            )
            return redirect("my_roster")
    return form_page(
        request,
        form,
        title="Subscribe to your on-call calendar feed",
        template="sessions/roster_upload.html",
        submit_label="Subscribe",
        cancel_url=reverse("my_roster"),
        problems=problems,
        status=400 if problems else 200,
    )


@login_required
@require_POST
def roster_refresh(request, pk):
    source = get_object_or_404(selectors.personal_feeds(request.user), pk=pk)
    try:
        result = services.roster_feed_refresh(source_id=source.pk, actor=request.user)
    except ImportFailed as exc:
        messages.error(request, f"Not refreshed; your earlier shifts are kept. {exc}")
    else:
        messages.success(request, _imported_message(result))
    return redirect("my_roster")


@login_required
@require_POST
def roster_delete(request, pk):
    source = get_object_or_404(permissions.roster_sources_managed_by(request.user), pk=pk)
    services.roster_source_delete(actor=request.user, source=source)
    messages.success(request, f"“{source.name}” and its shifts removed.")
    if source.scheme_id:
        return redirect("scheme_rosters", pk=source.scheme_id)
    return redirect("my_roster")


# --- Organiser: scheme-wide rosters, previewed before they are applied --------------------------


def _organised_scheme(request, pk):
    return get_object_or_404(group_permissions.schemes_organised_by(request.user), pk=pk)


@login_required
def scheme_rosters(request, pk):
    scheme = _organised_scheme(request, pk)
    sources = selectors.scheme_sources(scheme)
    form = SchemeRosterUploadForm(request.POST or None, request.FILES or None, sources=sources)
    problems = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            pending = services.roster_upload_preview(
                actor=request.user,
                scheme=scheme,
                raw=upload.read(MAX_ORGANISER_BYTES + 1),
                filename=upload.name,
                replace=form.cleaned_data["replace"],
            )
        except ImportFailed as exc:
            problems = exc.problems
        else:
            return redirect("scheme_roster_preview", pk=scheme.pk, upload_pk=pending.pk)
    return form_page(
        request,
        form,
        title=f"On-call rosters of {scheme}",
        template="sessions/scheme_rosters.html",
        submit_label="Upload and preview",
        cancel_url=reverse("scheme_detail", args=[scheme.pk]),
        scheme=scheme,
        travel_margin_minutes=clash_selectors.travel_margin_minutes(scheme),
        sources=list(selectors.scheme_roster_sources(scheme)),
        pending=selectors.pending_uploads(scheme),
        problems=problems,
        status=400 if problems else 200,
    )


@login_required
def scheme_roster_preview(request, pk, upload_pk):
    scheme = _organised_scheme(request, pk)
    upload = get_object_or_404(selectors.uploads_to_apply(request.user, scheme), pk=upload_pk)
    if request.method == "POST":
        try:
            result = services.roster_upload_apply(
                actor=request.user, upload=upload, digest=request.POST.get("digest", "")
            )
        except ImportFailed as exc:
            messages.error(request, f"Nothing was saved. {exc}")
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                f"{result.shifts} shift{pluralize(result.shifts)} saved for {scheme}; "
                f"{len(result.changes.new)} new clash{pluralize(len(result.changes.new), 'es')} "
                "with sessions.",
            )
            return redirect("scheme_rosters", pk=scheme.pk)
    problems, rows = [], []
    try:
        rows = selectors.organiser_rows(upload)
    except ImportFailed as exc:
        problems = exc.problems
    names = selectors.names_of(r.person_id for r in rows[:PREVIEW_ROWS])
    return render(
        request,
        "sessions/scheme_roster_preview.html",
        {
            "scheme": scheme,
            "upload": upload,
            "rows": [(row, names.get(row.person_id, "")) for row in rows[:PREVIEW_ROWS]],
            "total": len(rows),
            "people": len({r.person_id for r in rows}),
            "digest": selectors.rows_digest(rows),
            "problems": problems,
        },
        status=400 if problems else 200,
    )

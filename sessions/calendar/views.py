"""A person's calendar feed (public by its secret address), its settings, and .ics downloads."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import slugify

from sessions.calendar import ical, links, selectors, services


@login_required
def calendar_settings(request):
    if request.method == "POST":
        services.calendar_token_reset(person=request.user)
        messages.success(request, "New calendar address made. The old one no longer works.")
        return redirect("calendar_settings")
    token = services.calendar_token_for(request.user)
    feed_url = request.build_absolute_uri(reverse("calendar_feed", args=[token.token]))
    return render(request, "sessions/calendar.html", {"links": links.subscribe_links(feed_url)})


def calendar_feed(request, token):
    """Public by design: calendar apps cannot sign in. The token is the secret."""
    person = selectors.feed_owner(token)
    if person is None:
        raise Http404
    body = ical.calendar_bytes(
        selectors.feed_sessions(person), person_id=person.pk, name=links.FEED_NAME
    )
    return HttpResponse(body, content_type="text/calendar; charset=utf-8")


@login_required
def session_ics(request, pk):
    session = get_object_or_404(selectors.downloadable_sessions(request.user), pk=pk)
    body = ical.calendar_bytes([session], person_id=request.user.pk, name=str(session.group))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    filename = f"balint-{slugify(session.group.name)}-{session.slot_date:%Y-%m-%d}.ics"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

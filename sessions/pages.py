"""What the sessions pages share: the object a page acts on, fetched within the user's
scope or refused (404 if they cannot see it, 403 if they can see but not change it)."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.urls import reverse

from groups import permissions as group_permissions
from sessions import permissions
from sessions.models import Session


def scheduled_group(request, pk):
    """The group, if the user may see it; 403 unless they may also schedule it."""
    group = get_object_or_404(
        group_permissions.groups_visible_to(request.user).select_related("scheme"), pk=pk
    )
    if not permissions.can_schedule(request.user, group):
        raise PermissionDenied
    return group


def scheduled_session(request, pk) -> Session:
    session = get_object_or_404(
        permissions.sessions_visible_to(request.user).select_related("group__scheme"), pk=pk
    )
    if not permissions.can_schedule(request.user, session.group):
        raise PermissionDenied
    return session


def my_presenting_session(request, pk) -> Session:
    """One of the user's own presenting dates."""
    return get_object_or_404(
        permissions.sessions_visible_to(request.user).select_related("group"),
        pk=pk,
        presenter=request.user,
    )


def sessions_page(group) -> str:
    """Where the leaders' schedule pages return to."""
    return reverse("group_sessions", args=[group.pk])

"""Signed-in pages and export files served from the cache until their data changes.

A page is cached per person, address and day under the data version
(groups.versions), which rises on every write, so nobody sees a page older than
the last change. PAGE_CACHE_SECONDS bounds what no write announces: the time of
day (a register opens when its session starts) and a new release's templates.

Forms on a cached page carry a CSRF token, which stays valid for the same CSRF
secret: the secret is part of the key, so a new sign-in (a new secret) misses.
A request with messages waiting is served fresh, so the messages show.
"""

import hashlib
from functools import wraps

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.http import HttpResponse
from django.utils import timezone

from groups.versions import bump_data_version, data_version

KEPT_HEADERS = ("Content-Type", "Content-Disposition")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def _digest(*parts) -> str:
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()


def _page_key(request) -> str | None:
    """The page's cache key, or None when it must be built fresh."""
    if not settings.PAGE_CACHE_SECONDS or request.method != "GET":
        return None
    secret = request.META.get("CSRF_COOKIE")
    if not secret or len(get_messages(request)):
        return None
    parts = (request.user.pk, secret, request.get_full_path(), timezone.localdate())
    return f"page:{data_version()}:{_digest(*parts)}"


def cached_page(view):
    """Serve a signed-in GET from the cache; put under @login_required."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        key = _page_key(request)
        if key is not None and (stored := cache.get(key)) is not None:
            content, headers = stored
            return HttpResponse(content, headers=headers)
        response = view(request, *args, **kwargs)
        # A first visit has no CSRF secret until the page asks for one.
        key = key or _page_key(request)
        if key and response.status_code == 200 and not response.cookies and not response.streaming:
            headers = {h: response[h] for h in KEPT_HEADERS if h in response}
            cache.set(key, (response.content, headers), settings.PAGE_CACHE_SECONDS)
        return response

    return wrapper


def cached_file(build, *key_parts) -> bytes:
    """An export's bytes, built once per data version: the same file for everyone
    allowed to download it, so the key names the contents, not the person."""
    if not settings.PAGE_CACHE_SECONDS:
        return build()
    key = f"file:{data_version()}:{_digest(*key_parts, timezone.localdate())}"
    return cache.get_or_set(key, build, settings.PAGE_CACHE_SECONDS)


class BumpAfterWritesMiddleware:
    """A signed-in write request may change data in bulk, which sends no signals:
    bump the data version after it, so no cached page outlives it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Asked before the view runs: signing in is a write request by nobody yet.
        writes = request.method not in SAFE_METHODS and request.user.is_authenticated
        response = self.get_response(request)
        if writes:
            bump_data_version()
        return response


def bump_after_task(sender=None, **_signal_kwargs) -> None:
    """Celery's task_postrun: tasks write in bulk too (roster imports, clash scans).
    Tasks that only send mail or build files say so with `changes_pages=False`."""
    if getattr(sender, "changes_pages", True):
        bump_data_version()

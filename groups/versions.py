"""A version number that rises whenever data shown on a page may have changed.

Cached figures (the progress overview) and cached pages (balint.pagecache) are
stored under the current version, so a bump makes them all stale at once: no
cache entry has to be found and deleted. One global number is enough while
writes are rare next to reads; per-scheme versions are the next step if not.

The number rises on
- a save or delete of any model in our apps (signals, so admin edits count too),
  except the write-only ones in UNVERSIONED;
- the end of any write request by a signed-in person and of any Celery task
  (balint.pagecache), which catches bulk writes that send no signals;
- explicit calls from services and commands after bulk writes.

Lives in groups/ so every app can bump it without importing upward.
"""

import time

from django.apps import apps
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save

KEY = "data-version"
APPS = ("groups", "balint_sessions", "attendance", "feedback")
# Written on every request or task run, and shown on no cached page: bumping on
# them would empty the caches for nothing.
UNVERSIONED = {
    "groups.accesslogentry",
    "attendance.certificateexport",
    "attendance.certificateexportpart",
    "balint_sessions.reminderclaim",
}


def data_version() -> int:
    version = cache.get(KEY)
    if version is None:
        version = time.time_ns()  # never used before, even after an eviction
        cache.add(KEY, version, timeout=None)
        version = cache.get(KEY, version)
    return version


def bump_data_version(**_signal_kwargs) -> None:
    try:
        cache.incr(KEY)
    except ValueError:  # never read yet, or evicted
        cache.set(KEY, time.time_ns(), timeout=None)


def _bump_on_save(sender, update_fields=None, **kwargs) -> None:
    if update_fields is not None and set(update_fields) == {"last_login"}:
        return  # signing in changes nothing any page shows
    bump_data_version()


def connect_signals() -> None:
    """Bump on saves and deletes of every versioned model."""
    for label in APPS:
        for model in apps.get_app_config(label).get_models():
            if model._meta.label_lower in UNVERSIONED:
                continue
            uid = f"data-version-{model._meta.label_lower}"
            post_save.connect(_bump_on_save, sender=model, dispatch_uid=uid)
            post_delete.connect(bump_data_version, sender=model, dispatch_uid=f"{uid}-delete")

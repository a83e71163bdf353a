"""Version numbers that rise whenever cached reads may have gone stale.

Caches are stored under the current version, so a bump makes them all stale at
once: no cache entry has to be found and deleted. There are two:

- the figures version, for the scheme overview's figures (attendance.selectors),
  which are costly to rebuild: it rises only when registers, sessions,
  memberships, schemes or people change (signals, and services after bulk writes);
- the data version, for cached pages and exports (balint.pagecache), which are
  cheap to rebuild: it rises with the figures version and on
  - a save or delete of any other model of our apps, except the write-only
    ones in UNVERSIONED;
  - the end of any write request by a signed-in person and of any Celery task
    that may write (balint.pagecache), which catches bulk writes that send no
    signals.

Global numbers are enough while writes are rare next to reads; per-scheme
versions are the next step if not. Lives in groups/ so every app can bump
them without importing upward.
"""

import time

from django.apps import apps
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save

FIGURES_KEY = "figures-version"
DATA_KEY = "data-version"
APPS = ("groups", "balint_sessions", "attendance", "feedback")
FIGURES_MODELS = {
    "attendance.attendance",
    "balint_sessions.session",
    "groups.membership",
    "groups.scheme",
    "groups.user",  # the figures carry names and emails
}
# Written on every request or task run, and shown on no cached page: bumping on
# them would empty the caches for nothing.
UNVERSIONED = {
    "groups.accesslogentry",
    "attendance.certificateexport",
    "attendance.certificateexportpart",
}


def _version(key: str) -> int:
    version = cache.get(key)
    if version is None:
        version = time.time_ns()  # never used before, even after an eviction
        cache.add(key, version, timeout=None)
        version = cache.get(key, version)
    return version


def _bump(key: str) -> None:
    try:
        cache.incr(key)
    except ValueError:  # never read yet, or evicted
        cache.set(key, time.time_ns(), timeout=None)


def figures_version() -> int:
    return _version(FIGURES_KEY)


def data_version() -> int:
    return _version(DATA_KEY)


def bump_figures(**_signal_kwargs) -> None:
    """Registers, sessions or memberships changed: figures and pages are stale."""
    _bump(FIGURES_KEY)
    _bump(DATA_KEY)


def bump_data_version(**_signal_kwargs) -> None:
    """Something a page shows changed, but no figure."""
    _bump(DATA_KEY)


def _on_save(sender, update_fields=None, **kwargs) -> None:
    if update_fields is not None and set(update_fields) == {"last_login"}:
        return  # signing in changes nothing any page shows
    _bump_for(sender)


def _bump_for(sender, **kwargs) -> None:
    if sender._meta.label_lower in FIGURES_MODELS:
        bump_figures()
    else:
        bump_data_version()


def connect_signals() -> None:
    """Bump on saves and deletes of every versioned model."""
    for label in APPS:
        for model in apps.get_app_config(label).get_models():
            name = model._meta.label_lower
            if name not in UNVERSIONED:
                post_save.connect(_on_save, sender=model, dispatch_uid=f"version-{name}")
                post_delete.connect(_bump_for, sender=model, dispatch_uid=f"version-{name}-del")

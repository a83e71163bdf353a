"""A version number that rises whenever figures derived from registers may change.

Pages that aggregate a whole scheme (the progress overview) cache their figures
under the current version. Saving or deleting an attendance record, session,
membership or scheme bumps it (receivers below, so admin edits count too), and
services bump it after bulk writes, which send no signals. One global number is
enough: registers change a few times a minute nationally, overviews are read far
more often. Lives in groups/ so every app can bump it without importing upward.
"""

import time

from django.core.cache import cache

KEY = "figures-version"


def figures_version() -> int:
    version = cache.get(KEY)
    if version is None:
        version = time.time_ns()  # never used before, even after an eviction
        cache.add(KEY, version, timeout=None)
        version = cache.get(KEY, version)
    return version


def bump_figures(**_signal_kwargs) -> None:
    try:
        cache.incr(KEY)
    except ValueError:  # never read yet, or evicted
        cache.set(KEY, time.time_ns(), timeout=None)


def invalidate_on_change(*models) -> None:
    """Connect the bump to saves and deletes of the given models."""
    from django.db.models.signals import post_delete, post_save

    for model in models:
        post_save.connect(bump_figures, sender=model, dispatch_uid=f"figures-{model.__name__}")
        post_delete.connect(
            bump_figures, sender=model, dispatch_uid=f"figures-del-{model.__name__}"
        )

"""The Redis cache, failing open: Redis is an accelerator, not a dependency of pages.

With Redis down or hung, every operation answers as a miss would, so pages are
built afresh, sign-in and register saves go through, and rate limits let people
pass until Redis is back. redis-py reconnects on the next use, so recovery needs
no restart.
"""

import logging
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

# redis-py wraps socket errors in its own, but not on every path.
ERRORS = (RedisError, OSError)
# After a failure Redis is left alone this long, so a hung Redis costs a page one
# socket timeout per pause, not one per cache call.
PAUSE_SECONDS = 5
# One warning per this many seconds per process, however many calls fail.
LOG_EVERY_SECONDS = 30
# Bounds the keys remembered during an outage (see _Outage.stale), per process.
MAX_STALE_KEYS = 10_000

clock = time.monotonic
_UNREACHED = object()


class _Outage:
    """Per process, not per backend: Django makes a backend per thread."""

    def __init__(self):
        self.paused_until = 0.0
        self.logged_at = None
        self.reported = False
        # Keys whose set, delete or incr never reached Redis: what Redis holds under
        # them is stale (a session signed out or changed, a counter not bumped), so
        # they are deleted before anything else once Redis answers. Else a Redis that
        # persists would come back serving, say, a session signed out meanwhile.
        self.stale = set()
        self.lock = threading.Lock()

    def paused(self) -> bool:
        return clock() < self.paused_until

    def failed(self, error: Exception) -> None:
        now = clock()
        with self.lock:
            self.paused_until = now + PAUSE_SECONDS
            if self.logged_at is not None and now - self.logged_at < LOG_EVERY_SECONDS:
                return
            self.logged_at, self.reported = now, True
        log.warning(
            "Redis cache unreachable, serving without it: %s: %s", type(error).__name__, error
        )

    def answered(self) -> None:
        if self.reported:
            self.reported = False
            log.warning("Redis cache reachable again")

    def remember(self, key: str) -> None:
        with self.lock:
            if len(self.stale) < MAX_STALE_KEYS:
                self.stale.add(key)

    def forget_stale(self, client) -> None:
        if self.stale:
            keys = list(self.stale)
            client.delete_many(keys)
            with self.lock:
                self.stale.difference_update(keys)


_outage = _Outage()


class FailOpenRedisCache(RedisCache):
    def _reach(self, operation, *args, miss=None):
        """`operation(*args)` on Redis, or `miss` while Redis is paused or failing."""
        if _outage.paused():
            return miss
        try:
            _outage.forget_stale(self._cache)
            result = operation(*args)
        except ERRORS as error:
            _outage.failed(error)
            return miss
        _outage.answered()
        return result

    def get(self, key, default=None, version=None):
        return self._reach(super().get, key, default, version, miss=default)

    def get_many(self, keys, version=None):
        return self._reach(super().get_many, keys, version, miss={})

    def has_key(self, key, version=None):
        return self._reach(super().has_key, key, version, miss=False)

    def _unreached(self, keys, version) -> None:
        for key in keys:
            _outage.remember(self.make_and_validate_key(key, version=version))

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        if self._reach(super().set, key, value, timeout, version, miss=_UNREACHED) is _UNREACHED:
            self._unreached([key], version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        result = self._reach(super().set_many, data, timeout, version, miss=_UNREACHED)
        if result is _UNREACHED:
            self._unreached(data, version)
            return list(data)
        return result

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        # True, as on a miss: allauth's rate limits take a lock with add() and, on
        # False, wait a second and then refuse the sign-in as if rate-limited.
        return self._reach(super().add, key, value, timeout, version, miss=True)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._reach(super().touch, key, timeout, version, miss=False)

    def incr(self, key, delta=1, version=None):
        result = self._reach(super().incr, key, delta, version, miss=_UNREACHED)
        if result is _UNREACHED:
            self._unreached([key], version)
            # What a missing key raises: balint.ratelimit then falls back to
            # set(), which fails open in turn.
            raise ValueError(f"Key '{key}' not found: Redis is unreachable.")
        return result

    def delete(self, key, version=None):
        result = self._reach(super().delete, key, version, miss=_UNREACHED)
        if result is _UNREACHED:
            self._unreached([key], version)
            return False
        return result

    def delete_many(self, keys, version=None):
        if self._reach(super().delete_many, keys, version, miss=_UNREACHED) is _UNREACHED:
            self._unreached(keys, version)

    def clear(self):
        return self._reach(super().clear, miss=False)

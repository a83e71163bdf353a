"""A fixed-window rate limit on the shared cache (Redis in production)."""

import time

from django.core.cache import cache


def allow(key: str, *, limit: int, window: int = 60) -> bool:
    """Count one hit for `key`; False once it passes `limit` within the current window."""
    bucket = f"ratelimit:{key}:{int(time.time() // window)}"
    if cache.add(bucket, 1, timeout=window):
        return True
    try:
        return cache.incr(bucket) <= limit
    except ValueError:  # the bucket expired between add and incr
        cache.set(bucket, 1, timeout=window)
        return True


def client_ip(request) -> str:
    """The peer address. Behind a proxy, configure it to set REMOTE_ADDR (gunicorn does
    with forwarded_allow_ips)."""
    return request.META.get("REMOTE_ADDR", "unknown")

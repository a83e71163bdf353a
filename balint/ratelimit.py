"""A fixed-window rate limit on the shared cache (Redis in production), and the
client address that every rate limit counts against (ours and allauth's)."""

import functools
import ipaddress
import time

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured


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
    """The address of the person, not of our proxy.

    gunicorn sets REMOTE_ADDR to the socket peer and never reads X-Forwarded-For.
    With TRUSTED_PROXY_COUNT = N proxies each appending the address they saw, the
    Nth entry from the right was written by our outermost proxy; entries further
    left come from the client and are ignored. Anything doubtful (no proxy
    configured, a peer outside TRUSTED_PROXY_NETWORKS, a short or malformed
    header) falls back to REMOTE_ADDR: stricter limits, never a forged address.
    """
    peer = request.META.get("REMOTE_ADDR") or "unknown"
    count = settings.TRUSTED_PROXY_COUNT
    if count < 1 or not _from_trusted_proxy(peer):
        return peer
    entries = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    if len(entries) < count:
        return peer
    return _address(entries[-count]) or peer


def _from_trusted_proxy(peer: str) -> bool:
    networks = _networks(tuple(settings.TRUSTED_PROXY_NETWORKS))
    if not networks:
        return True
    try:
        address = ipaddress.ip_address(peer)
    except ValueError:
        return False
    return any(address in network for network in networks)


@functools.cache
def _networks(cidrs: tuple[str, ...]) -> list:
    try:
        return [ipaddress.ip_network(cidr, strict=False) for cidr in cidrs]
    except ValueError as error:
        raise ImproperlyConfigured(f"TRUSTED_PROXY_NETWORKS: {error}") from None


def _address(text: str) -> str | None:
    """`text` as a canonical IP address, or None if it is not one."""
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return None

"""Health checks for load balancers, `docker compose` and uptime monitors.

`/healthz` answers "can this web process serve pages?": that needs the database
only. Redis is reported but does not fail it, because pages keep working while
Redis is away (sessions fall back to the database, mail waits in the outbox);
restarting the web would not bring Redis back. The worker's health is its own
check, `/healthz/worker`, so a worker outage never marks the web unhealthy.

Failures are logged with their exception; responses say only "error", because the
exception text can name hosts and users of the database or broker.
"""

import logging

import redis
from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from balint.celery import app

log = logging.getLogger(__name__)

WORKER_PING_TIMEOUT = 1.0


def _check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def _check_redis() -> str:
    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
    client.ping()
    return "ok"


def _count_workers() -> str:
    replies = app.control.ping(timeout=WORKER_PING_TIMEOUT)
    if not replies:
        log.warning("Health check: no Celery worker answered a ping.")
        return "error"
    return f"ok ({len(replies)} worker{'s' if len(replies) != 1 else ''})"


def _run(name: str, check) -> str:
    try:
        return check()
    except Exception:  # a health page reports failures, it does not raise them
        log.warning("Health check %r failed.", name, exc_info=True)
        return "error"


def _respond(body: dict, healthy: bool) -> JsonResponse:
    return JsonResponse(
        {"status": "ok" if healthy else "error", **body}, status=200 if healthy else 503
    )


@never_cache
def healthz(request):
    body = {"database": _run("database", _check_database)}
    if settings.REDIS_URL:
        body["redis"] = _run("redis", _check_redis)
    return _respond(body, healthy=body["database"] == "ok")


@never_cache
def worker_healthz(request):
    if not settings.REDIS_URL:  # the embedded broker of a fresh clone cannot be pinged
        return _respond({"worker": "not checked: no Redis broker configured"}, healthy=True)
    worker = _run("worker", _count_workers)
    return _respond({"worker": worker}, healthy=worker.startswith("ok"))

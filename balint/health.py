"""`/healthz`: is the app able to serve? Database always; Redis and a worker when configured."""

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

WORKER_PING_TIMEOUT = 1.0


def _check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def _check_redis() -> str:
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
    client.ping()
    return "ok"


def _check_worker() -> str:
    from balint.celery import app

    replies = app.control.ping(timeout=WORKER_PING_TIMEOUT)
    if not replies:
        raise RuntimeError("no worker answered")
    return f"ok ({len(replies)} worker{'s' if len(replies) != 1 else ''})"


def _run(check) -> tuple[bool, str]:
    try:
        return True, check()
    except Exception as exc:  # a health page reports failures, it does not raise them
        return False, f"error: {exc.__class__.__name__}: {exc}"


@never_cache
def healthz(request):
    checks = {"database": _check_database}
    if settings.REDIS_URL:
        checks["redis"] = _check_redis
        checks["worker"] = _check_worker
    results = {name: _run(check) for name, check in checks.items()}
    healthy = all(ok for ok, _ in results.values())
    body = {"status": "ok" if healthy else "error"}
    body.update({name: detail for name, (_, detail) in results.items()})
    return JsonResponse(body, status=200 if healthy else 503)

"""`/healthz`: JSON for load balancers and `docker compose` health checks."""

import pytest

from tests.conftest import skip_or_fail


def test_database_only_when_redis_is_not_configured(client, db, settings):
    settings.REDIS_URL = ""

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok", "database": "ok"}


def test_needs_no_sign_in_and_is_never_cached(client, db, settings):
    settings.REDIS_URL = ""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]


def test_unreachable_redis_is_reported_as_an_error(client, db, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1

    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["database"] == "ok"
    assert body["redis"].startswith("error: ConnectionError")
    assert "worker" in body


def test_https_redirect_spares_the_health_check(client, db, settings):
    settings.REDIS_URL = ""
    settings.SECURE_SSL_REDIRECT = True

    assert client.get("/healthz").status_code == 200
    assert client.get("/accounts/login/").status_code == 301


@pytest.mark.services
def test_redis_and_worker_are_checked_when_configured(client, db, settings):
    if not settings.REDIS_URL:
        skip_or_fail("REDIS_URL is not set")

    body = client.get("/healthz").json()

    assert body["database"] == "ok"
    assert body["redis"] == "ok"
    # A live worker is proven in tests/balint/test_celery_worker.py; here only that it is asked.
    assert body["worker"].startswith(("ok (", "error: RuntimeError: no worker answered"))

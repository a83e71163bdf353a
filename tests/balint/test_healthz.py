"""`/healthz` (can the web serve?) and `/healthz/worker` (does a worker answer?): JSON for
load balancers, `docker compose` health checks and uptime monitors."""

import logging
from unittest import mock

import pytest
from django.db import DatabaseError

from tests.conftest import skip_or_fail

NOTHING_LISTENS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def test_database_only_when_redis_is_not_configured(client, db, settings):
    settings.REDIS_URL = ""

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok", "database": "ok"}


def test_needs_no_sign_in_and_is_never_cached(client, db, settings):
    settings.REDIS_URL = ""
    for url in ("/healthz", "/healthz/worker"):
        response = client.get(url)
        assert response.status_code == 200
        assert "no-cache" in response["Cache-Control"]


def test_redis_down_is_reported_but_the_web_stays_healthy(client, db, settings):
    settings.REDIS_URL = NOTHING_LISTENS

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "redis": "error"}


def test_a_worker_outage_does_not_mark_the_web_unhealthy(client, db, settings):
    settings.REDIS_URL = NOTHING_LISTENS
    with mock.patch("balint.health.app.control.ping", return_value=[]):
        assert client.get("/healthz").status_code == 200
        response = client.get("/healthz/worker")

    assert response.status_code == 503
    assert response.json() == {"status": "error", "worker": "error"}


def test_the_worker_check_counts_the_workers_that_answer(client, db, settings):
    settings.REDIS_URL = NOTHING_LISTENS
    replies = [{"celery@a": {"ok": "pong"}}, {"celery@b": {"ok": "pong"}}]
    with mock.patch("balint.health.app.control.ping", return_value=replies):
        response = client.get("/healthz/worker")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "worker": "ok (2 workers)"}


def test_without_a_broker_the_worker_is_not_checked(client, db, settings):
    settings.REDIS_URL = ""
    assert client.get("/healthz/worker").json() == {
        "status": "ok",
        "worker": "not checked: no Redis broker configured",
    }


def test_a_failing_database_gives_503_without_exception_text(client, db, settings, caplog):
    settings.REDIS_URL = NOTHING_LISTENS
    secret = "password authentication failed for user balint_prod on db.internal"
    with (
        mock.patch("balint.health._check_database", side_effect=DatabaseError(secret)),
        caplog.at_level(logging.WARNING, logger="balint.health"),
    ):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "error", "redis": "error"}
    assert secret not in response.content.decode()
    assert secret in caplog.text  # the operator still finds it in the log


def test_https_redirect_spares_the_health_checks(client, db, settings):
    settings.REDIS_URL = ""
    settings.SECURE_SSL_REDIRECT = True

    assert client.get("/healthz").status_code == 200
    assert client.get("/healthz/worker").status_code == 200
    assert client.get("/accounts/login/").status_code == 301


@pytest.mark.services
def test_redis_is_checked_when_configured(client, db, settings):
    if not settings.REDIS_URL:
        skip_or_fail("REDIS_URL is not set")

    assert client.get("/healthz").json() == {"status": "ok", "database": "ok", "redis": "ok"}

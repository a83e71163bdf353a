"""Sessions in cached_db, as production stores them with Redis: read from Redis while it
is up, from the database while it is down, and an ended session ends in both.

Runs on a private redis-server (tests/redis_server.py) that a test may stop.
"""

from importlib import import_module

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session as DjangoSession
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from balint import cache as fail_open
from groups import second_factor, services
from tests import factories
from tests.factories.attendance import LAST_WEDNESDAY, register_data
from tests.factories.sessions import SessionFactory

# The register opens when its session starts.
pytestmark = [pytest.mark.services, pytest.mark.usefixtures("frozen_now")]
CACHED_DB = "django.contrib.sessions.backends.cached_db"


@pytest.fixture
def redis(settings, private_redis, production_redis_settings, monkeypatch):
    """Production's cache and session engine on a private Redis; the backend's pause
    after a failure is over whenever the test says (`back`)."""
    assert production_redis_settings["session_engine"] == CACHED_DB
    settings.CACHES = {
        "default": {**production_redis_settings["cache"], "LOCATION": private_redis.url}
    }
    settings.SESSION_ENGINE = CACHED_DB
    private_redis.now = 1000.0
    monkeypatch.setattr(fail_open, "clock", lambda: private_redis.now)
    monkeypatch.setattr(fail_open, "_outage", fail_open._Outage())  # per process: per test here
    return private_redis


def back(redis) -> None:
    redis.start()
    redis.now += fail_open.PAUSE_SECONDS


def sign_in(person) -> Client:
    client = Client()
    response = client.post(
        "/accounts/login/", {"login": person.email, "password": factories.PASSWORD}
    )
    assert response.status_code == 302
    return client


def signed_in_as(client):
    """Who the next page sees, or None when it sends them to sign in."""
    response = client.get("/")
    if response.status_code == 302:
        assert response["Location"].startswith("/accounts/login/")
        return None
    assert response.status_code == 200
    return response.wsgi_request.user.pk


def with_cookie(session_key: str) -> Client:
    """A browser holding the session's cookie (a copy kept after signing out)."""
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = session_key
    return client


def cached(redis, session_key: str) -> bool:
    return bool(redis.client().keys(f"*cached_db*{session_key}"))


def stored(session_key: str) -> dict:
    """The session as the store loads it (cache first, then database); {} once ended."""
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key=session_key).load()


def session_queries(captured) -> int:
    return sum("django_session" in q["sql"] for q in captured.captured_queries)


def test_with_redis_up_pages_read_the_session_from_redis_not_the_database(redis, trainee):
    client = sign_in(trainee)
    assert cached(redis, client.session.session_key)

    with CaptureQueriesContext(connection) as up:
        assert signed_in_as(client) == trainee.pk
    redis.stop()
    with CaptureQueriesContext(connection) as down:
        assert signed_in_as(client) == trainee.pk

    assert session_queries(up) == 0
    assert session_queries(down) == 1
    assert len(up) < len(down)


def test_signed_in_before_redis_stops_they_stay_signed_in_and_save_a_form(
    redis, group, leader, trainee
):
    session = SessionFactory(group=group, slot_date=LAST_WEDNESDAY)
    client = sign_in(leader)
    redis.stop()

    url = f"/sessions/{session.pk}/register/"
    assert client.get(url).status_code == 200
    assert client.post(url, register_data(session, "present")).status_code == 302
    assert set(session.attendance.values_list("status", flat=True)) == {"present"}
    assert signed_in_as(client) == leader.pk

    # A sign-in during the outage is written to the database alone, and holds.
    other = sign_in(trainee)
    key = other.session.session_key
    assert DjangoSession.objects.filter(session_key=key).exists()
    assert signed_in_as(other) == trainee.pk

    back(redis)
    assert signed_in_as(client) == leader.pk
    assert signed_in_as(other) == trainee.pk
    assert cached(redis, key)  # read from the database once, cached again


def test_signing_out_while_redis_is_down_holds_once_it_returns_with_its_data(redis, trainee):
    client = sign_in(trainee)
    key = client.session.session_key
    redis.stop(keep_data=True)  # as docker-compose's Redis, which persists

    assert client.post("/accounts/logout/").status_code == 302
    assert signed_in_as(with_cookie(key)) is None

    back(redis)  # still holding the signed-in copy

    assert signed_in_as(with_cookie(key)) is None
    assert not cached(redis, key)


def test_an_erased_persons_session_ends_in_redis_too(redis, stranger):
    client = sign_in(stranger)
    key = client.session.session_key
    assert stored(key)[SESSION_KEY] == str(stranger.pk)

    services.person_erase(actor=None, person=stranger)

    assert not cached(redis, key)
    assert stored(key) == {}
    assert signed_in_as(client) is None


def test_a_second_factor_reset_ends_the_persons_session_in_redis_too(redis, scheme, organiser):
    lost = factories.OrganiserFactory(scheme=scheme).person
    TOTP.activate(lost, generate_totp_secret())
    theirs = Client()
    theirs.force_login(lost)  # signed in with the second factor, on the lost phone
    key = theirs.session.session_key
    assert cached(redis, key)

    second_factor.second_factor_reset(actor=organiser, person=lost, scheme=scheme)

    assert not cached(redis, key)
    assert stored(key) == {}
    assert signed_in_as(theirs) is None

"""Redis down: pages, sign-in, sign-out and register saves still work (balint.cache),
and once Redis is back the cache serves again, with no restart.

The cache and session engine are the ones production configures (read from
balint.settings in a subprocess), on a private redis-server that each test
stops and starts.
"""

import logging
import signal
import threading

import pytest
from django.contrib.auth import SESSION_KEY
from django.core.cache import cache
from django.test import Client

from balint import cache as fail_open
from tests import factories
from tests.factories.attendance import LAST_WEDNESDAY, register_data
from tests.factories.sessions import SessionFactory
from tests.redis_server import free_port

# Guards against a hung call; not a performance assertion.
WAIT_SECONDS = 10


@pytest.fixture
def production_cache(production_redis_settings):
    """CACHES["default"] as production reads it with REDIS_URL set."""
    return production_redis_settings["cache"]


class Clock:
    """balint.cache's clock, moved on by hand: a pause ends when the test says so."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


# The register opens when its session starts.
pytestmark = pytest.mark.usefixtures("frozen_now")


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(fail_open, "clock", clock)
    monkeypatch.setattr(fail_open, "_outage", fail_open._Outage())  # per process: per test here
    return clock


@pytest.fixture(autouse=True)
def _cache_log(caplog, monkeypatch):
    """balint.cache's warnings reach caplog directly, whatever an earlier test did to the
    logging tree (a logger disabled by a dictConfig, a parent that stops propagation)."""
    logger = logging.getLogger("balint.cache")
    monkeypatch.setattr(logger, "disabled", False)
    monkeypatch.setattr(logger, "level", logging.INFO)
    monkeypatch.setattr(logger, "propagate", False)  # else caplog sees each record twice
    logger.addHandler(caplog.handler)
    yield
    logger.removeHandler(caplog.handler)


@pytest.fixture
def redis(settings, private_redis, production_cache, production_redis_settings):
    """The production cache and sessions on a private Redis."""
    settings.CACHES = {"default": {**production_cache, "LOCATION": private_redis.url}}
    settings.SESSION_ENGINE = production_redis_settings["session_engine"]
    settings.REDIS_URL = private_redis.url  # what /healthz checks
    return private_redis


def back(redis, clock):
    """Redis returns after an outage; the backend's pause after a failure runs out."""
    redis.start()
    clock.advance(fail_open.PAUSE_SECONDS)


# --- Pages, sign-in, sign-out and the register, through a real outage ------------------


@pytest.fixture
def people(scheme, group, leader, trainee, organiser):
    session = SessionFactory(group=group, slot_date=LAST_WEDNESDAY)
    signed_in = {}
    for name, person in (("leader", leader), ("trainee", trainee), ("organiser", organiser)):
        signed_in[name] = Client()
        signed_in[name].force_login(person)
    pages = [
        ("trainee", "/"),
        ("trainee", "/rota/"),
        ("trainee", "/progress/"),
        ("leader", f"/groups/{group.pk}/"),
        ("leader", f"/sessions/{session.pk}/register/"),
        ("organiser", f"/schemes/{scheme.pk}/overview/"),
    ]
    return signed_in, pages, session


def assert_everything_works(people, trainee, status):
    signed_in, pages, session = people
    for who, url in pages:
        assert signed_in[who].get(url).status_code == 200, url

    client = Client()
    response = client.post(
        "/accounts/login/", {"login": trainee.email, "password": factories.PASSWORD}
    )
    assert response.status_code == 302
    assert int(client.session[SESSION_KEY]) == trainee.pk
    assert client.get("/").status_code == 200
    assert client.post("/accounts/logout/").status_code == 302
    assert SESSION_KEY not in client.session

    url = f"/sessions/{session.pk}/register/"
    assert signed_in["leader"].post(url, register_data(session, status)).status_code == 302
    assert set(session.attendance.values_list("status", flat=True)) == {status}


@pytest.mark.services
def test_everything_works_while_redis_is_down_and_after_it_returns(
    client, redis, clock, people, trainee
):
    signed_in, pages, _ = people
    for who, url in pages:  # sessions and figures now in Redis
        signed_in[who].get(url)
    assert redis.client().keys("*cached_db*")

    redis.stop()

    assert_everything_works(people, trainee, "present")
    health = client.get("/healthz")  # the web still serves: healthy, Redis reported
    assert health.status_code == 200
    assert health.json() == {"status": "ok", "database": "ok", "redis": "error"}

    back(redis, clock)

    assert_everything_works(people, trainee, "absent")
    assert client.get("/healthz").json()["redis"] == "ok"
    # The three signed-in people's sessions, read from the database and cached again.
    assert len(redis.client().keys("*cached_db*")) == len(signed_in)


@pytest.mark.services
def test_a_hung_redis_answers_as_a_miss_after_a_short_timeout(redis, production_cache):
    # redis-py's own default is 5 s per call; a page makes several.
    assert production_cache["OPTIONS"]["socket_timeout"] <= 1
    assert production_cache["OPTIONS"]["socket_connect_timeout"] <= 1
    answers = []
    redis.process.send_signal(signal.SIGSTOP)  # accepts connections, never answers
    try:
        reader = threading.Thread(target=lambda: answers.append(cache.get("k", "miss")))
        reader.start()
        reader.join(WAIT_SECONDS)
        assert not reader.is_alive(), "a cache call waited on a hung Redis"
    finally:
        redis.process.send_signal(signal.SIGCONT)
    assert answers == ["miss"]


# --- The backend, call by call ------------------------------------------------------------


@pytest.fixture
def unreachable(settings, production_cache):
    """The production cache pointed where nothing listens."""
    url = f"redis://127.0.0.1:{free_port()}/0"
    settings.CACHES = {"default": {**production_cache, "LOCATION": url}}
    return cache


MISSES = [
    ("get", ("k",), None),
    ("get", ("k", "fallback"), "fallback"),
    ("get_many", (["a", "b"],), {}),
    ("has_key", ("k",), False),
    ("set", ("k", 1), None),
    ("set_many", ({"a": 1, "b": 2},), ["a", "b"]),
    ("add", ("k", 1), True),
    ("touch", ("k",), False),
    ("delete", ("k",), False),
    ("delete_many", (["a", "b"],), None),
    ("clear", (), False),
    ("get_or_set", ("k", lambda: "built"), "built"),
]


@pytest.mark.parametrize(("operation", "args", "answer"), MISSES, ids=[m[0] for m in MISSES])
def test_each_call_answers_as_a_miss(unreachable, operation, args, answer):
    assert getattr(unreachable, operation)(*args) == answer


@pytest.mark.parametrize("operation", ["incr", "decr"])
def test_counters_raise_what_a_missing_key_raises(unreachable, operation):
    with pytest.raises(ValueError, match="not found"):
        getattr(unreachable, operation)("k")


def test_an_outage_is_logged_once_per_interval(unreachable, clock, caplog):
    for _ in range(3):
        unreachable.get("k")
        clock.advance(fail_open.PAUSE_SECONDS)
    clock.advance(fail_open.LOG_EVERY_SECONDS)
    unreachable.get("k")

    warnings = [r for r in caplog.records if r.name == "balint.cache"]
    assert len(warnings) == 2
    assert all("Redis cache unreachable" in r.getMessage() for r in warnings)
    assert "ConnectionError" in warnings[0].getMessage()


WRITES = {
    "set": lambda: cache.set("k", "new"),
    "set_many": lambda: cache.set_many({"k": "new"}),
    "delete": lambda: cache.delete("k"),
    "delete_many": lambda: cache.delete_many(["k"]),
}


@pytest.mark.services
@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_a_write_that_missed_redis_clears_its_key_once_redis_is_back(redis, clock, write):
    """Else a Redis that persists comes back serving, say, a session signed out meanwhile."""
    cache.set("k", "old")
    redis.stop(keep_data=True)
    write()

    back(redis, clock)

    assert cache.get("k") is None


@pytest.mark.services
def test_after_a_failure_redis_is_left_alone_for_a_pause_then_tried_again(redis, clock, caplog):
    cache.set("k", "stored")
    redis.stop(keep_data=True)
    assert cache.get("k") is None
    redis.start()

    assert cache.get("k") is None  # paused: not even tried
    clock.advance(fail_open.PAUSE_SECONDS)
    assert cache.get("k") == "stored"

    messages = [r.getMessage() for r in caplog.records if r.name == "balint.cache"]
    assert messages[-1] == "Redis cache reachable again"

"""Fixtures for tasks that must go through a real Celery worker and Redis.

Skipped without Redis locally; CI sets REDIS_URL and REQUIRE_SERVICES=1, so
there a missing Redis fails the run instead. tests/conftest.py loads this
module as a plugin, so every test can ask for these fixtures by name.
"""

import os

import pytest
from celery.contrib.testing.worker import start_worker

from balint.celery import app


def _skip_or_fail(reason: str) -> None:
    from tests.conftest import skip_or_fail

    skip_or_fail(reason)


@pytest.fixture
def redis_url():
    """This pytest-xdist process's own Redis database (balint/test_settings.py)."""
    url = os.environ.get("REDIS_URL")
    if not url:
        _skip_or_fail("REDIS_URL is not set: no Redis to run a real worker against")
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2).ping()
    except redis.RedisError as exc:
        _skip_or_fail(f"Redis at {url} is unreachable: {exc}")
    return url


def empty_broker() -> None:
    """Drop the tasks queued in this process's Redis database and those a worker took and
    never acknowledged (one killed, or stopped mid-task). kombu puts the latter back in the
    queue an hour later, when any worker starts: runs from a test an hour before (in CI, on a
    Redis that outlived the last run) then joined a test's own, which counted on being alone."""
    app.control.purge()
    with app.connection_for_write() as connection:
        channel = connection.default_channel
        channel.client.delete(channel.unacked_key, channel.unacked_index_key)


@pytest.fixture
def broker(redis_url):
    """This process sends tasks to Redis instead of running them eagerly, from an empty
    broker: see `empty_broker`."""
    overrides = {"broker_url": redis_url, "result_backend": redis_url, "task_always_eager": False}
    saved = {key: app.conf[key] for key in overrides}
    app.conf.update(overrides)
    empty_broker()
    yield redis_url
    app.conf.update(saved)


@pytest.fixture
def worker(broker):
    """A worker thread in this process consuming from Redis."""
    import celery.contrib.testing.tasks  # noqa: F401 - registers celery.ping for start_worker

    with start_worker(app, pool="solo", perform_ping_check=True, shutdown_timeout=30) as w:
        yield w

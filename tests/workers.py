"""Fixtures for tasks that must go through a real Celery worker and Redis.

Skipped without Redis locally; CI sets REDIS_URL and REQUIRE_SERVICES=1, so
there a missing Redis fails the run instead. tests/conftest.py loads this
module as a plugin, so every test can ask for these fixtures by name.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from celery import Celery
from celery.contrib.testing.worker import start_worker

from balint.celery import app

ROOT = Path(__file__).resolve().parents[1]
# Guards against a hung worker or broker; not performance assertions.
WAIT_SECONDS = 60


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


def production_worker_env(**overrides: str) -> dict[str, str]:
    """The environment of a worker process on the production settings (balint/settings.py,
    DEBUG off), sending its tasks to the broker rather than running them in place."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "balint.settings",
        "DEBUG": "0",
        "SECRET_KEY": "worker-test-" + "k" * 60,
        "ALLOWED_HOSTS": "localhost",
        "CELERY_TASK_ALWAYS_EAGER": "0",
        **overrides,
    }


def start_worker_process(
    tasks: str, redis_url: str, folder: Path, database_url: str = ""
) -> subprocess.Popen:
    """A real `celery worker` process, with `tasks` (source code defining tasks of
    balint.celery's `app`) added to the project's.

    It runs the production settings (balint/settings.py with REDIS_URL), with the prefork
    pool, gossip, mingle and heartbeats on, as docker-compose.yml runs it, one pool process
    wide. Without `database_url` (the test's PostgreSQL, for tasks that read it), it has a
    throwaway SQLite file of its own and runs beside SQLite or PostgreSQL alike. Its files
    go under `folder` (BALINT_VAR_DIR); `process.log` is the path of its log."""
    script = f"import sys\nfrom balint.celery import app\n{tasks}\napp.worker_main(sys.argv[1:])\n"
    env = production_worker_env(
        DATABASE_URL=database_url or f"sqlite:///{folder / 'worker.sqlite3'}",
        REDIS_URL=redis_url,
        BALINT_VAR_DIR=str(folder),
        LOG_FORMAT="plain",
    )
    command = [sys.executable, "-c", script, "worker", "--loglevel=INFO", "--concurrency=1"]
    log = folder / "worker.log"
    with log.open("w") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=output)
    process.log = log
    return process


def stop_worker_process(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.kill()
        process.wait()


@pytest.fixture
def worker_process(private_redis, tmp_path):
    """Starts a real worker process with the given tasks (start_worker_process) on the
    private Redis; it is killed when the test ends, if it is still running."""
    processes = []

    def start(tasks: str, database_url: str = "") -> subprocess.Popen:
        processes.append(start_worker_process(tasks, private_redis.url, tmp_path, database_url))
        return processes[-1]

    yield start
    for process in processes:
        stop_worker_process(process)


@pytest.fixture
def send(private_redis):
    """Sends a task by name to the private Redis, as the web app would. Not the current
    app: later tests in this process would send their tasks to a stopped Redis."""
    client = Celery(
        "private-redis", broker=private_redis.url, backend=private_redis.url, set_as_current=False
    )

    def send(name, *args):
        return client.send_task(name, args=args)

    yield send
    client.close()


def answer(result, worker: subprocess.Popen) -> str:
    """The task's answer, from a worker that is still running."""
    try:
        return result.get(timeout=WAIT_SECONDS)
    finally:
        assert worker.poll() is None, f"the worker exited:\n{worker.log.read_text()[-3000:]}"


def wait_for(ready, what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not ready():
        assert time.monotonic() < deadline, f"{what} never happened"
        time.sleep(0.05)

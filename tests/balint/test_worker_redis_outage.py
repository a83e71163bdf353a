"""A real `celery worker` process lives through Redis outages, during a task and
between tasks, and works again once Redis is back, with no restart.

The worker runs the production settings (balint/settings.py with REDIS_URL) on a
private redis-server that the test stops and starts. Its tasks need no database,
so it has a throwaway SQLite file of its own and runs on SQLite or PostgreSQL alike.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from celery import Celery

pytestmark = [pytest.mark.services, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
# Guards against a hung worker or broker; not performance assertions.
WAIT_SECONDS = 60
# Long enough for the worker to notice and start reconnecting.
OUTAGE_SECONDS = 5

# The worker with one extra task, `tests.nap`: it marks that it started, sleeps, answers.
WORKER = """
import pathlib, sys, time
from balint.celery import app

@app.task(name="tests.nap")
def nap(seconds, started):
    pathlib.Path(started).touch()
    time.sleep(seconds)
    return "rested"

app.worker_main(sys.argv[1:])
"""


@pytest.fixture
def worker(private_redis, tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "balint.settings",
        "DEBUG": "0",
        "SECRET_KEY": "worker-test-" + "k" * 60,
        "ALLOWED_HOSTS": "localhost",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'worker.sqlite3'}",
        "REDIS_URL": private_redis.url,
        "BALINT_VAR_DIR": str(tmp_path),
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "LOG_FORMAT": "plain",
    }
    # As docker-compose.yml runs it: the prefork pool, gossip, mingle and heartbeats on.
    command = [sys.executable, "-c", WORKER, "worker", "--loglevel=INFO", "--concurrency=1"]
    log = tmp_path / "worker.log"
    with log.open("w") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=output)
    process.log = log
    yield process
    if process.poll() is None:
        process.kill()
        process.wait()


@pytest.fixture
def send(private_redis):
    """Sends a task by name and waits for its answer, as the web app would. Not the current
    app: later tests in this process would send their tasks to the stopped Redis."""
    client = Celery(
        "outage-test", broker=private_redis.url, backend=private_redis.url, set_as_current=False
    )

    def send(name, *args):
        return client.send_task(name, args=args)

    yield send
    client.close()


def answer(result, worker) -> str:
    try:
        return result.get(timeout=WAIT_SECONDS)
    finally:
        assert worker.poll() is None, f"the worker exited:\n{worker.log.read_text()[-3000:]}"


def wait_for(path: Path) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not path.exists():
        assert time.monotonic() < deadline, f"{path.name} never appeared"
        time.sleep(0.05)


def test_the_worker_lives_through_redis_outages_during_and_between_tasks(
    private_redis, worker, send, tmp_path
):
    assert answer(send("groups.tasks.ping"), worker) == "pong"  # up and consuming

    # Redis goes while a task runs, and stays away past its end.
    started = tmp_path / "nap-started"
    napping = send("tests.nap", 1, str(started))
    wait_for(started)
    private_redis.stop()
    time.sleep(OUTAGE_SECONDS)
    private_redis.start()

    assert answer(napping, worker) == "rested"  # the result waited for Redis
    assert answer(send("groups.tasks.ping"), worker) == "pong"

    # Redis goes while the worker waits for work.
    private_redis.stop()
    time.sleep(OUTAGE_SECONDS)
    private_redis.start()

    assert answer(send("groups.tasks.ping"), worker) == "pong"

    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=WAIT_SECONDS) == 0

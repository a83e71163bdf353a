"""A real `celery worker` process lives through Redis outages, during a task and
between tasks, and works again once Redis is back, with no restart.

The worker runs the production settings (balint/settings.py with REDIS_URL) on a
private redis-server that the test stops and starts. Its tasks need no database,
so it has a throwaway SQLite file of its own and runs on SQLite or PostgreSQL alike.
"""

import signal
import time

import pytest

from tests.workers import WAIT_SECONDS, answer, wait_for

pytestmark = [pytest.mark.services, pytest.mark.slow]

# Long enough for the worker to notice and start reconnecting.
OUTAGE_SECONDS = 5

# One extra task, `tests.nap`: it marks that it started, sleeps, answers.
TASKS = """
import pathlib, time

@app.task(name="tests.nap")
def nap(seconds, started):
    pathlib.Path(started).touch()
    time.sleep(seconds)
    return "rested"
"""


def test_the_worker_lives_through_redis_outages_during_and_between_tasks(
    private_redis, worker_process, send, tmp_path
):
    worker = worker_process(TASKS)
    assert answer(send("groups.tasks.ping"), worker) == "pong"  # up and consuming

    # Redis goes while a task runs, and stays away past its end.
    started = tmp_path / "nap-started"
    napping = send("tests.nap", 1, str(started))
    wait_for(started.exists, "the nap's start")
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

"""A task that kills its own pool process (as the OOM killer would, every time it runs) is
given back to the queue by the worker, and would come back for ever: it is refused after
balint.celery.MAX_STARTS starts, and the worker goes on with other work.

A real `celery worker` process with the prefork pool, on the production settings and a
private Redis, so the start count lives where production keeps it (the Redis cache).
"""

import pytest

from balint.celery import MAX_STARTS
from tests.workers import answer, start_worker_process, stop_worker_process, wait_for

pytestmark = [pytest.mark.services, pytest.mark.slow]

# The worker with one extra task, `tests.die`: it notes each start, then kills its process.
WORKER = """
import os, signal, sys
from balint.celery import app

@app.task(name="tests.die")
def die(starts):
    with open(starts, "a") as log:
        log.write("started\\n")
    os.kill(os.getpid(), signal.SIGKILL)

app.worker_main(sys.argv[1:])
"""


@pytest.fixture
def worker(private_redis, tmp_path):
    process = start_worker_process(WORKER, private_redis.url, tmp_path)
    yield process
    stop_worker_process(process)


def test_a_task_that_kills_its_process_is_refused_after_its_last_start(
    private_redis, worker, send, tmp_path
):
    assert answer(send("groups.tasks.ping"), worker) == "pong"  # up and consuming

    starts = tmp_path / "starts"
    send("tests.die", str(starts))
    wait_for(lambda: "refused: started" in worker.log.read_text(), "the refusal")

    assert starts.read_text().splitlines() == ["started"] * MAX_STARTS
    # The worker goes on, and the refused task is in no queue to come back from.
    assert answer(send("groups.tasks.ping"), worker) == "pong"
    assert starts.read_text().splitlines() == ["started"] * MAX_STARTS
    client = private_redis.client()
    assert client.llen("celery") == 0
    assert client.zcard("unacked_index") == 0

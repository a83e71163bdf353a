"""A task that kills its own pool process (as the OOM killer would, every time it runs) is
given back to the queue by the worker, and would come back for ever: it is refused after
balint.celery.MAX_STARTS starts, and the worker goes on with other work.

A real `celery worker` process with the prefork pool, on the production settings and a
private Redis, so the start count lives where production keeps it (the Redis cache).
"""

import pytest

from balint.celery import MAX_STARTS
from tests.workers import answer, wait_for

pytestmark = [pytest.mark.services, pytest.mark.slow]

# One extra task, `tests.die`: it notes each start, then kills its process.
TASKS = """
import os, signal

@app.task(name="tests.die")
def die(starts):
    with open(starts, "a") as log:
        log.write("started\\n")
    os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_task_that_kills_its_process_is_refused_after_its_last_start(
    private_redis, worker_process, send, tmp_path
):
    worker = worker_process(TASKS)
    assert answer(send("groups.tasks.ping"), worker) == "pong"  # up and consuming

    starts = tmp_path / "starts"
    send("tests.die", str(starts))
    wait_for(lambda: "refused: started" in worker.log.read_text(), "the refusal")

    assert starts.read_text().splitlines() == ["started"] * MAX_STARTS
    # The worker goes on, and the refused task is in no queue to come back from.
    assert answer(send("groups.tasks.ping"), worker) == "pong"
    assert starts.read_text().splitlines() == ["started"] * MAX_STARTS
    client = private_redis.client()
    # The worker's main process rejects the message once its pool process reports the
    # refusal, which may come after the ping's answer (the pool writes that to Redis itself).
    wait_for(lambda: client.zcard("unacked_index") == 0, "the refused task leaving the unacked set")
    assert client.llen("celery") == 0
    assert starts.read_text().splitlines() == ["started"] * MAX_STARTS

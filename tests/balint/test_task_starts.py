"""balint.celery's count of a task's starts, which refuses a task that keeps killing its
worker process (tests/balint/test_worker_poison_task.py shows it with a real worker)."""

import pytest
from celery.exceptions import Reject
from django.core.cache import cache
from django.db import OperationalError

from balint.celery import MAX_STARTS, BalintTask, app, task_starts
from groups.tasks import ping


def test_each_start_of_one_task_id_is_counted():
    assert [task_starts("one") for _ in range(3)] == [1, 2, 3]
    assert task_starts("another") == 1


@pytest.mark.parametrize(
    "error",
    [
        ValueError("Key not found: Redis is unreachable."),  # balint.cache
        OperationalError("database is locked"),  # the database cache
    ],
)
def test_a_cache_that_cannot_count_lets_the_task_run(monkeypatch, error):
    def unreachable(*args, **kwargs):
        raise error

    monkeypatch.setattr(cache, "incr", unreachable)
    assert [task_starts("one") for _ in range(MAX_STARTS + 1)] == [1] * (MAX_STARTS + 1)


def test_every_task_of_the_app_is_counted():
    assert isinstance(ping, BalintTask)
    assert all(isinstance(task, BalintTask) for task in app.tasks.values())


def test_a_start_past_the_last_is_refused():
    ping.push_request(id="dying", is_eager=False)
    try:
        assert [ping() for _ in range(MAX_STARTS)] == ["pong"] * MAX_STARTS
        with pytest.raises(Reject):
            ping()
    finally:
        ping.pop_request()


def test_a_task_run_in_the_callers_thread_is_not_counted():
    results = [ping.apply(task_id="eager") for _ in range(MAX_STARTS + 1)]
    assert [result.get() for result in results] == ["pong"] * (MAX_STARTS + 1)
    assert cache.get("task-starts:eager") is None

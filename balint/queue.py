"""The one way work is handed to the Celery worker: after the transaction commits.

The broker (Redis) is an accelerator, not a dependency of the write: if it is
down, the change still stands and the failure is logged. Periodic jobs pick the
work up (the outbox sender every minute, the clash scan every night).
"""

import importlib
import logging

from celery import current_app
from django.db import transaction
from kombu.exceptions import OperationalError
from redis.exceptions import RedisError

log = logging.getLogger(__name__)


def send_task_now(name: str, *args) -> None:
    """Queue the task named `name` now; a broker that is away is logged, not raised."""
    task = current_app.tasks.get(name)
    if task is None:  # outside the worker, task modules are imported on first use
        importlib.import_module(name.rpartition(".")[0])
        task = current_app.tasks[name]
    try:
        task.apply_async(args)
    except (OperationalError, RedisError, OSError):  # what kombu raises while the broker is away
        log.warning("Could not queue %s%r: the broker is unreachable.", name, args, exc_info=True)


def enqueue_on_commit(task, *args) -> None:
    """Queue `task` (a task or its name) once the transaction commits.
    Arguments are primary keys and plain values, never model instances."""
    name = task if isinstance(task, str) else task.name
    transaction.on_commit(lambda: send_task_now(name, *args))

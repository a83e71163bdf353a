import logging
import os

from celery import Celery, Task
from celery.exceptions import Reject

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "balint.settings")

logger = logging.getLogger(__name__)

# A pool process that dies mid-task (the OOM killer, a crash in a C library) gives its task
# back to the queue (task_reject_on_worker_lost), so a worker lost by accident loses no
# work. A task that itself kills its process would then come back for ever, taking a pool
# process with it each time: its next start after MAX_STARTS is refused and logged.
MAX_STARTS = 3
STARTS_KEPT_SECONDS = 2 * 24 * 3600


def task_starts(task_id: str) -> int:
    """How often the task with this id has started, this start included, as the cache (Redis
    in production, the database without it) counts across the worker's processes. 1 when
    the cache cannot tell: with Redis away the task runs."""
    from django.core.cache import cache
    from django.db import DatabaseError

    key = f"task-starts:{task_id}"
    try:
        cache.add(key, 0, STARTS_KEPT_SECONDS)
        return cache.incr(key)
    except ValueError:  # the key is gone, or Redis is (balint.cache)
        return 1
    except DatabaseError:  # the database cache, locked or away
        logger.warning("Task %s: its starts could not be counted", task_id, exc_info=True)
        return 1


class BalintTask(Task):
    def __call__(self, *args, **kwargs):
        if not self.request.is_eager and task_starts(self.request.id) > MAX_STARTS:
            logger.error(
                "Task %s[%s] refused: started %s times without finishing",
                self.name,
                self.request.id,
                MAX_STARTS,
            )
            raise Reject("started too often without finishing", requeue=False)
        return super().__call__(*args, **kwargs)


app = Celery("balint", task_cls=BalintTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

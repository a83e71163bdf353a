import os

from celery import Celery
from celery.signals import task_postrun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "balint.settings")

app = Celery("balint")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_postrun.connect
def _bump_data_version(sender=None, **kwargs):
    from balint.pagecache import bump_after_task

    bump_after_task(sender=sender, **kwargs)

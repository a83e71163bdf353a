from celery import shared_task

from attendance.assessments import services


@shared_task(name="attendance.tasks.remind_overdue_assessments", acks_late=True)
def remind_overdue_assessments() -> int:
    """Daily: one reminder to the leaders about each request past its day."""
    return services.assessments_remind_overdue()

"""A trainee's own progress, for their home and progress pages.

The count and the standing come from their rows of the figures table
(attendance.figures): every service that changes what they depend on refreshes them in
its transaction, and a nightly task re-derives them as the calendar moves, so the trainee
reads what their organiser reads on the overview. What is to come is read live: the
sessions, with the days they cannot attend, from which the projected date follows.
A fixed number of queries: one, then one per scheme (two with `latest`), then one for
the certificates.
"""

from attendance.models import Certificate, TraineeFigure
from attendance.progress import Progress, latest_counted, unavailable_days, upcoming_of
from attendance.standing import Standing
from groups.models import User


def progress_of_trainee(person: User, latest: int = 0) -> list[Progress]:
    """Their progress in each scheme they are a trainee of (a figures row each, written
    with their first membership there), by scheme name, each with its current certificate
    and their `latest` counted records. Their memberships are not read: these pages do
    not list them."""
    figures = (
        TraineeFigure.objects.filter(person=person)
        .select_related("scheme__requirement")
        .defer("scheme__requirement__certificate_mark")  # a picture only certificates need
        .order_by("scheme__name", "scheme")
    )
    progress = []
    for figure in figures:
        requirement = figure.scheme.requirement
        upcoming = upcoming_of(person, figure.scheme)
        progress.append(
            Progress(
                scheme=figure.scheme,
                person=person,
                count=figure.counted,
                required=requirement.sessions_required,
                recorded=figure.recorded,
                counted_records=latest_counted(person, requirement, latest),
                upcoming_dates=[day for _, day, _, _ in upcoming],
                unavailable=unavailable_days(upcoming),
                open_ended=figure.open_ended,
                standing=Standing(figure.status, figure.status_reason),
            )
        )
    current = {
        c.scheme_id: c
        for c in Certificate.objects.filter(
            trainee=person, revoked_at__isnull=True, superseded_at__isnull=True
        )
    }
    for item in progress:
        item.certificate = current.get(item.scheme.pk)
    return progress

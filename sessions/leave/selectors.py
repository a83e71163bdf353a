"""Who is on leave when: read by the rota, the leaders' session list, reminders and the register."""

from collections import defaultdict
from datetime import date

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from groups.models import User
from sessions import permissions
from sessions.models import Leave


def on_leave(person: User) -> Exists:
    """For a Session queryset: whether the person is on leave on the session's date."""
    return Exists(
        Leave.objects.filter(
            person=person,
            start_date__lte=OuterRef("slot_date"),
            end_date__gte=OuterRef("slot_date"),
        )
    )


def _overlapping_leave(person_ids, first: date, last: date) -> QuerySet[Leave]:
    return Leave.objects.filter(person__in=person_ids, start_date__lte=last, end_date__gte=first)


def unavailable_by_day(person_ids, days: list[date]) -> dict[date, set[int]]:
    """Who is on leave on each of the given days. One query."""
    if not days:
        return {}
    absent: dict[date, set[int]] = defaultdict(set)
    for leave in _overlapping_leave(person_ids, min(days), max(days)):
        for day in days:
            if leave.covers(day):
                absent[day].add(leave.person_id)
    return absent


def current_leave(user: User) -> QuerySet[Leave]:
    """The user's leave that has not ended yet."""
    return permissions.leave_of(user).filter(end_date__gte=timezone.localdate())

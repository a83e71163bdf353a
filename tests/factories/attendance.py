"""Test data for registers: sessions already held, attendance records, and bulk trainees.

Built on tests/session_factories.py, whose "now" (NOW, Monday 2 March 2026 in
Dublin) the attendance tests pin too. Memberships from tests/factories.py start
30 days before that, on 31 January 2026, so the Wednesdays of February fall
within them.
"""

from datetime import date, timedelta

import factory

from attendance.models import Attendance
from attendance.selectors import register_lines
from groups.models import Membership, User
from sessions.models import Session
from tests import factories
from tests.factories import figures
from tests.factories.sessions import SessionFactory

# The last Wednesday before NOW; earlier ones follow it back a week at a time.
LAST_WEDNESDAY = date(2026, 2, 25)


def past_wednesdays(count: int, last: date = LAST_WEDNESDAY) -> list[date]:
    """`count` Wednesdays ending at `last`, oldest first."""
    return [last - timedelta(weeks=i) for i in reversed(range(count))]


class HeldSessionFactory(SessionFactory):
    """A session that has taken place and whose register was taken."""

    slot_date = LAST_WEDNESDAY
    status = Session.Status.HELD


class AttendanceFactory(factory.django.DjangoModelFactory):
    """A member's record of a held session (written directly, without history)."""

    class Meta:
        model = Attendance

    session = factory.SubFactory(HeldSessionFactory)
    person = factory.SubFactory(factories.UserFactory)
    role = Attendance.Role.MEMBER
    status = Attendance.Status.PRESENT
    updated_by = factory.SelfAttribute("person")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        record = super()._create(model_class, *args, **kwargs)
        # Written past the services: the figures table kept as register_save keeps it.
        figures.people_changed(record.session.group.scheme_id, [record.person_id])
        return record


def held_sessions(group, days, **kwargs) -> list[Session]:
    return [HeldSessionFactory(group=group, slot_date=day, **kwargs) for day in days]


def attend(person, sessions, statuses, role=Attendance.Role.MEMBER) -> list[Attendance]:
    """One record per session, with the matching status."""
    assert len(sessions) == len(statuses)
    return [
        AttendanceFactory(session=session, person=person, status=status, role=role)
        for session, status in zip(sessions, statuses, strict=True)
    ]


def bulk_trainees(group, count: int, *, prefix: str = "bulk", start: date | None = None):
    """`count` trainee members of `group`, built in two queries (no sign-in addresses)."""
    people = User.objects.bulk_create(
        User(email=f"{prefix}{i}@example.org", full_name=f"Trainee {prefix} {i:04}", password="!")
        for i in range(count)
    )
    start = start or LAST_WEDNESDAY - timedelta(weeks=8)
    Membership.objects.bulk_create(
        Membership(person=p, group=group, role=Membership.Role.MEMBER, start_date=start)
        for p in people
    )
    figures.people_changed(group.scheme_id, [p.pk for p in people])  # as the services do
    return people


def bulk_records(session, people, status=Attendance.Status.PRESENT) -> list[Attendance]:
    records = Attendance.objects.bulk_create(
        Attendance(session=session, person=p, status=status, updated_by=p) for p in people
    )
    figures.people_changed(session.group.scheme_id, [p.pk for p in people])  # as the services do
    return records


def register_data(session, status):
    """What the register page posts: a status for every line, and the one shown; a
    reason, which the page asks for only when correcting after the session's day."""
    data = {"reason": "Corrected after the day."}
    for line in register_lines(session):
        data[f"status_{line.person.pk}"] = status
        data[f"was_{line.person.pk}"] = line.recorded
    return data

"""Test data for sessions, leave, swaps and calendar tokens.

Kept apart from tests/factories.py (groups) so each app's factories can change
on their own. Session times come from the same pure function the services use,
so a factory session sits at the group's local meeting time.
"""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import factory

from sessions.models import CalendarToken, Leave, Session, SwapRequest
from sessions.schedule.planning import local_span
from tests import factories
from tests.factories import figures

DUBLIN = ZoneInfo("Europe/Dublin")

# "Now" for the session tests: Monday 2 March 2026, 10:00 in Dublin (winter time).
# The groups of tests/factories.py meet on Wednesdays at 09:00.
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=DUBLIN)
TODAY = NOW.date()
# Wednesdays after NOW: 4, 11, 18, 25 March, 1 April (summer time from 29 March) ...
FIRST_WEDNESDAY = date(2026, 3, 4)


def wednesdays(count: int, first: date = FIRST_WEDNESDAY) -> list[date]:
    return [first + timedelta(weeks=i) for i in range(count)]


def _span(obj) -> tuple[datetime, datetime]:
    group = obj.group
    return local_span(
        obj.slot_date, group.start_time, group.duration_minutes, group.scheme.time_zone
    )


class SessionFactory(factory.django.DjangoModelFactory):
    """A scheduled session on a Wednesday after NOW, at the group's usual time."""

    class Meta:
        model = Session

    group = factory.SubFactory(factories.GroupFactory)
    slot_date = factory.Sequence(lambda n: FIRST_WEDNESDAY + timedelta(weeks=n))
    starts_at = factory.LazyAttribute(lambda o: _span(o)[0])
    ends_at = factory.LazyAttribute(lambda o: _span(o)[1])
    status = Session.Status.SCHEDULED
    presenter = None

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        session = super()._create(model_class, *args, **kwargs)
        # Written past the services: the figures table kept as session_add keeps it.
        figures.group_changed(session.group)
        return session


class LeaveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Leave

    person = factory.SubFactory(factories.UserFactory)
    start_date = FIRST_WEDNESDAY
    end_date = factory.LazyAttribute(lambda o: o.start_date)
    kind = Leave.Kind.ANNUAL


class SwapRequestFactory(factory.django.DjangoModelFactory):
    """A pending request: each side is the presenter of its session."""

    class Meta:
        model = SwapRequest

    requester_session = factory.SubFactory(SessionFactory)
    recipient_session = factory.SubFactory(
        SessionFactory, group=factory.SelfAttribute("..requester_session.group")
    )
    requester = factory.SelfAttribute("requester_session.presenter")
    recipient = factory.SelfAttribute("recipient_session.presenter")


class CalendarTokenFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CalendarToken

    person = factory.SubFactory(factories.UserFactory)


# Two presenting dates of the swap tests (tests/sessions/conftest.py): the colleague's first.
EARLY, LATE = date(2026, 3, 4), date(2026, 3, 18)


def presenter_of(session):
    """Who presents at the session now, read afresh."""
    session.refresh_from_db()
    return session.presenter

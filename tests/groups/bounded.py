"""Membership-bounded access (issue 19): the people and dates its tests share.

With the clock at NOW (Monday 2 March 2026), a member whose membership ended yesterday,
one who joins on Wednesday 11 March, and the group's sessions around them (Wednesdays).
"""

from datetime import date, datetime, time

from groups.models import BalintGroup, User
from sessions.models import Session
from tests import factories
from tests.factories.attendance import AttendanceFactory, HeldSessionFactory
from tests.factories.sessions import DUBLIN, SessionFactory

FORMER_START, FORMER_END = date(2026, 1, 5), date(2026, 3, 1)
FUTURE_START = date(2026, 3, 11)
OWN_DAY = date(2026, 2, 25)  # the former member's last session: held, present
NEXT_DAY = date(2026, 3, 4)  # the group's next session: after the former member left
FIRST_DAY = FUTURE_START  # the future member's first session


def morning(day: date) -> datetime:
    """08:00 in Dublin on `day`: the clock for "on that day"."""
    return datetime.combine(day, time(8), DUBLIN)


def former_member(group: BalintGroup) -> User:
    return factories.MembershipFactory(
        group=group, start_date=FORMER_START, end_date=FORMER_END
    ).person


def future_member(group: BalintGroup) -> User:
    return factories.MembershipFactory(group=group, start_date=FUTURE_START).person


def own_session(group: BalintGroup, person: User) -> Session:
    """A held session within the person's membership, where they were present."""
    session = HeldSessionFactory(group=group, slot_date=OWN_DAY)
    AttendanceFactory(session=session, person=person)
    return session


def upcoming_sessions(group: BalintGroup) -> tuple[Session, Session]:
    """The group's next session (4 March) and the future member's first (11 March)."""
    return SessionFactory(group=group, slot_date=NEXT_DAY), SessionFactory(
        group=group, slot_date=FIRST_DAY
    )

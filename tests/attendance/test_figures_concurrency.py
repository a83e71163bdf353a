"""Two registers that count for the same trainee are saved at the same moment, each on
its own connection: the figures table ends with both counted.

Needs PostgreSQL: the row lock taken by attendance.figures.figures_refresh is what
makes the second save recompute after the first has committed.
"""

import pytest

from attendance.figures import compute
from attendance.models import TraineeFigure
from attendance.services import Entry, register_save
from sessions.models import Session
from tests import factories
from tests.concurrency import at_once
from tests.factories.sessions import TODAY, SessionFactory

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("postgres_only", "frozen_now"),
]


def save_together(saves) -> list:
    def saving(actor, session_pk, entries):
        def call(ready):
            session = Session.objects.get(pk=session_pk)
            ready()
            return register_save(actor=actor, session=session, entries=entries).changes

        return call

    return at_once(*(saving(*save) for save in saves))


@pytest.mark.parametrize("attempt", range(5))
def test_two_groups_registers_for_one_trainee_at_once_both_count(attempt):
    """The trainee is in two groups of the scheme; both leaders save today's register."""
    scheme = factories.SchemeFactory()
    trainee = factories.UserFactory()
    saves = []
    for _ in range(2):
        group = factories.GroupFactory(scheme=scheme)
        leader = factories.LeaderFactory(group=group).person
        factories.MembershipFactory(group=group, person=trainee)
        session = SessionFactory(group=group, slot_date=TODAY)
        saves.append((leader, session.pk, [Entry(trainee.pk, "", "present")]))

    assert save_together(saves) == [1, 1]

    row = TraineeFigure.objects.get(scheme=scheme, person=trainee)
    assert (row.counted, row.recorded) == (2, 2)
    assert row.counted == compute(scheme)[trainee.pk].counted

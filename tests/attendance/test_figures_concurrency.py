"""Two registers that count for the same trainee are saved at the same moment, each on
its own connection: the figures table ends with both counted.

Needs PostgreSQL: the row lock taken by attendance.figures.figures_refresh is what
makes the second save recompute after the first has committed.
"""

import threading

import pytest
from django.db import connection

from attendance.figures import compute
from attendance.models import TraineeFigure
from attendance.services import Entry, register_save
from sessions.models import Session
from tests import factories
from tests.factories.sessions import TODAY, SessionFactory

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("postgres_only", "frozen_now"),
]


def save_together(saves) -> list:
    barrier = threading.Barrier(len(saves))
    results = [None] * len(saves)

    def run(index, actor, session_pk, entries):
        try:
            session = Session.objects.get(pk=session_pk)
            barrier.wait(timeout=30)
            results[index] = register_save(actor=actor, session=session, entries=entries).changes
        except Exception as exc:  # judged by the test
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, *save)) for i, save in enumerate(saves)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return results


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

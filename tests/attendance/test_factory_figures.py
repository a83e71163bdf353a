"""The factories' figures (tests/factories/figures.py): noted while a test builds its data
and applied once, before anything could see the table; at once where other connections
read the test's data."""

import pytest
from django.db import IntegrityError, transaction

import attendance.figures
from attendance.figures import compute
from attendance.models import Attendance, TraineeFigure
from tests import factories
from tests.factories.attendance import attend, held_sessions, past_wednesdays

pytestmark = pytest.mark.usefixtures("frozen_now")


def attended_three(group):
    trainee = factories.MembershipFactory(group=group).person
    attend(trainee, held_sessions(group, past_wednesdays(3)), [Attendance.Status.PRESENT] * 3)
    return trainee


def test_the_notes_are_applied_once_as_the_table_is_read(group, refreshes):
    trainee = attended_three(group)
    assert refreshes == []  # a membership, three sessions and three records: noted only

    row = TraineeFigure.objects.get(person=trainee)

    assert len(refreshes) == 1
    assert (row.counted, row.recorded) == (3, 3)
    assert compute(group.scheme)[trainee.pk].values() == {
        name: getattr(row, name) for name in attendance.figures.VALUE_FIELDS
    }


def test_a_rolled_back_savepoint_does_not_take_the_notes_with_it(group):
    trainee = attended_three(group)

    with pytest.raises(IntegrityError), transaction.atomic():
        TraineeFigure.objects.filter(person=trainee).update(counted=9)  # more than recorded

    assert TraineeFigure.objects.get(person=trainee).counted == 3


def test_a_count_of_queries_starts_after_the_notes(group, django_assert_num_queries):
    trainee = attended_three(group)
    with django_assert_num_queries(1):
        row = TraineeFigure.objects.get(person=trainee)
    assert row.counted == 3


def test_where_other_connections_read_a_factory_refreshes_at_once(transactional_db, refreshes):
    group = factories.GroupFactory()
    trainee = factories.MembershipFactory(group=group).person
    assert refreshes == [[trainee.pk]]

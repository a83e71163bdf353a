"""The factories' figures (tests/factories/figures.py): while fixtures build a test's
data they are noted and applied once, as the test starts or when a fixture reads the
table; in the test's body factories refresh at once, as the services do."""

import pytest

import attendance.figures
from attendance.models import Attendance, TraineeFigure
from tests import factories
from tests.factories.attendance import attend, held_sessions, past_wednesdays

pytestmark = pytest.mark.usefixtures("frozen_now")


@pytest.fixture
def refreshes(monkeypatch):
    calls = []
    refresh = attendance.figures.figures_refresh

    def counted(**kwargs):
        calls.append(kwargs.get("people"))
        return refresh(**kwargs)

    monkeypatch.setattr(attendance.figures, "figures_refresh", counted)
    return calls


@pytest.fixture
def attended_three(refreshes, group):
    trainee = factories.MembershipFactory(group=group).person
    attend(trainee, held_sessions(group, past_wednesdays(3)), [Attendance.Status.PRESENT] * 3)
    assert refreshes == []  # noted only
    return trainee


@pytest.fixture
def read_in_a_fixture(attended_three):
    return TraineeFigure.objects.get(person=attended_three)


def test_the_fixtures_rows_are_refreshed_once_as_the_test_starts(attended_three, refreshes):
    # One refresh for the membership, three sessions and three records.
    assert len(refreshes) == 1
    row = TraineeFigure.objects.get(person=attended_three)
    assert (row.counted, row.recorded) == (3, 3)


def test_a_fixture_reading_the_table_sees_the_rows_made_before_it(read_in_a_fixture):
    assert (read_in_a_fixture.counted, read_in_a_fixture.recorded) == (3, 3)


def test_in_the_test_body_a_factory_refreshes_at_once(group, refreshes):
    trainee = factories.MembershipFactory(group=group).person
    assert refreshes == [[trainee.pk]]

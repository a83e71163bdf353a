"""groups.figures_hooks.figures_deferred: a writer of many registers at once (seed_demo)
projects the figures once, when its block ends, and the table then agrees with the
registers as if each save had refreshed it."""

import pytest
from django.db import transaction

from attendance import services
from attendance.models import TraineeFigure
from groups.figures_hooks import figures_changed, figures_deferred
from tests.attendance.test_figures_table import assert_agrees
from tests.factories.attendance import past_wednesdays
from tests.factories.sessions import SessionFactory

pytestmark = pytest.mark.usefixtures("frozen_now")


@pytest.fixture
def sessions(group) -> list:
    """Three sessions gone by, their registers not taken."""
    return [SessionFactory(group=group, slot_date=day) for day in past_wednesdays(3)]


def save_registers(leader, sessions, people) -> None:
    for session in sessions:
        entries = [services.Entry(person_id=p.pk, was="", status="present") for p in people]
        services.register_save(actor=leader, session=session, entries=entries)


def counted(person) -> int:
    return TraineeFigure.objects.get(person=person).counted


def test_registers_saved_in_the_block_refresh_the_figures_once_at_its_end(
    scheme, leader, trainee, co_leader, sessions, refreshes
):
    with figures_deferred():
        save_registers(leader, sessions, [trainee, co_leader])
        assert refreshes == []
        assert counted(trainee) == 0  # not projected yet
    assert refreshes == [[trainee.pk]]  # the co-leader's presence is not a trainee's figure
    assert assert_agrees(scheme)[trainee.pk]["counted"] == 3


def test_a_whole_scheme_noted_takes_in_the_people_noted_before_and_after(
    scheme, trainee, refreshes
):
    with figures_deferred():
        figures_changed(scheme.pk, [trainee.pk])
        figures_changed(scheme.pk)
        figures_changed(scheme.pk, [trainee.pk])
    assert refreshes == [None]


def test_an_inner_block_leaves_the_projection_to_the_outer_one(
    scheme, leader, trainee, sessions, refreshes
):
    first, second = sessions[:2]
    with figures_deferred():
        with figures_deferred():
            save_registers(leader, [first], [trainee])
        assert refreshes == []
        save_registers(leader, [second], [trainee])
    assert refreshes == [[trainee.pk]]
    assert counted(trainee) == 2


def test_a_block_that_fails_projects_nothing_and_the_next_write_projects_at_once(
    scheme, leader, trainee, sessions, refreshes
):
    first, second = sessions[:2]
    with pytest.raises(RuntimeError), transaction.atomic(), figures_deferred():
        save_registers(leader, [first], [trainee])
        raise RuntimeError("the writer failed")
    assert refreshes == []
    save_registers(leader, [second], [trainee])  # no longer deferred
    assert refreshes == [[trainee.pk]]
    assert assert_agrees(scheme)[trainee.pk]["counted"] == 1

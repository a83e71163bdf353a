"""The scheme overview's figures are cached, and every kind of change refreshes them."""

import pytest
import time_machine

from attendance import services
from attendance.selectors import scheme_figures
from groups.versions import bump_figures
from tests import factories
from tests.attendance_factories import attend, held_sessions, past_wednesdays
from tests.session_factories import NOW, SessionFactory


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


def counted(scheme, person):
    return scheme_figures(scheme)[person.pk].counted


def test_a_second_read_comes_from_the_cache(scheme, group, trainee, django_assert_num_queries):
    attend(trainee, held_sessions(group, past_wednesdays(2)), ["present", "present"])
    scheme_figures(scheme)

    with django_assert_num_queries(0):
        assert counted(scheme, trainee) == 2


def test_a_register_saved_through_the_service_refreshes_the_figures(scheme, group, trainee, leader):
    session = SessionFactory(group=group, slot_date=past_wednesdays(1)[0])
    assert counted(scheme, trainee) == 0

    services.register_save(
        actor=leader,
        session=session,
        entries=[services.Entry(person_id=trainee.pk, was="", status="present")],
    )

    assert counted(scheme, trainee) == 1


def test_an_edit_outside_the_services_refreshes_them_too(scheme, group, trainee):
    (record,) = attend(trainee, held_sessions(group, past_wednesdays(1)), ["absent"])
    assert counted(scheme, trainee) == 0

    record.status = "present"
    record.save()  # as the admin would

    assert counted(scheme, trainee) == 1


def test_a_new_membership_appears(scheme, group):
    scheme_figures(scheme)
    newcomer = factories.MembershipFactory(group=group).person

    assert newcomer.pk in scheme_figures(scheme)


def test_a_changed_requirement_is_a_different_entry(scheme, group, trainee):
    attend(trainee, held_sessions(group, past_wednesdays(2)), ["present", "present"])
    assert scheme_figures(scheme)[trainee.pk].status != "complete"

    scheme.sessions_required = 2
    assert scheme_figures(scheme)[trainee.pk].status == "complete"


def test_bulk_writes_need_an_explicit_bump(scheme, group, trainee):
    from attendance.models import Attendance

    session = held_sessions(group, past_wednesdays(1))[0]
    scheme_figures(scheme)
    Attendance.objects.bulk_create(
        [Attendance(session=session, person=trainee, status="present", updated_by=trainee)]
    )
    assert counted(scheme, trainee) == 0  # no signal from bulk_create: still the cached figure

    bump_figures()

    assert counted(scheme, trainee) == 1

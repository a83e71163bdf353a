"""Guests and combined sessions count exactly once toward the requirement, under both
settings of the scheme's counting rule, and the progress page, the figures table and the
certificate agree."""

import pytest

from attendance import services
from attendance.certificate_selectors import certificate_snapshot
from attendance.figures import compute
from attendance.models import Attendance, Requirement, TraineeFigure
from attendance.progress import progress_for
from attendance.services import Entry
from sessions.models import SchemeSettings
from tests.factories.attendance import held_sessions, past_wednesdays
from tests.factories.sessions import SessionFactory

pytestmark = pytest.mark.usefixtures("frozen_now")


@pytest.fixture
def rule(scheme):
    """Set the scheme's rule: 2 sessions required, guests counting or not."""

    def set_rule(guests_count: bool) -> None:
        Requirement.objects.filter(scheme=scheme).update(
            sessions_required=2, guest_sessions_count=guests_count
        )
        scheme.refresh_from_db()

    return set_rule


def save(actor, session, person, status="present"):
    return services.register_save(
        actor=actor, session=session, entries=[Entry(person.pk, "", status)]
    )


def counted(trainee, scheme) -> tuple[int, int, int]:
    """The count on the progress page, in the figures table, and recomputed."""
    stored = TraineeFigure.objects.get(scheme=scheme, person=trainee).counted
    return (
        progress_for(trainee, scheme).count,
        stored,
        compute(scheme, [trainee.pk])[trainee.pk].counted,
    )


def a_guest_visit(trainee, other_group, other_group_leader, scheme):
    """The trainee attends another group's held session as an accepted guest."""
    SchemeSettings.objects.filter(scheme=scheme).update(guests_need_approval=False)
    visited = SessionFactory(group=other_group, slot_date=past_wednesdays(1)[0])
    # Asked before the day (the clock is frozen after it: write the request directly).
    visited.guest_requests.create(person=trainee, status="accepted")
    save(other_group_leader, visited, trainee)
    return visited


@pytest.mark.parametrize(("guests_count", "expected"), [(True, 2), (False, 1)])
def test_a_guest_visit_counts_once_when_the_rule_says_so(
    rule, guests_count, expected, group, leader, trainee, other_group, other_group_leader, scheme
):
    rule(guests_count)
    own = held_sessions(group, past_wednesdays(2)[:1])[0]
    save(leader, own, trainee)

    a_guest_visit(trainee, other_group, other_group_leader, scheme)

    assert Attendance.objects.get(person=trainee, role="guest").status == "present"
    assert counted(trainee, scheme) == (expected, expected, expected)


@pytest.mark.parametrize("guests_count", [True, False])
def test_the_certificate_states_what_the_figures_count(
    rule, guests_count, group, leader, trainee, other_group, other_group_leader, scheme
):
    from django.core.exceptions import ValidationError

    rule(guests_count)
    own = held_sessions(group, past_wednesdays(3)[:1])[0]
    save(leader, own, trainee)
    a_guest_visit(trainee, other_group, other_group_leader, scheme)

    if guests_count:
        assert certificate_snapshot(trainee, scheme)["sessions_counted"] == 2
    else:
        with pytest.raises(ValidationError, match="1 of 2"):
            certificate_snapshot(trainee, scheme)


def test_a_combined_session_counts_once_for_both_groups(
    rule, group, leader, trainee, other_group, other_group_leader, scheme
):
    rule(True)
    day = past_wednesdays(1)[0]
    own = SessionFactory(group=group, slot_date=day)
    host = SessionFactory(group=other_group, slot_date=day)
    # Combined before the day (the frozen clock is after it: set it directly).
    own.combined_into = host
    own.save(update_fields=["combined_into"])

    save(other_group_leader, host, trainee)

    own.refresh_from_db()
    assert own.status == "held"  # held with its host
    assert Attendance.objects.filter(person=trainee).count() == 1
    assert counted(trainee, scheme) == (1, 1, 1)


def test_the_leader_of_a_combined_group_takes_the_hosts_register(
    group, leader, trainee, other_group, scheme
):
    day = past_wednesdays(1)[0]
    own = SessionFactory(group=group, slot_date=day)
    host = SessionFactory(group=other_group, slot_date=day)
    own.combined_into = host
    own.save(update_fields=["combined_into"])

    save(leader, host, trainee)

    assert Attendance.objects.get(person=trainee).session == host


def test_the_leader_of_a_combined_group_opens_the_hosts_register_page(
    client, group, leader, trainee, other_group
):
    day = past_wednesdays(1)[0]
    own = SessionFactory(group=group, slot_date=day)
    host = SessionFactory(group=other_group, slot_date=day)
    own.combined_into = host
    own.save(update_fields=["combined_into"])
    client.force_login(leader)

    response = client.get(f"/sessions/{host.pk}/register/")

    assert response.status_code == 200
    assert trainee.full_name in response.content.decode()


def test_a_guest_cannot_be_on_a_register_without_an_accepted_request(
    group, trainee, other_group, other_group_leader
):
    from django.core.exceptions import ValidationError

    visited = SessionFactory(group=other_group, slot_date=past_wednesdays(1)[0])
    visited.guest_requests.create(person=trainee, status="pending")

    with pytest.raises(ValidationError, match="not in the group"):
        save(other_group_leader, visited, trainee)

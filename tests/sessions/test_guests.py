"""Guests and combined sessions (sessions.guests.services): who may visit which session,
who answers, the register they land on, and the news each sends once."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from attendance.selectors import register_lines
from balint.models import OutboundEmail
from groups.models import Membership
from sessions.guests import selectors, services
from sessions.models import GuestRequest, SchemeSettings, Session
from tests import factories
from tests.factories.sessions import SessionFactory, wednesdays

pytestmark = pytest.mark.usefixtures("frozen_now")
DAY = wednesdays(2)[1]


@pytest.fixture
def visited(other_group):
    return SessionFactory(group=other_group, slot_date=DAY)


@pytest.fixture
def own(group):
    return SessionFactory(group=group, slot_date=DAY)


def ask(person, session):
    return services.guest_request_make(person=person, session=session)


def test_a_trainee_asks_and_the_visited_groups_leaders_are_told(
    trainee, visited, other_group_leader
):
    made = ask(trainee, visited)

    assert made.status == GuestRequest.Status.PENDING
    told = OutboundEmail.objects.filter(kind="guest_request")
    assert [m.to for m in told] == [other_group_leader.email]
    assert trainee.full_name in told.get().subject


def test_a_group_without_a_leader_that_day_has_the_schemes_organisers_told(
    trainee, visited, scheme, other_group
):
    """Else the request would wait unseen: organisers may answer it too."""
    organisers = [factories.OrganiserFactory(scheme=scheme).person for _ in range(2)]
    factories.OrganiserFactory()  # another scheme's
    factories.LeaderFactory(group=other_group, end_date=DAY - timedelta(days=1))  # gone by then

    ask(trainee, visited)

    told = OutboundEmail.objects.filter(kind="guest_request").order_by("to")
    assert [m.to for m in told] == sorted(o.email for o in organisers)
    assert all(f"/groups/{other_group.pk}/guests/" in m.body_text for m in told)


def test_without_approval_the_guest_is_on_the_register_at_once(trainee, visited, scheme):
    SchemeSettings.objects.filter(scheme=scheme).update(guests_need_approval=False)

    made = ask(trainee, visited)

    assert made.status == GuestRequest.Status.ACCEPTED
    assert [(line.person, line.role) for line in register_lines(visited) if line.is_guest] == [
        (trainee, "guest")
    ]
    assert OutboundEmail.objects.get(kind="guest_request").to == trainee.email


def test_a_pending_guest_is_not_on_the_register(trainee, visited):
    ask(trainee, visited)

    assert trainee not in [line.person for line in register_lines(visited)]


def test_the_leader_accepts_and_the_guest_is_told_once(trainee, visited, other_group_leader):
    request = ask(trainee, visited)

    services.guest_request_decide(actor=other_group_leader, request=request, accept=True)

    assert GuestRequest.objects.get().status == GuestRequest.Status.ACCEPTED
    assert trainee in [line.person for line in register_lines(visited) if line.is_guest]
    assert OutboundEmail.objects.filter(kind="guest_request", to=trainee.email).count() == 1
    with pytest.raises(ValidationError, match="answered already"):
        services.guest_request_decide(actor=other_group_leader, request=request, accept=False)


def test_a_declined_guest_stays_off_the_register(trainee, visited, other_group_leader):
    request = ask(trainee, visited)
    services.guest_request_decide(actor=other_group_leader, request=request, accept=False)

    assert trainee not in [line.person for line in register_lines(visited)]


@pytest.mark.parametrize("who", ["leader", "trainee"])
def test_only_the_visited_groups_leaders_or_organisers_answer(request, who, trainee, visited):
    made = ask(trainee, visited)

    with pytest.raises(PermissionDenied):
        services.guest_request_decide(actor=request.getfixturevalue(who), request=made, accept=True)


def test_an_organiser_may_answer(organiser, trainee, visited):
    made = ask(trainee, visited)

    assert services.guest_request_decide(actor=organiser, request=made, accept=True).status == (
        GuestRequest.Status.ACCEPTED
    )


def test_no_visiting_ones_own_group(trainee, own):
    with pytest.raises(ValidationError, match="your own group"):
        ask(trainee, own)


def test_another_schemes_trainee_cannot_visit(visited):
    outsider = factories.MembershipFactory().person

    with pytest.raises(PermissionDenied):
        ask(outsider, visited)
    assert visited not in selectors.sessions_to_visit(outsider)


def test_a_leader_is_not_a_guest(leader, visited):
    with pytest.raises(PermissionDenied):
        ask(leader, visited)


def test_asking_twice_is_refused(trainee, visited):
    ask(trainee, visited)

    with pytest.raises(ValidationError, match="already asked"):
        ask(trainee, visited)


def test_a_past_or_cancelled_session_takes_no_guest(trainee, other_group):
    cancelled = SessionFactory(
        group=other_group, slot_date=DAY, status=Session.Status.CANCELLED, cancel_reason="Snow"
    )
    with pytest.raises(ValidationError, match="upcoming"):
        ask(trainee, cancelled)


def test_the_guest_withdraws_and_leaves_the_register(trainee, visited, scheme):
    SchemeSettings.objects.filter(scheme=scheme).update(guests_need_approval=False)
    made = ask(trainee, visited)

    services.guest_request_withdraw(actor=trainee, request=made)

    assert trainee not in [line.person for line in register_lines(visited)]
    with pytest.raises(PermissionDenied):
        services.guest_request_withdraw(actor=factories.UserFactory(), request=made)


def test_sessions_to_visit_are_other_groups_of_the_scheme_ahead(trainee, own, visited):
    far = SessionFactory(group=visited.group, slot_date=wednesdays(1, DAY.replace(month=9))[0])

    assert list(selectors.sessions_to_visit(trainee)) == [visited]
    assert far not in selectors.sessions_to_visit(trainee)


# --- Combined sessions -------------------------------------------------------------------


def test_a_leader_combines_and_both_groups_are_expected_on_the_hosts_register(
    leader, trainee, own, visited, other_group_leader
):
    visitor = factories.MembershipFactory(group=visited.group).person

    services.session_combine(actor=leader, session=own, host=visited)

    people = {line.person: line.role for line in register_lines(visited)}
    assert people[trainee] == Membership.Role.MEMBER
    assert people[visitor] == Membership.Role.MEMBER
    assert people[leader] == Membership.Role.LEADER  # the combined group's leader leads too
    assert people[other_group_leader] == Membership.Role.LEADER
    told = set(OutboundEmail.objects.filter(kind="session_combined").values_list("to", flat=True))
    assert {trainee.email, visitor.email, leader.email, other_group_leader.email} <= told


def test_a_combined_session_takes_no_register_of_its_own(leader, own, visited):
    from attendance.permissions import register_is_open

    services.session_combine(actor=leader, session=own, host=visited)

    own.refresh_from_db()
    assert not register_is_open(own)


def test_only_a_same_day_session_of_the_scheme_hosts(leader, group, other_group, own):
    later = SessionFactory(group=other_group, slot_date=wednesdays(3)[2])
    elsewhere = SessionFactory(slot_date=DAY)

    for host in (later, elsewhere):
        with pytest.raises(ValidationError, match="same date"):
            services.session_combine(actor=leader, session=own, host=host)
    assert Session.objects.get(pk=own.pk).combined_into is None


def test_a_trainee_cannot_combine(trainee, own, visited):
    with pytest.raises(PermissionDenied):
        services.session_combine(actor=trainee, session=own, host=visited)


def test_separating_gives_the_group_its_own_register_again(leader, trainee, own, visited):
    services.session_combine(actor=leader, session=own, host=visited)
    services.session_separate(actor=leader, session=own)

    assert trainee not in [line.person for line in register_lines(visited)]
    assert trainee in [line.person for line in register_lines(own)]


# --- Who is expected ---------------------------------------------------------------------


def test_accepted_guests_and_combined_groups_are_expected_at_the_host(
    leader, trainee, own, visited, scheme
):
    from sessions.schedule.selectors import expected_rows

    guest = factories.MembershipFactory(group=trainee.memberships.get().group).person
    SchemeSettings.objects.filter(scheme=scheme).update(guests_need_approval=False)
    before = expected_rows([visited])[visited.pk].expected
    ask(guest, visited)
    assert expected_rows([visited])[visited.pk].expected == before + 1

    services.session_combine(actor=leader, session=own, host=visited)

    row = expected_rows([visited])[visited.pk]
    assert trainee in row.members
    # The guest is now expected as a member of the combined group: once, not twice.
    assert row.expected == before + 2


def test_a_guest_of_a_session_then_combined_comes_to_the_host(leader, own, visited, scheme):
    from sessions.schedule.selectors import expected_rows

    SchemeSettings.objects.filter(scheme=scheme).update(guests_need_approval=False)
    third = factories.GroupFactory(scheme=scheme)
    guest = factories.MembershipFactory(group=third).person  # visits `own`
    ask(guest, own)
    before = expected_rows([visited])[visited.pk]

    services.session_combine(actor=leader, session=own, host=visited)

    assert guest in [line.person for line in register_lines(visited) if line.is_guest]
    after = expected_rows([visited])[visited.pk]
    assert (after.guests, before.guests) == (1, 0)

"""The access predicates and queryset scopes in groups/permissions.py."""

from datetime import timedelta

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from groups import permissions
from groups.models import Membership
from tests import factories


def test_anonymous_sees_nothing(group, leader, trainee, organiser):
    factories.InvitationFactory(scheme=group.scheme, group=group)
    anonymous = AnonymousUser()

    assert not permissions.schemes_organised_by(anonymous).exists()
    assert not permissions.groups_visible_to(anonymous).exists()
    assert not permissions.groups_managed_by(anonymous).exists()
    assert not permissions.groups_led_by(anonymous).exists()
    assert not permissions.memberships_managed_by(anonymous).exists()
    assert not permissions.invitations_managed_by(anonymous).exists()
    assert not permissions.can_lead_group(anonymous, group)
    assert not permissions.is_organiser(anonymous, group.scheme)


def test_organiser_scopes_cover_their_scheme(scheme, group, other_group, organiser, trainee):
    invitation = factories.InvitationFactory(scheme=scheme, group=group)

    assert list(permissions.schemes_organised_by(organiser)) == [scheme]
    assert set(permissions.groups_visible_to(organiser)) == {group, other_group}
    assert set(permissions.groups_managed_by(organiser)) == {group, other_group}
    assert list(permissions.memberships_managed_by(organiser)) == [trainee.memberships.get()]
    assert list(permissions.invitations_managed_by(organiser)) == [invitation]
    assert permissions.is_organiser(organiser, scheme)
    assert permissions.can_manage_group(organiser, group)


def test_organiser_of_scheme_a_sees_nothing_of_scheme_b(group, trainee, other_scheme_organiser):
    factories.InvitationFactory(scheme=group.scheme, group=group)
    their_group = factories.GroupFactory(scheme=other_scheme_organiser.organiser_roles.get().scheme)

    assert list(permissions.groups_visible_to(other_scheme_organiser)) == [their_group]
    assert list(permissions.groups_managed_by(other_scheme_organiser)) == [their_group]
    assert not permissions.memberships_managed_by(other_scheme_organiser).exists()
    assert not permissions.invitations_managed_by(other_scheme_organiser).exists()
    assert not permissions.is_organiser(other_scheme_organiser, group.scheme)
    assert not permissions.can_manage_group(other_scheme_organiser, group)


def test_organiser_of_two_schemes_sees_both(group):
    person = factories.OrganiserFactory(scheme=group.scheme).person
    second = factories.OrganiserFactory(person=person).scheme

    assert set(permissions.schemes_organised_by(person)) == {group.scheme, second}


def test_trainee_sees_only_their_own_groups(group, other_group, trainee):
    assert list(permissions.groups_visible_to(trainee)) == [group]
    assert not permissions.groups_managed_by(trainee).exists()
    assert not permissions.groups_led_by(trainee).exists()
    assert not permissions.memberships_managed_by(trainee).exists()
    assert not permissions.invitations_managed_by(trainee).exists()
    assert not permissions.can_manage_group(trainee, group)
    assert not permissions.can_lead_group(trainee, group)
    assert not permissions.schemes_organised_by(trainee).exists()


def test_a_former_member_no_longer_reads_the_group_but_still_finds_it(group):
    """Membership-bounded access (issue 19): the group's people and sessions are for its
    current members; the group's page still tells a former member when they left."""
    today = timezone.localdate()
    former = factories.MembershipFactory(
        group=group, start_date=today - timedelta(days=200), end_date=today - timedelta(days=80)
    ).person

    assert not permissions.groups_visible_to(former).exists()
    assert list(permissions.groups_visible_to(former, today - timedelta(days=80))) == [group]
    assert list(permissions.groups_known_to(former)) == [group]


def test_a_group_is_listed_once_for_someone_with_several_memberships(group):
    today = timezone.localdate()
    person = factories.MembershipFactory(
        group=group, start_date=today - timedelta(days=200), end_date=today - timedelta(days=100)
    ).person
    factories.MembershipFactory(group=group, person=person, start_date=today)
    factories.OrganiserFactory(scheme=group.scheme, person=person)

    assert list(permissions.groups_visible_to(person)) == [group]


def test_leader_leads_their_group_only(group, other_group, leader):
    assert list(permissions.groups_led_by(leader)) == [group]
    assert permissions.can_lead_group(leader, group)
    assert not permissions.can_lead_group(leader, other_group)
    assert list(permissions.groups_visible_to(leader)) == [group]
    # Leading is not managing: settings and memberships belong to the organisers.
    assert not permissions.can_manage_group(leader, group)
    assert not permissions.memberships_managed_by(leader).exists()


def test_co_leader_leads(group):
    co_leader = factories.MembershipFactory(group=group, role=Membership.Role.CO_LEADER).person

    assert permissions.can_lead_group(co_leader, group)
    assert list(permissions.groups_led_by(co_leader)) == [group]


def test_only_current_leaders_lead(group):
    today = timezone.localdate()
    former = factories.LeaderFactory(
        group=group, start_date=today - timedelta(days=100), end_date=today - timedelta(days=1)
    ).person
    future = factories.LeaderFactory(group=group, start_date=today + timedelta(days=1)).person

    assert not permissions.can_lead_group(former, group)
    assert not permissions.can_lead_group(future, group)
    assert not permissions.groups_led_by(former).exists()
    assert not permissions.groups_led_by(future).exists()
    assert list(permissions.groups_led_by(future, today + timedelta(days=1))) == [group]


def test_leader_whose_term_ends_today_still_leads(group):
    today = timezone.localdate()
    leader = factories.LeaderFactory(group=group, end_date=today).person

    assert permissions.can_lead_group(leader, group)


def test_visibility_is_a_lookup_per_group_not_a_join_of_every_membership(trainee):
    """EXISTS per group: a session looked up through the scope costs an index probe,
    where joins and DISTINCT scanned every membership of the scheme."""
    sql = str(permissions.groups_visible_to(trainee).query).upper()

    assert "EXISTS" in sql
    assert "DISTINCT" not in sql
    assert "GROUPS_MEMBERSHIP" not in sql.split("WHERE")[0]  # no join to memberships

"""`/`: one home page that shows each person the roles they hold."""

from datetime import timedelta

import pytest
from django.utils import timezone

from groups.models import Membership
from tests import factories
from tests.access import assert_sign_in_first

# Session, user, the person's current memberships with their groups, those groups'
# rosters, the schemes they organise (shared with the navigation), those schemes with
# their counts, their groups needing attention (which, then the first ten), and the
# latest undelivered mail to the person.
HOME_QUERIES = 9
# Someone who organises nothing: no scheme queries beyond the navigation's.
TRAINEE_HOME_QUERIES = 6


def test_anonymous_is_sent_to_sign_in(client):
    assert_sign_in_first(client, "/")


@pytest.mark.parametrize(
    "role", ["trainee", "leader", "other_group_leader", "organiser", "other_scheme_organiser"]
)
def test_every_role_gets_a_home_page(client, request, role):
    client.force_login(request.getfixturevalue(role))
    response = client.get("/")
    assert response.status_code == 200
    assert "groups/home.html" in [t.name for t in response.templates]


def test_someone_without_a_role_is_told_so(client, stranger):
    client.force_login(stranger)
    response = client.get("/")
    assert response.status_code == 200
    assert response.context["home"].is_empty
    assert "You do not belong to any Balint group yet" in response.content.decode()


def test_trainee_sees_their_group_and_fellow_members(client, group, trainee, leader):
    fellow = factories.MembershipFactory(group=group, person__full_name="Niamh Fellow").person
    elsewhere = factories.MembershipFactory(person__full_name="Oisin Elsewhere").person

    client.force_login(trainee)
    response = client.get("/")

    home = response.context["home"]
    assert home.member_groups == [group]
    assert home.led_groups == []
    assert home.organised_schemes == []
    assert {m.person for m in home.member_groups[0].current_memberships} == {
        trainee,
        fellow,
        leader,
    }
    content = response.content.decode()
    assert "Your groups" in content
    assert group.name in content
    assert "Niamh Fellow" in content
    assert "Oisin Elsewhere" not in content
    assert elsewhere not in {m.person for m in home.member_groups[0].current_memberships}
    assert "Groups you lead" not in content


def test_trainee_does_not_see_former_or_future_fellow_members(client, group, trainee):
    today = timezone.localdate()
    factories.MembershipFactory(
        group=group,
        person__full_name="Former Fellow",
        start_date=today - timedelta(days=120),
        end_date=today - timedelta(days=1),
    )
    factories.MembershipFactory(
        group=group, person__full_name="Future Fellow", start_date=today + timedelta(days=1)
    )

    client.force_login(trainee)
    content = client.get("/").content.decode()

    assert "Former Fellow" not in content
    assert "Future Fellow" not in content


def test_trainee_whose_membership_ended_no_longer_sees_the_group(client, group):
    today = timezone.localdate()
    former = factories.MembershipFactory(
        group=group, start_date=today - timedelta(days=120), end_date=today - timedelta(days=1)
    ).person

    client.force_login(former)
    response = client.get("/")

    assert response.context["home"].member_groups == []
    assert response.context["home"].is_empty


def test_leader_sees_the_groups_they_lead(client, group, leader, other_group):
    client.force_login(leader)
    response = client.get("/")

    home = response.context["home"]
    assert home.led_groups == [group]
    assert home.member_groups == []
    content = response.content.decode()
    assert "Groups you lead" in content
    assert group.name in content
    assert other_group.name not in content


def test_leader_is_warned_when_the_group_is_below_its_minimum(client, group, leader, trainee):
    client.force_login(leader)
    response = client.get("/")

    (led,) = response.context["home"].led_groups
    assert led.member_count == 1  # the leader does not count as a member
    assert led.size_warning == "Below the minimum of 6 members."
    assert "Below the minimum of 6 members." in response.content.decode()


def test_leader_is_warned_when_the_group_is_above_its_maximum(client, group, leader):
    group.min_members, group.max_members = 2, 3
    group.save()
    factories.MembershipFactory.create_batch(4, group=group)

    client.force_login(leader)
    response = client.get("/")

    (led,) = response.context["home"].led_groups
    assert led.member_count == 4
    assert "Above the maximum of 3 members." in response.content.decode()


def test_leader_sees_no_warning_within_the_bounds(client, group, leader):
    group.min_members, group.max_members = 2, 3
    group.save()
    factories.MembershipFactory.create_batch(3, group=group)
    today = timezone.localdate()
    # Former and future members do not count.
    factories.MembershipFactory(
        group=group, start_date=today - timedelta(days=90), end_date=today - timedelta(days=1)
    )
    factories.MembershipFactory(group=group, start_date=today + timedelta(days=1))

    client.force_login(leader)
    response = client.get("/")

    (led,) = response.context["home"].led_groups
    assert led.member_count == 3
    assert led.size_warning == ""
    content = response.content.decode()
    assert "Below the minimum" not in content
    assert "Above the maximum" not in content


def test_organiser_sees_groups_and_pending_invitations(
    client, scheme, group, other_group, organiser
):
    factories.InvitationFactory(scheme=scheme, group=group)
    factories.InvitationFactory(scheme=scheme, group=group)
    factories.InvitationFactory(scheme=scheme, group=group, revoked_at=timezone.now())
    factories.InvitationFactory(scheme=scheme, group=group, accepted_at=timezone.now())
    factories.InvitationFactory(
        scheme=scheme, group=group, expires_at=timezone.now() - timedelta(minutes=1)
    )
    other_scheme_group = factories.GroupFactory()
    factories.InvitationFactory(scheme=other_scheme_group.scheme, group=other_scheme_group)

    client.force_login(organiser)
    response = client.get("/")

    (organised,) = response.context["home"].organised_schemes
    assert organised == scheme
    assert organised.pending_invitations == 2
    # Both are below the minimum of 6, so both need attention.
    assert organised.attention_groups == sorted([group, other_group], key=lambda g: g.name)
    assert organised.group_count == 2
    content = response.content.decode()
    assert scheme.name in content
    assert group.name in content
    assert other_group.name in content
    assert other_scheme_group.name not in content
    assert "2 groups" in content
    assert "2 pending invitations" in content
    assert f'href="/schemes/{scheme.pk}/"' in content


def test_organiser_sees_only_groups_outside_their_size_range(client, scheme, organiser):
    """A national scheme has 500 groups: home names the ones needing attention, the first
    ten by name, and says how many there are; the scheme page lists them all."""
    small = [factories.GroupFactory(scheme=scheme, name=f"Small {i:02}") for i in range(12)]
    for group in small:
        factories.MembershipFactory.create_batch(2, group=group)
    crowded = factories.GroupFactory(scheme=scheme, name="Crowded", max_members=6)
    factories.MembershipFactory.create_batch(7, group=crowded)
    healthy = factories.GroupFactory(scheme=scheme, name="Healthy")
    factories.MembershipFactory.create_batch(6, group=healthy)
    factories.MembershipFactory(  # ended: does not count toward the size
        group=healthy, end_date=timezone.localdate() - timedelta(days=1)
    )
    factories.GroupFactory(name="Other scheme, small")  # not this organiser's

    client.force_login(organiser)
    response = client.get("/")

    (organised,) = response.context["home"].organised_schemes
    assert organised.group_count == 14
    assert organised.attention_count == 13
    assert [g.name for g in organised.attention_groups] == ["Crowded"] + [
        f"Small {i:02}" for i in range(9)
    ]
    content = response.content.decode()
    assert "13 of 14 groups are outside their size range today; the first 10 by name." in content
    assert "Above the maximum of 6 members." in content
    assert "Healthy" not in content
    assert "Small 11" not in content
    assert "Other scheme" not in content
    assert f'href="/schemes/{scheme.pk}/#groups-heading">All 14 groups</a>' in content


def test_organiser_is_told_when_every_group_is_within_range(client, scheme, organiser):
    healthy = factories.GroupFactory(scheme=scheme)
    factories.MembershipFactory.create_batch(6, group=healthy)

    client.force_login(organiser)
    response = client.get("/")

    (organised,) = response.context["home"].organised_schemes
    assert organised.attention_count == 0
    assert organised.attention_groups == []
    assert "Every group is within its size range today." in response.content.decode()


def test_organiser_of_another_scheme_sees_nothing_of_this_one(
    client, group, trainee, other_scheme_organiser
):
    client.force_login(other_scheme_organiser)
    content = client.get("/").content.decode()

    assert group.name not in content
    assert group.scheme.name not in content
    assert trainee.full_name not in content


def test_one_person_sees_every_role_they_hold(client, scheme, group, other_group):
    person = factories.OrganiserFactory(scheme=scheme).person
    factories.LeaderFactory(group=group, person=person)
    factories.MembershipFactory(group=other_group, person=person)

    client.force_login(person)
    home = client.get("/").context["home"]

    assert home.member_groups == [other_group]
    assert home.led_groups == [group]
    assert home.organised_schemes == [scheme]


def _populate(size: int):
    """One person who organises a scheme, leads `size` groups and is a member of one more."""
    scheme = factories.SchemeFactory()
    person = factories.OrganiserFactory(scheme=scheme).person
    for group in factories.GroupFactory.create_batch(size, scheme=scheme):
        factories.LeaderFactory(group=group, person=person)
        factories.MembershipFactory.create_batch(2, group=group)
        factories.InvitationFactory(scheme=scheme, group=group)
    own_group = factories.GroupFactory(scheme=scheme)
    factories.MembershipFactory(group=own_group, person=person)
    factories.MembershipFactory.create_batch(size, group=own_group)
    return person


@pytest.mark.parametrize("size", [3, 30])
def test_home_runs_a_fixed_number_of_queries(client, db, django_assert_max_num_queries, size):
    person = _populate(size)
    client.force_login(person)

    with django_assert_max_num_queries(HOME_QUERIES):
        response = client.get("/")

    home = response.context["home"]
    assert len(home.led_groups) == size
    assert len(home.member_groups[0].current_memberships) == size + 1
    assert home.organised_schemes[0].pending_invitations == size


def test_a_trainees_home_asks_nothing_of_schemes_they_do_not_organise(
    client, trainee, django_assert_max_num_queries
):
    client.force_login(trainee)

    with django_assert_max_num_queries(TRAINEE_HOME_QUERIES):
        response = client.get("/")

    assert response.context["home"].member_groups


def test_a_leaders_group_size_counts_current_members_only(client, group, leader, trainee):
    factories.LeaderFactory(group=group, role="co_leader")
    today = timezone.localdate()
    factories.MembershipFactory(group=group, end_date=today - timedelta(days=1))
    factories.MembershipFactory(group=group, start_date=today + timedelta(days=1))
    client.force_login(leader)

    (led,) = client.get("/").context["home"].led_groups

    assert led == group
    assert led.member_count == 1  # the trainee: not the leaders, not past or future members
    assert led.size_warning == "Below the minimum of 6 members."


@pytest.mark.parametrize("role", ["trainee", "leader", "organiser"])
def test_home_queries_per_role_do_not_exceed_the_bound(
    client, request, django_assert_max_num_queries, role
):
    client.force_login(request.getfixturevalue(role))
    with django_assert_max_num_queries(HOME_QUERIES):
        assert client.get("/").status_code == 200


def test_leading_roles_are_badged_in_the_member_list(client, group, trainee):
    factories.MembershipFactory(
        group=group, role=Membership.Role.CO_LEADER, person__full_name="Co Leader"
    )
    client.force_login(trainee)
    content = client.get("/").content.decode()
    assert "Co Leader" in content
    assert '<span class="badge text-bg-info">Co-leader</span>' in content


def test_a_person_whose_mail_bounced_is_told(client, trainee):
    factories.OutboundEmailFactory(
        person=trainee, state="failed", last_error="550 5.1.1 Mailbox unavailable"
    )
    client.force_login(trainee)
    content = client.get("/").content.decode()
    assert f"We could not deliver email to {trainee.email}" in content
    assert "550 5.1.1 Mailbox unavailable" in content


def test_an_organiser_sees_how_much_mail_was_not_delivered(client, scheme, organiser):
    for _ in range(2):
        factories.OutboundEmailFactory(scheme=scheme, state="failed")
    factories.OutboundEmailFactory(scheme=scheme)
    factories.OutboundEmailFactory(scheme=factories.SchemeFactory(), state="failed")
    client.force_login(organiser)
    content = client.get("/").content.decode()
    assert "2 undelivered emails" in content
    assert f"/schemes/{scheme.pk}/mail/" in content

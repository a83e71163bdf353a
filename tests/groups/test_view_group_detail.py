"""`/groups/<pk>/`: a group's times and current members; organisers also manage it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests import factories
from tests.access import access, assert_sign_in_first


def url(group):
    return f"/groups/{group.pk}/"


def test_anonymous_is_sent_to_sign_in(client, group):
    assert_sign_in_first(client, url(group))


@pytest.mark.parametrize(("role", "status"), access(trainee=200, leader=200, organiser=200))
def test_access_by_role(group, status, signed_in):
    assert signed_in.get(url(group)).status_code == status


def test_member_sees_current_members_but_not_the_management_tools(client, group, trainee, leader):
    today = timezone.localdate()
    former = factories.MembershipFactory(
        group=group, start_date=today - timedelta(days=90), end_date=today - timedelta(days=1)
    ).person

    client.force_login(trainee)
    response = client.get(url(group))

    assert {m.person for m in response.context["current"]} == {trainee, leader}
    assert response.context["can_manage"] is False
    assert response.context["all_memberships"] is None
    content = response.content.decode()
    assert trainee.full_name in content
    assert former.full_name not in content
    assert f"/groups/{group.pk}/edit/" not in content
    assert f"/groups/{group.pk}/members/add/" not in content


def test_organiser_sees_all_memberships_with_end_links(client, group, organiser, trainee):
    today = timezone.localdate()
    former = factories.MembershipFactory(
        group=group, start_date=today - timedelta(days=90), end_date=today - timedelta(days=1)
    )

    client.force_login(organiser)
    response = client.get(url(group))

    assert response.context["can_manage"] is True
    assert {m.person for m in response.context["current"]} == {trainee}
    assert {m.person for m in response.context["all_memberships"]} == {trainee, former.person}
    content = response.content.decode()
    assert f"/groups/{group.pk}/edit/" in content
    assert f"/memberships/{former.pk}/end/" in content


def test_size_warning_counts_members_only(client, group, leader, trainee):
    client.force_login(leader)
    response = client.get(url(group))

    assert response.context["group"].member_count == 1
    assert "Below the minimum of 6 members." in response.content.decode()


def test_the_size_warning_is_for_those_who_can_act_on_it(client, group, trainee, organiser):
    client.force_login(trainee)
    assert "Below the minimum" not in client.get(url(group)).content.decode()
    client.force_login(organiser)
    assert "Below the minimum of 6 members." in client.get(url(group)).content.decode()


def test_someone_who_has_not_joined_yet_is_welcomed(client, group, trainee):
    start = timezone.localdate() + timedelta(days=10)
    newcomer = factories.MembershipFactory(group=group, start_date=start).person

    client.force_login(newcomer)
    content = client.get(url(group)).content.decode()

    assert f"<strong>Welcome to {group.name}.</strong> You join on {start:%A %-d %B %Y}:" in content
    assert "Below the minimum" not in content
    client.force_login(trainee)  # already a member: no welcome
    assert 'id="welcome"' not in client.get(url(group)).content.decode()

"""`/schemes/<pk>/`: the organiser's page of groups and pending invitations, and the way to
its people (their own page: tests/groups/test_view_scheme_people.py)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests import factories
from tests.access import ORGANISERS_ONLY, assert_sign_in_first

# Session, user, scheme, groups count + page, invitations, navigation.
SCHEME_QUERIES = 7


def url(scheme):
    return f"/schemes/{scheme.pk}/"


def test_anonymous_is_sent_to_sign_in(client, scheme):
    assert_sign_in_first(client, url(scheme))


@pytest.mark.parametrize(("role", "status"), ORGANISERS_ONLY)
def test_access_by_role(scheme, status, signed_in):
    assert signed_in.get(url(scheme)).status_code == status


def test_unknown_scheme_is_404(client, organiser):
    client.force_login(organiser)
    assert client.get("/schemes/999999/").status_code == 404


def test_organiser_sees_groups_pending_invitations_and_the_way_to_people(
    client, scheme, group, organiser, leader, trainee
):
    pending = factories.InvitationFactory(scheme=scheme, group=group, email="pending@example.org")
    factories.InvitationFactory(
        scheme=scheme, group=group, email="revoked@example.org", revoked_at=timezone.now()
    )
    factories.InvitationFactory(
        scheme=scheme,
        group=group,
        email="expired@example.org",
        expires_at=timezone.now() - timedelta(days=1),
    )
    outsider = factories.MembershipFactory().person

    client.force_login(organiser)
    response = client.get(url(scheme))

    assert list(response.context["groups"]) == [group]
    assert list(response.context["invitations"]) == [pending]
    content = response.content.decode()
    assert group.name in content
    assert "pending@example.org" in content
    assert "revoked@example.org" not in content
    assert "expired@example.org" not in content
    assert f'action="/invitations/{pending.pk}/revoke/"' in content
    assert f'href="/schemes/{scheme.pk}/people/">Everyone in the scheme</a>' in content
    # People are listed on their own page, 5,000 of them in a national scheme.
    assert trainee.email not in content
    assert outsider.email not in content


def test_group_size_warning_is_shown(client, scheme, group, organiser, trainee):
    client.force_login(organiser)
    response = client.get(url(scheme))

    (shown,) = response.context["groups"]
    assert shown.member_count == 1
    assert "Below the minimum of 6 members." in response.content.decode()


def _populate(scheme, size: int) -> None:
    for group in factories.GroupFactory.create_batch(size, scheme=scheme):
        factories.LeaderFactory(group=group)
        factories.MembershipFactory(group=group)
        factories.InvitationFactory(scheme=scheme, group=group)


@pytest.mark.parametrize("size", [3, 30])
def test_scheme_page_runs_a_fixed_number_of_queries(
    client, scheme, organiser, django_assert_max_num_queries, size
):
    _populate(scheme, size)
    client.force_login(organiser)

    with django_assert_max_num_queries(SCHEME_QUERIES):
        response = client.get(url(scheme))

    assert len(response.context["groups"]) == size
    assert len(response.context["invitations"]) == size


def test_groups_are_paginated(client, scheme, organiser):
    factories.GroupFactory.create_batch(51, scheme=scheme)
    client.force_login(organiser)

    first = client.get(url(scheme))
    second = client.get(url(scheme), {"groups_page": 2})

    assert len(first.context["groups"]) == 50
    assert len(second.context["groups"]) == 1
    assert 'href="?groups_page=2"' in first.content.decode()

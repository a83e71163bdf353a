"""`/memberships/<pk>/end/`: an organiser sets the last day of a membership."""

from datetime import date

import pytest

from tests import factories
from tests.access import ORGANISERS_ONLY, assert_sign_in_first


@pytest.fixture
def membership(group):
    return factories.MembershipFactory(group=group, start_date=date(2026, 1, 1))


def url(membership):
    return f"/memberships/{membership.pk}/end/"


def test_anonymous_is_sent_to_sign_in(client, membership):
    assert_sign_in_first(client, url(membership))


@pytest.mark.parametrize(("role", "status"), ORGANISERS_ONLY)
def test_access_by_role(membership, status, signed_in):
    assert signed_in.get(url(membership)).status_code == status


@pytest.mark.parametrize("role", ["leader", "other_scheme_organiser"])
def test_others_cannot_end_a_membership(client, request, membership, role):
    client.force_login(request.getfixturevalue(role))
    response = client.post(url(membership), {"end_date": "2026-04-30"})
    assert response.status_code == 404
    membership.refresh_from_db()
    assert membership.end_date is None


def test_organiser_ends_a_membership(client, membership, organiser):
    client.force_login(organiser)
    response = client.post(url(membership), {"end_date": "2026-04-30"})

    assert response.status_code == 302
    assert response["Location"] == f"/groups/{membership.group_id}/"
    membership.refresh_from_db()
    assert membership.end_date == date(2026, 4, 30)


def test_membership_may_end_on_its_first_day(client, membership, organiser):
    client.force_login(organiser)
    assert client.post(url(membership), {"end_date": "2026-01-01"}).status_code == 302
    membership.refresh_from_db()
    assert membership.end_date == date(2026, 1, 1)


def test_end_before_the_start_is_refused(client, membership, organiser):
    client.force_login(organiser)
    response = client.post(url(membership), {"end_date": "2025-12-31"})

    assert response.status_code == 400
    assert "A membership cannot end before it starts." in response.content.decode()
    membership.refresh_from_db()
    assert membership.end_date is None


def test_missing_date_is_refused(client, membership, organiser):
    client.force_login(organiser)
    response = client.post(url(membership), {"end_date": ""})

    assert response.status_code == 400
    membership.refresh_from_db()
    assert membership.end_date is None


def test_extending_into_a_later_membership_is_refused(client, group, organiser):
    person = factories.UserFactory()
    first = factories.MembershipFactory(
        group=group, person=person, start_date=date(2026, 1, 1), end_date=date(2026, 4, 30)
    )
    factories.MembershipFactory(group=group, person=person, start_date=date(2026, 9, 1))

    client.force_login(organiser)
    response = client.post(url(first), {"end_date": "2026-12-31"})

    assert response.status_code == 400
    assert "is already in" in response.content.decode()
    first.refresh_from_db()
    assert first.end_date == date(2026, 4, 30)

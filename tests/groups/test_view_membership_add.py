"""`/groups/<pk>/members/add/`: an organiser places someone from the scheme in a group."""

from datetime import date

import pytest

from groups.models import Membership
from tests import factories
from tests.access import access, assert_sign_in_first


def url(group):
    return f"/groups/{group.pk}/members/add/"


def form_data(person, **overrides):
    return {
        "person": person.email,
        "role": "member",
        "track": "general_practice",
        "start_date": "2026-08-01",
        "end_date": "2026-11-30",
        **overrides,
    }


def test_anonymous_is_sent_to_sign_in(client, group):
    assert_sign_in_first(client, url(group))


@pytest.mark.parametrize(("role", "status"), access(trainee=403, leader=403, organiser=200))
def test_access_by_role(group, status, signed_in):
    assert signed_in.get(url(group)).status_code == status


def test_leader_cannot_add_members(client, group, leader, other_group_leader):
    client.force_login(leader)
    response = client.post(url(group), form_data(other_group_leader))
    assert response.status_code == 403
    assert not group.memberships.filter(person=other_group_leader).exists()


def test_organiser_adds_someone_from_the_scheme(client, group, organiser, other_group_leader):
    client.force_login(organiser)
    response = client.post(url(group), form_data(other_group_leader))

    assert response.status_code == 302
    assert response["Location"] == f"/groups/{group.pk}/"
    membership = group.memberships.get(person=other_group_leader)
    assert membership.role == Membership.Role.MEMBER
    assert membership.track == Membership.Track.GENERAL_PRACTICE
    assert membership.start_date == date(2026, 8, 1)
    assert membership.end_date == date(2026, 11, 30)


def test_overlapping_membership_is_refused_with_a_message(client, group, organiser, trainee):
    client.force_login(organiser)
    response = client.post(url(group), form_data(trainee, end_date=""))

    assert response.status_code == 400
    assert group.memberships.filter(person=trainee).count() == 1
    assert "is already in" in response.content.decode()


def test_end_before_start_is_refused(client, group, organiser, other_group_leader):
    client.force_login(organiser)
    response = client.post(url(group), form_data(other_group_leader, end_date="2026-07-31"))

    assert response.status_code == 400
    assert not group.memberships.filter(person=other_group_leader).exists()


def test_someone_outside_the_scheme_cannot_be_added(client, group, organiser):
    outsider = factories.MembershipFactory().person  # a member in another scheme
    client.force_login(organiser)
    response = client.post(url(group), form_data(outsider))

    assert response.status_code == 400
    assert response.context["form"].errors["person"] == [
        "No one in this scheme has that email address."
    ]
    assert not Membership.objects.filter(person=outsider, group=group).exists()


def test_the_email_address_is_matched_ignoring_case_and_spaces(
    client, group, organiser, other_group_leader
):
    client.force_login(organiser)
    typed = f"  {other_group_leader.email.upper()} "

    response = client.post(url(group), {**form_data(other_group_leader), "person": typed})

    assert response.status_code == 302
    assert Membership.objects.filter(person=other_group_leader, group=group).exists()


def test_the_person_is_typed_not_picked_from_thousands(client, group, organiser):
    """5,000 people in a national scheme: an email box, not a select of all of them."""
    factories.MembershipFactory.create_batch(3, group=group)
    client.force_login(organiser)

    content = client.get(url(group)).content.decode()

    assert '<select name="person"' not in content
    assert 'type="text" name="person"' in content
    assert "Email address" in content


def test_the_person_list_offers_only_the_schemes_people(
    client, group, organiser, trainee, other_scheme_organiser
):
    client.force_login(organiser)
    response = client.get(url(group))

    people = set(response.context["form"].fields["person"].queryset)
    assert trainee in people
    assert organiser in people
    assert other_scheme_organiser not in people


@pytest.mark.usefixtures("frozen_now")
def test_the_form_starts_today_and_asks_for_the_track(client, group, organiser):
    client.force_login(organiser)

    form = client.get(url(group)).context["form"]

    assert form["start_date"].value() == date(2026, 3, 2)  # tests.factories.sessions.NOW
    assert form["track"].value() == ""
    assert next(iter(form.fields["track"].choices)) == ("", "Choose a track")


def test_a_trainee_without_a_track_is_refused(client, group, organiser, other_group_leader):
    client.force_login(organiser)

    response = client.post(url(group), form_data(other_group_leader, track=""))

    assert response.status_code == 400
    assert response.context["form"].errors["track"] == ["Choose the trainee's track."]
    assert not group.memberships.filter(person=other_group_leader).exists()


def test_a_leader_needs_no_track(client, group, organiser, other_group_leader):
    client.force_login(organiser)

    response = client.post(url(group), form_data(other_group_leader, role="leader", track=""))

    assert response.status_code == 302
    assert group.memberships.get(person=other_group_leader).role == Membership.Role.LEADER


@pytest.mark.usefixtures("frozen_now")
def test_the_date_pickers_show_their_dates(client, group, organiser):
    """A date input takes only ISO dates: in en-IE's 02/03/2026 a browser shows it empty."""
    client.force_login(organiser)

    content = client.get(url(group)).content.decode()

    assert 'type="date" name="start_date" value="2026-03-02"' in content

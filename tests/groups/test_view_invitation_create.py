"""`/schemes/<pk>/invitations/new/`: an organiser invites one person."""

from datetime import date

import pytest

from groups.models import Invitation, Membership
from tests import factories
from tests.access import ORGANISERS_ONLY, assert_sign_in_first


def url(scheme):
    return f"/schemes/{scheme.pk}/invitations/new/"


def form_data(for_group, **overrides):
    return {
        "full_name": "Aoife Byrne",
        "email": "Aoife.Byrne@Example.org",
        "role": "member",
        "group": for_group.name if for_group else "",
        "track": "general_practice",
        "start_date": "2026-08-01",
        "end_date": "2026-11-30",
        **overrides,
    }


def test_anonymous_is_sent_to_sign_in(client, scheme):
    assert_sign_in_first(client, url(scheme))


@pytest.mark.parametrize(("role", "status"), ORGANISERS_ONLY)
def test_access_by_role(scheme, status, signed_in):
    assert signed_in.get(url(scheme)).status_code == status


@pytest.mark.parametrize("role", ["leader", "other_scheme_organiser"])
def test_others_cannot_invite(client, request, scheme, group, role, mailoutbox):
    client.force_login(request.getfixturevalue(role))
    response = client.post(url(scheme), form_data(group))
    assert response.status_code == 404
    assert not Invitation.objects.exists()
    assert mailoutbox == []


def test_organiser_invites_a_member(
    client, scheme, group, organiser, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(organiser)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(scheme), form_data(group))

    assert response.status_code == 302
    assert response["Location"] == f"/schemes/{scheme.pk}/"
    invitation = Invitation.objects.get()
    assert invitation.scheme == scheme
    assert invitation.email == "aoife.byrne@example.org"
    assert invitation.full_name == "Aoife Byrne"
    assert invitation.role == Invitation.Role.MEMBER
    assert invitation.group == group
    assert invitation.track == Membership.Track.GENERAL_PRACTICE
    assert (invitation.start_date, invitation.end_date) == (date(2026, 8, 1), date(2026, 11, 30))
    assert invitation.invited_by == organiser
    assert invitation.is_pending
    assert [m.to for m in mailoutbox] == [["aoife.byrne@example.org"]]


def test_the_email_waits_for_the_commit(
    client, scheme, group, organiser, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(organiser)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(url(scheme), form_data(group))

    assert mailoutbox == []
    assert len(callbacks) == 1


def test_member_without_a_group_is_refused(client, scheme, group, organiser, mailoutbox):
    client.force_login(organiser)
    response = client.post(url(scheme), form_data(group, group=""))

    assert response.status_code == 400
    assert response.context["form"].errors["group"] == [
        "A group is required for a member, leader or co-leader."
    ]
    assert not Invitation.objects.exists()
    assert mailoutbox == []


def test_group_of_another_scheme_is_refused(client, scheme, organiser):
    elsewhere = factories.GroupFactory()
    client.force_login(organiser)
    response = client.post(url(scheme), form_data(elsewhere))

    assert response.status_code == 400
    assert "group" in response.context["form"].errors
    assert not Invitation.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"end_date": "2026-07-31"}, "end_date", "The end date is before the start date."),
        ({"track": ""}, "track", "Choose the trainee's track."),  # not Psychiatry unseen
    ],
    ids=["end before start", "trainee without a track"],
)
def test_a_refusal_names_its_field(client, scheme, group, organiser, overrides, field, message):
    client.force_login(organiser)
    response = client.post(url(scheme), form_data(group, **overrides))

    assert response.status_code == 400
    assert response.context["form"].errors[field] == [message]
    assert not Invitation.objects.exists()


def test_group_role_without_a_start_date_is_refused(client, scheme, group, organiser):
    client.force_login(organiser)
    response = client.post(url(scheme), form_data(group, start_date="", end_date=""))

    assert response.status_code == 400
    assert response.context["form"].errors["start_date"] == [
        "A start date is required for a group role."
    ]
    assert "Constraint" not in response.content.decode()
    assert not Invitation.objects.exists()


def test_bad_email_is_refused(client, scheme, group, organiser):
    client.force_login(organiser)
    response = client.post(url(scheme), form_data(group, email="not-an-email"))

    assert response.status_code == 400
    assert "email" in response.context["form"].errors
    assert not Invitation.objects.exists()


def test_existing_member_cannot_be_invited_into_an_overlap(
    client, scheme, group, organiser, trainee
):
    client.force_login(organiser)
    response = client.post(url(scheme), form_data(group, email=trainee.email.upper(), end_date=""))

    assert response.status_code == 400
    assert "is already in" in response.content.decode()
    assert not Invitation.objects.exists()


def test_organiser_invitation_needs_no_group(
    client, scheme, group, organiser, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(organiser)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url(scheme),
            form_data(group, role="organiser", group="", start_date="", end_date=""),
        )

    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.role == Invitation.Role.ORGANISER
    assert invitation.group is None
    assert len(mailoutbox) == 1


def test_organiser_invitation_drops_a_group_given_by_mistake(client, scheme, group, organiser):
    client.force_login(organiser)
    response = client.post(url(scheme), form_data(group, role="organiser"))

    assert response.status_code == 302
    assert Invitation.objects.get().group is None


def test_the_group_is_typed_not_picked_from_hundreds(client, scheme, group, organiser):
    """500 groups in a national scheme: a name box, not a select of all of them."""
    elsewhere = factories.GroupFactory()
    client.force_login(organiser)

    content = client.get(url(scheme)).content.decode()
    refused = client.post(url(scheme), form_data(elsewhere))

    assert '<select name="group"' not in content
    assert 'type="text" name="group"' in content
    assert refused.status_code == 400
    assert refused.context["form"].errors["group"] == ["No group of this scheme has that name."]


def test_from_a_group_page_the_group_is_filled_in(client, scheme, group, organiser):
    group.name = "Wednesday & Friends"
    group.save(update_fields=["name"])
    client.force_login(organiser)

    link = f'href="/schemes/{scheme.pk}/invitations/new/?group=Wednesday%20%26%20Friends"'
    assert link in client.get(f"/groups/{group.pk}/").content.decode()
    form = client.get(url(scheme), {"group": group.name}).context["form"]
    assert form["group"].value() == "Wednesday & Friends"
    assert form["track"].value() == ""

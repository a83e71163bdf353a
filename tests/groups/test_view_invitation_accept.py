"""`/invitations/<token>/`: public, the link itself is the proof. Flows: test_invitations."""

import pytest

from groups import services
from tests import factories


@pytest.fixture
def invitation(scheme, group):
    return factories.InvitationFactory(scheme=scheme, group=group)


def url(invitation):
    return f"/invitations/{services.invitation_token(invitation)}/"


def test_anonymous_with_a_valid_link_sees_the_set_password_form(client, invitation):
    response = client.get(url(invitation))
    assert response.status_code == 200
    assert response.context["has_account"] is False
    assert set(response.context["form"].fields) == {"password1", "password2"}
    content = response.content.decode()
    assert invitation.email in content
    assert invitation.group.name in content


@pytest.mark.parametrize(
    "role", ["trainee", "leader", "other_group_leader", "organiser", "other_scheme_organiser"]
)
def test_any_signed_in_role_can_open_the_link(client, request, invitation, role):
    client.force_login(request.getfixturevalue(role))
    assert client.get(url(invitation)).status_code == 200


def test_unknown_token_is_404(client, db):
    response = client.get("/invitations/not-a-token/")
    assert response.status_code == 404
    assert response.context["reason"] == "This invitation link is not valid."

"""`/invitations/<pk>/revoke/` (POST): an organiser withdraws a pending invitation."""

import pytest

from groups import services
from tests import factories


@pytest.fixture
def invitation(scheme, group):
    return factories.InvitationFactory(scheme=scheme, group=group)


def url(invitation):
    return f"/invitations/{invitation.pk}/revoke/"


def test_anonymous_is_sent_to_sign_in(client, invitation):
    response = client.post(url(invitation))
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={url(invitation)}"
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("trainee", 404),
        ("leader", 404),
        ("other_group_leader", 404),
        ("organiser", 302),
        ("other_scheme_organiser", 404),
    ],
)
def test_access_by_role(client, request, invitation, role, status):
    client.force_login(request.getfixturevalue(role))
    assert client.post(url(invitation)).status_code == status
    invitation.refresh_from_db()
    assert (invitation.revoked_at is not None) == (role == "organiser")


def test_get_is_not_allowed(client, invitation, organiser):
    client.force_login(organiser)
    assert client.get(url(invitation)).status_code == 405
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


def test_organiser_withdraws_an_invitation(client, scheme, invitation, organiser):
    client.force_login(organiser)
    response = client.post(url(invitation))

    assert response.status_code == 302
    assert response["Location"] == f"/schemes/{scheme.pk}/"
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert not invitation.is_pending


def test_withdrawn_link_no_longer_works(client, invitation, organiser):
    token = services.invitation_token(invitation)
    client.force_login(organiser)
    client.post(url(invitation))
    client.logout()

    response = client.get(f"/invitations/{token}/")

    assert response.status_code == 404
    assert "withdrawn" in response.context["reason"]

"""`/invitations/<pk>/revoke/` (POST): an organiser withdraws a pending invitation."""

import pytest

from groups import services
from tests import factories
from tests.access import access, assert_sign_in_first


@pytest.fixture
def invitation(scheme, group):
    return factories.InvitationFactory(scheme=scheme, group=group)


def url(invitation):
    return f"/invitations/{invitation.pk}/revoke/"


def test_anonymous_is_sent_to_sign_in(client, invitation):
    assert_sign_in_first(client, url(invitation), method="post")
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


@pytest.mark.parametrize(("role", "status"), access(organiser=302))
def test_access_by_role(invitation, role, status, signed_in):
    assert signed_in.post(url(invitation)).status_code == status
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

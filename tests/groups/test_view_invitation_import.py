"""`/schemes/<pk>/invitations/import/`: who may upload. What a file does: test_invitation_import."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from groups.models import Invitation
from tests.access import ORGANISERS_ONLY, assert_sign_in_first


def url(scheme):
    return f"/schemes/{scheme.pk}/invitations/import/"


def test_anonymous_is_sent_to_sign_in(client, scheme):
    assert_sign_in_first(client, url(scheme))


@pytest.mark.parametrize(("role", "status"), ORGANISERS_ONLY)
def test_access_by_role(scheme, status, signed_in):
    assert signed_in.get(url(scheme)).status_code == status


def test_other_scheme_organiser_cannot_upload(client, scheme, group, other_scheme_organiser):
    csv = (
        "name,email,role,group,start_date,end_date\n"
        f"A B,ab@example.org,member,{group.name},2026-08-01,\n"
    )
    client.force_login(other_scheme_organiser)
    response = client.post(
        url(scheme), {"file": SimpleUploadedFile("people.csv", csv.encode(), "text/csv")}
    )
    assert response.status_code == 404
    assert not Invitation.objects.exists()


def test_upload_without_a_file_is_refused(client, scheme, organiser):
    client.force_login(organiser)
    response = client.post(url(scheme), {"file": ""})  # what a browser sends with no file chosen
    assert response.status_code == 400
    assert "file" in response.context["form"].errors

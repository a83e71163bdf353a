"""`/schemes/<pk>/rosters/`: an organiser uploads a scheme-wide roster, for their scheme only."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sessions.models import OnCallShift, RosterUpload
from tests import factories
from tests.access import ORGANISERS_ONLY, assert_sign_in_first
from tests.factories.rosters import OnCallShiftFactory, SchemeRosterFactory, csv_file

HEADER = "email,registration_number,start,end,shift_type"


pytestmark = pytest.mark.usefixtures("frozen_now")


def url(scheme):
    return f"/schemes/{scheme.pk}/rosters/"


def file(raw, name="rota.csv"):
    return SimpleUploadedFile(name, raw, "text/csv")


@pytest.fixture
def good(trainee):
    return csv_file(f"{trainee.email},,2026-03-04 08:00,2026-03-04 20:00,Day", header=HEADER)


def test_anonymous_is_sent_to_sign_in(client, scheme):
    assert_sign_in_first(client, url(scheme))


@pytest.mark.parametrize(("role", "status"), ORGANISERS_ONLY)
def test_access_by_role(scheme, status, signed_in):
    assert signed_in.get(url(scheme)).status_code == status


@pytest.mark.parametrize("role", ["trainee", "leader", "other_scheme_organiser"])
def test_only_the_schemes_organisers_may_upload(client, request, scheme, good, role):
    client.force_login(request.getfixturevalue(role))
    assert client.post(url(scheme), {"file": file(good)}).status_code == 404
    assert not RosterUpload.objects.exists()


def test_an_upload_goes_to_its_preview_and_saves_no_shift(client, scheme, organiser, good):
    client.force_login(organiser)

    response = client.post(url(scheme), {"file": file(good)})

    upload = RosterUpload.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/schemes/{scheme.pk}/rosters/uploads/{upload.pk}/"
    assert not OnCallShift.objects.exists()
    assert "rota.csv" in client.get(url(scheme)).content.decode()  # waiting to be applied


def test_a_bad_file_lists_its_problems_and_keeps_nothing(client, scheme, organiser):
    client.force_login(organiser)
    raw = csv_file("nobody@example.org,,2026-03-04 08:00,2026-03-04 20:00,", header=HEADER)

    response = client.post(url(scheme), {"file": file(raw)})

    assert response.status_code == 400
    assert (
        "rota.csv, line 2, field &#x27;email&#x27;: No one in this scheme has the email address"
        in response.content.decode()
    )
    assert not RosterUpload.objects.exists()


def test_lists_this_schemes_rosters_only(client, scheme, organiser, trainee):
    mine = SchemeRosterFactory(scheme=scheme, name="Hospital A rota")
    OnCallShiftFactory(source=mine, person=trainee)
    SchemeRosterFactory(scheme=factories.SchemeFactory(), name="Elsewhere rota")
    client.force_login(organiser)

    response = client.get(url(scheme))

    assert [s.name for s in response.context["sources"]] == ["Hospital A rota"]
    assert response.context["sources"][0].shift_count == 1
    assert "Elsewhere rota" not in response.content.decode()


def test_another_schemes_roster_is_not_offered_for_replacement(client, scheme, organiser, good):
    elsewhere = SchemeRosterFactory(scheme=factories.SchemeFactory())
    client.force_login(organiser)
    response = client.post(url(scheme), {"file": file(good), "replace": elsewhere.pk})
    assert response.status_code == 400
    assert "replace" in response.context["form"].errors

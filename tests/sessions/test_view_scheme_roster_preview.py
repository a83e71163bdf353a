"""`/schemes/<pk>/rosters/uploads/<pk>/`: the preview of a scheme-wide roster, and applying it."""

import pytest

from sessions.models import OnCallShift, RosterSource
from sessions.rosters import services
from tests.access import ORGANISERS_ONLY, assert_sign_in_first
from tests.factories.rosters import csv_file

HEADER = "email,registration_number,start,end,shift_type"


pytestmark = pytest.mark.usefixtures("frozen_now")


@pytest.fixture
def upload(scheme, organiser, trainee):
    raw = csv_file(
        f"{trainee.email},,2026-03-28 20:00,2026-03-29 09:00,Night",
        f"{trainee.email},,2026-04-04,2026-04-05,Weekend",
        header=HEADER,
    )
    return services.roster_upload_preview(
        actor=organiser, scheme=scheme, raw=raw, filename="rota.csv"
    )


def url(upload):
    return f"/schemes/{upload.scheme_id}/rosters/uploads/{upload.pk}/"


def test_anonymous_is_sent_to_sign_in(client, upload):
    assert_sign_in_first(client, url(upload))


@pytest.mark.parametrize(("role", "status"), ORGANISERS_ONLY)
def test_access_by_role(upload, status, signed_in):
    assert signed_in.get(url(upload)).status_code == status


def test_the_preview_shows_every_row_in_local_time(client, upload, organiser, trainee):
    client.force_login(organiser)

    response = client.get(url(upload))

    content = response.content.decode()
    assert "<strong>2 shifts</strong> of <strong>1 people</strong>, as a new roster" in content
    assert "Sat 28 Mar 2026, 20:00" in content
    assert "Sun 29 Mar 2026, 09:00" in content
    assert "Sat 4 Apr 2026</td><td>all day" in content
    assert content.count(trainee.full_name) >= 2
    assert not OnCallShift.objects.exists()


def test_applying_saves_what_was_previewed(client, upload, organiser, trainee):
    client.force_login(organiser)
    digest = client.get(url(upload)).context["digest"]

    response = client.post(url(upload), {"digest": digest})

    assert response.status_code == 302
    assert response["Location"] == f"/schemes/{upload.scheme_id}/rosters/"
    assert OnCallShift.objects.filter(person=trainee).count() == 2
    assert RosterSource.objects.get().kind == RosterSource.Kind.ORGANISER_UPLOAD
    assert client.get(url(upload)).status_code == 404  # applied: no longer waiting


def test_a_preview_that_no_longer_matches_is_not_applied(client, upload, organiser):
    client.force_login(organiser)
    response = client.post(url(upload), {"digest": "what the page showed before"}, follow=True)
    assert "reads differently now" in response.content.decode()
    assert not OnCallShift.objects.exists()


@pytest.mark.parametrize("role", ["trainee", "leader", "other_scheme_organiser"])
def test_nobody_else_applies_it(client, request, upload, organiser, role):
    client.force_login(organiser)
    digest = client.get(url(upload)).context["digest"]
    client.force_login(request.getfixturevalue(role))

    assert client.post(url(upload), {"digest": digest}).status_code == 404
    assert not OnCallShift.objects.exists()


def test_another_schemes_upload_is_not_found_under_this_scheme(
    client, upload, other_scheme_organiser
):
    scheme = other_scheme_organiser.organiser_roles.get().scheme
    client.force_login(other_scheme_organiser)
    assert client.get(f"/schemes/{scheme.pk}/rosters/uploads/{upload.pk}/").status_code == 404

"""`/rosters/upload/` and the roster actions: trainees upload, replace and remove their own.

What a file does is tested in test_roster_import.py; here, who may do what through the pages.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sessions.models import OnCallShift, RosterSource
from tests.access import assert_sign_in_first
from tests.factories.rosters import (
    OnCallShiftFactory,
    RosterSourceFactory,
    SchemeRosterFactory,
    csv_file,
)

URL = "/rosters/upload/"
GOOD = csv_file("2026-03-04 08:00,2026-03-04 20:00,Day", "2026-03-05 08:00,2026-03-05 20:00,Day")


pytestmark = pytest.mark.usefixtures("frozen_now")


def file(raw=GOOD, name="rota.csv"):
    return SimpleUploadedFile(name, raw, "text/csv")


def test_anonymous_is_sent_to_sign_in(client, db):
    assert_sign_in_first(client, URL)
    assert client.post(URL, {"file": file()}).status_code == 302
    assert not OnCallShift.objects.exists()


@pytest.mark.parametrize("role", ["trainee", "leader", "organiser", "other_scheme_organiser"])
def test_everyone_signed_in_may_upload_their_own(client, request, role):
    person = request.getfixturevalue(role)
    client.force_login(person)
    assert client.get(URL).status_code == 200

    response = client.post(URL, {"file": file(), "name": "Hospital rota"})

    assert response.status_code == 302
    assert response["Location"] == "/rosters/"
    source = RosterSource.objects.get()
    assert (source.person, source.name) == (person, "Hospital rota")
    assert set(OnCallShift.objects.values_list("person", flat=True)) == {person.pk}


def test_a_bad_file_shows_every_problem_and_saves_nothing(client, trainee):
    client.force_login(trainee)
    raw = csv_file("2026-02-30 08:00,2026-03-04 20:00,Day", "2026-03-05 20:00,2026-03-05 08:00,")

    response = client.post(URL, {"file": file(raw)})

    assert response.status_code == 400
    content = response.content.decode()
    assert "Nothing was saved." in content
    assert "rota.csv, line 2, field &#x27;start&#x27;" in content
    assert "rota.csv, line 3, field &#x27;end&#x27;: The shift ends before it starts." in content
    assert not RosterSource.objects.exists()


def test_no_file_is_refused(client, trainee):
    client.force_login(trainee)
    response = client.post(URL, {"file": ""})
    assert response.status_code == 400
    assert "file" in response.context["form"].errors


def test_replacing_my_own_roster(client, trainee):
    mine = RosterSourceFactory(person=trainee, kind=RosterSource.Kind.CSV_UPLOAD)
    OnCallShiftFactory(source=mine, shift_type="old")
    client.force_login(trainee)
    assert (
        f'<option value="{mine.pk}" selected>'
        in client.get(f"{URL}?replace={mine.pk}").content.decode()
    )

    response = client.post(URL, {"file": file(), "replace": mine.pk})

    assert response.status_code == 302
    assert RosterSource.objects.get() == mine
    assert list(mine.shifts.values_list("shift_type", flat=True)) == ["Day", "Day"]


@pytest.mark.parametrize("theirs", ["someone", "scheme"])
def test_nobody_elses_roster_can_be_replaced(client, trainee, scheme, theirs):
    other = RosterSourceFactory() if theirs == "someone" else SchemeRosterFactory(scheme=scheme)
    OnCallShiftFactory(source=other, person=other.person or trainee)
    client.force_login(trainee)

    response = client.post(URL, {"file": file(), "replace": other.pk})

    assert response.status_code == 400
    assert "replace" in response.context["form"].errors
    assert other.shifts.count() == 1
    assert not RosterSource.objects.filter(person=trainee).exists()


# --- Removing and refreshing ----------------------------------------------------------------------


def test_removing_my_roster(client, trainee):
    mine = RosterSourceFactory(person=trainee)
    OnCallShiftFactory(source=mine)
    client.force_login(trainee)

    response = client.post(f"/rosters/{mine.pk}/delete/")

    assert response.status_code == 302
    assert response["Location"] == "/rosters/"
    assert not RosterSource.objects.exists()
    assert not OnCallShift.objects.exists()


@pytest.mark.parametrize(
    ("role", "status"),
    [("leader", 404), ("organiser", 404), ("other_scheme_organiser", 404), ("stranger", 404)],
)
def test_nobody_else_removes_a_trainees_roster(client, request, trainee, role, status):
    mine = RosterSourceFactory(person=trainee)
    client.force_login(request.getfixturevalue(role))
    assert client.post(f"/rosters/{mine.pk}/delete/").status_code == status
    assert RosterSource.objects.filter(pk=mine.pk).exists()


def test_a_scheme_roster_is_removed_by_its_organisers_only(
    client, scheme, trainee, organiser, other_scheme_organiser
):
    schemes = SchemeRosterFactory(scheme=scheme)
    OnCallShiftFactory(source=schemes, person=trainee)

    for person in (trainee, other_scheme_organiser):
        client.force_login(person)
        assert client.post(f"/rosters/{schemes.pk}/delete/").status_code == 404
    client.force_login(organiser)
    response = client.post(f"/rosters/{schemes.pk}/delete/")

    assert response["Location"] == f"/schemes/{scheme.pk}/rosters/"
    assert not OnCallShift.objects.exists()


def test_removing_needs_a_post(client, trainee):
    mine = RosterSourceFactory(person=trainee)
    client.force_login(trainee)
    assert client.get(f"/rosters/{mine.pk}/delete/").status_code == 405


def test_only_my_own_feeds_are_refreshed(client, trainee):
    feed = RosterSourceFactory(kind=RosterSource.Kind.FEED, feed_url="https://rota.example.org/x")
    upload = RosterSourceFactory(person=trainee)
    client.force_login(trainee)
    assert client.post(f"/rosters/{feed.pk}/refresh/").status_code == 404
    assert client.post(f"/rosters/{upload.pk}/refresh/").status_code == 404  # not a feed

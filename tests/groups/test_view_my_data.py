"""`/my-data/`: a signed-in person downloads everything held about them, and only them."""

import csv
import io
import json
import zipfile

import pytest

from groups.models import User
from tests import factories
from tests.access import assert_sign_in_first
from tests.factories.privacy import OTTO, scene_with_two_people

PAGE, DOWNLOAD = "/my-data/", "/my-data/download/"

# Every category the export promises, as (part, list) with at least one row for Zeb.
CATEGORIES = [
    ("account", "profile"),
    ("account", "email_addresses"),
    ("account", "memberships"),
    ("account", "invitations_received"),
    ("account", "exports_of_your_data"),
    ("attendance", "attendance"),
    ("attendance", "certificates"),
    ("sessions", "rota"),
    ("sessions", "leave"),
    ("sessions", "swap_requests"),
    ("sessions", "calendar_feed"),
    ("sessions", "roster_sources"),
    ("sessions", "on_call_shifts"),
    ("sessions", "clashes"),
    ("account", "emails"),
    ("sessions", "reminder_choices"),
    ("feedback", "session_feedback"),
    ("feedback", "evaluations_answered"),
]


pytestmark = pytest.mark.usefixtures("frozen_now")


@pytest.fixture
def scene(db):
    return scene_with_two_people()


def download(client, person) -> zipfile.ZipFile:
    client.force_login(person)
    response = client.get(DOWNLOAD)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == (
        'attachment; filename="balint-my-data-2026-03-02.zip"'
    )
    return zipfile.ZipFile(io.BytesIO(response.content))


def everything(archive: zipfile.ZipFile) -> str:
    return "\n".join(archive.read(name).decode("utf-8-sig") for name in archive.namelist())


def test_anonymous_is_sent_to_sign_in(client, db):
    for url in (PAGE, DOWNLOAD):
        assert_sign_in_first(client, url)


def test_the_page_links_the_download_and_says_what_is_in_it(client, scene):
    client.force_login(scene.zeb)

    content = client.get(PAGE).content.decode()

    assert DOWNLOAD in content
    assert "stored with no link to you" in content


def test_the_footer_links_the_page_for_signed_in_people(client, scene):
    footer_link = f'class="link-secondary" href="{PAGE}"'
    assert footer_link not in client.get("/privacy/").content.decode()
    client.force_login(scene.zeb)
    assert footer_link in client.get("/").content.decode()


def test_the_zip_holds_a_readme_a_json_per_part_and_a_csv_per_list(client, scene):
    archive = download(client, scene.zeb)
    names = set(archive.namelist())

    assert {"README.txt", "account.json", "sessions.json", "attendance.json", "feedback.json"} <= (
        names
    )
    for part in ("account", "sessions", "attendance", "feedback"):
        data = json.loads(archive.read(f"{part}.json"))
        for stem, rows in data.items():
            if rows:
                assert f"{part}/{stem}.csv" in names
                table = list(
                    csv.DictReader(
                        io.StringIO(archive.read(f"{part}/{stem}.csv").decode("utf-8-sig"))
                    )
                )
                assert len(table) == len(rows)
            else:
                assert f"{part}/{stem}.csv" not in names


def test_every_category_is_there_for_a_person_who_has_them_all(client, scene):
    archive = download(client, scene.zeb)
    data = {
        part: json.loads(archive.read(f"{part}.json"))
        for part in ("account", "sessions", "attendance", "feedback")
    }

    empty = [f"{part}/{stem}" for part, stem in CATEGORIES if not data[part][stem]]
    assert not empty
    profile = data["account"]["profile"][0]
    assert (
        profile["id"],
        profile["full_name"],
        profile["email"],
        profile["registration_number"],
    ) == (
        scene.zeb.pk,
        "Zebedee Quintessa-Marlow",
        "zq.marlow@example.org",
        "IMC 987654",
    )
    assert [r["date"] for r in data["attendance"]["attendance"]] == [
        "2026-02-11",
        "2026-02-18",
        "2026-02-25",
    ]
    assert [r["date"] for r in data["sessions"]["rota"]] == ["2026-02-11"]
    assert data["attendance"]["certificates"][0]["code"] == scene.certificates["zeb"].display_code
    assert data["feedback"]["session_feedback"][0]["comment"] == "Thoughtful session, said zeb"
    assert len(data["sessions"]["on_call_shifts"]) == 2
    assert data["sessions"]["reminder_choices"][0]["on_call_clashes"] is False


def test_nothing_about_anyone_else(client, scene):
    archive = download(client, scene.zeb)
    text = everything(archive)

    others = User.objects.exclude(pk=scene.zeb.pk)
    for other in others:
        assert other.full_name not in text
        assert other.email not in text
        if other.registration_number:
            assert other.registration_number not in text
    assert OTTO["full_name"] not in text
    assert "Thoughtful session, said otto" not in text
    assert scene.certificates["otto"].display_code not in text
    # Other people appear by number only where unavoidable, and never as a person field.
    for part in ("account", "sessions", "attendance", "feedback"):
        for rows in json.loads(archive.read(f"{part}.json")).values():
            for row in rows:
                for key, value in row.items():
                    if "person" in key or key == "id":
                        assert value != scene.otto.pk, (part, key)


def test_the_calendar_feeds_secret_and_the_feed_token_are_not_in_it(client, scene):
    text = everything(download(client, scene.zeb))

    assert scene.zeb.calendar_token.token not in text
    assert "token=secret" not in text


def test_evaluation_answers_are_not_in_it_and_the_readme_says_why(client, scene):
    archive = download(client, scene.zeb)

    readme = archive.read("README.txt").decode()
    assert "anonymous by design" in readme
    assert "Zebedee Quintessa-Marlow" in readme
    feedback = json.loads(archive.read("feedback.json"))
    assert set(feedback) == {
        "session_feedback",
        "evaluations_answered",
        "themes_you_tagged",
        "evaluations_you_opened",
    }


def test_only_the_signed_in_persons_data_whatever_the_query(client, scene):
    client.force_login(scene.zeb)

    response = client.get(DOWNLOAD, {"person": scene.otto.pk, "pk": scene.otto.pk})
    text = everything(zipfile.ZipFile(io.BytesIO(response.content)))

    assert "zq.marlow@example.org" in text
    assert OTTO["email"] not in text


def test_an_organiser_downloads_their_own_actions_not_the_people_acted_on(client, scene):
    archive = download(client, scene.organiser)
    account = json.loads(archive.read("account.json"))
    attendance = json.loads(archive.read("attendance.json"))

    assert len(account["invitations_sent"]) == 2
    assert len(account["exports_you_made"]) == 2
    assert {a["action"] for a in attendance["certificates_you_issued_or_revoked"]} == {"issued"}
    text = everything(archive)
    for who in (scene.zeb, scene.otto):
        assert who.full_name not in text
        assert who.email not in text


def test_a_leader_downloads_the_register_changes_they_made_by_id(client, scene):
    archive = download(client, scene.leader)
    attendance = json.loads(archive.read("attendance.json"))

    changes = attendance["register_changes_you_made"]
    assert {c["person_id"] for c in changes} == {scene.zeb.pk, scene.otto.pk}
    assert "Ottoline" not in everything(archive)


def test_a_person_with_nothing_gets_empty_lists(client, db):
    archive = download(client, factories.UserFactory())

    sessions = json.loads(archive.read("sessions.json"))
    assert all(rows == [] for rows in sessions.values())


def test_downloads_are_rate_limited(client, scene):
    client.force_login(scene.zeb)
    statuses = [client.get(DOWNLOAD).status_code for _ in range(6)]

    assert statuses == [200] * 5 + [429]
    assert "wait a minute" in client.get(DOWNLOAD).content.decode()


def test_spreadsheet_formulas_in_the_csv_are_made_inert(client, scene):
    scene.zeb.full_name = '=HYPERLINK("https://evil.example/")'
    scene.zeb.save()
    archive = download(client, scene.zeb)

    profile = archive.read("account/profile.csv").decode("utf-8-sig")
    assert "\"'=HYPERLINK" in profile or "'=HYPERLINK" in profile

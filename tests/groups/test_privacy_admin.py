"""Staff erase people from the Django admin (the same service), and read the privacy records."""

import pytest

from groups.models import ERASED_NAME, AccessLogEntry, PersonErasure, RetentionRun
from tests import factories
from tests.factories.privacy import ZEB, scene_with_two_people
from tests.factories.sessions import NOW

CHANGELIST = "/admin/groups/user/"


pytestmark = pytest.mark.usefixtures("frozen_now")


@pytest.fixture
def scene(db):
    return scene_with_two_people()


@pytest.fixture
def staff(db):
    return factories.UserFactory(is_staff=True, is_superuser=True, full_name="Site Staff")


def act(client, people, **extra):
    return client.post(
        CHANGELIST,
        {"action": "erase_people", "_selected_action": [p.pk for p in people], **extra},
    )


def test_the_action_asks_for_confirmation_first(client, scene, staff):
    client.force_login(staff)

    response = act(client, [scene.zeb])

    assert response.status_code == 200
    content = response.content.decode()
    assert "cannot be undone" in content
    assert ZEB["email"] in content
    assert not PersonErasure.objects.exists()


def test_a_wrong_confirmation_erases_nothing(client, scene, staff):
    client.force_login(staff)

    response = act(client, [scene.zeb], confirmation="yes")

    assert response.status_code == 200
    assert "Type ERASE to confirm" in response.content.decode()
    assert not PersonErasure.objects.exists()


def test_confirmed_it_erases_through_the_service(client, scene, staff):
    client.force_login(staff)

    response = act(client, [scene.zeb, scene.otto], confirmation="erase")

    assert response.status_code == 302
    assert set(PersonErasure.objects.values_list("person", "reason", "erased_by")) == {
        (scene.zeb.pk, "staff", staff.pk),
        (scene.otto.pk, "staff", staff.pk),
    }
    scene.zeb.refresh_from_db()
    assert scene.zeb.full_name == ERASED_NAME


def test_staff_are_not_erased_by_their_own_hand_and_current_members_are_refused(
    client, scene, staff
):
    current = factories.MembershipFactory(group=scene.group).person
    client.force_login(staff)

    page = act(client, [staff, current]).content.decode()
    act(client, [staff, current, scene.zeb], confirmation="ERASE")

    assert "You cannot erase your own record." in page
    assert "end that membership" in page
    assert list(PersonErasure.objects.values_list("person", flat=True)) == [scene.zeb.pk]
    messages = [str(m) for m in client.get(CHANGELIST).context["messages"]]
    assert any("not erased" in m for m in messages)


def test_a_non_staff_user_cannot_reach_the_action(client, scene):
    client.force_login(scene.organiser)

    response = act(client, [scene.zeb], confirmation="ERASE")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert not PersonErasure.objects.exists()


@pytest.mark.parametrize(
    "path",
    [
        "/admin/groups/personerasure/",
        "/admin/groups/accesslogentry/",
        "/admin/groups/retentionrun/",
    ],
)
def test_the_privacy_records_are_readable_and_not_editable(client, scene, staff, path):
    AccessLogEntry.objects.create(
        actor=staff, action="overview_export", scheme=scene.scheme, description="x"
    )
    RetentionRun.objects.create(ran_at=NOW, removed={"clashes": 1})
    client.force_login(staff)
    act(client, [scene.zeb], confirmation="ERASE")

    assert client.get(path).status_code == 200
    assert client.get(path + "add/").status_code == 403


def test_the_scheme_admin_shows_the_privacy_settings(client, scene, staff):
    client.force_login(staff)

    content = client.get(f"/admin/groups/scheme/{scene.scheme.pk}/change/").content.decode()

    for field in (
        "controller_name",
        "privacy_contact",
        "roster_retention_days",
        "account_retention_days",
    ):
        assert f'name="{field}"' in content

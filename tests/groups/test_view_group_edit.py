"""`/groups/<pk>/edit/`: an organiser changes a group's settings."""

from datetime import time

import pytest

from groups.models import BalintGroup
from tests.access import access, assert_sign_in_first


def url(group):
    return f"/groups/{group.pk}/edit/"


def form_data(group, **overrides):
    return {
        "name": group.name,
        "meeting_weekday": str(group.meeting_weekday),
        "start_time": group.start_time.strftime("%H:%M"),
        "duration_minutes": str(group.duration_minutes),
        "frequency": group.frequency,
        "location": group.location,
        "online_link": group.online_link,
        "min_members": str(group.min_members),
        "max_members": str(group.max_members),
        **overrides,
    }


def test_anonymous_is_sent_to_sign_in(client, group):
    assert_sign_in_first(client, url(group))


@pytest.mark.parametrize(("role", "status"), access(trainee=403, leader=403, organiser=200))
def test_access_by_role(group, status, signed_in):
    assert signed_in.get(url(group)).status_code == status


@pytest.mark.parametrize(
    ("role", "status"), [("leader", 403), ("trainee", 403), ("other_scheme_organiser", 404)]
)
def test_others_cannot_change_the_group(client, request, group, role, status):
    client.force_login(request.getfixturevalue(role))
    response = client.post(url(group), form_data(group, name="Renamed"))
    assert response.status_code == status
    group.refresh_from_db()
    assert group.name != "Renamed"


def test_organiser_changes_the_group(client, group, organiser):
    client.force_login(organiser)
    response = client.post(
        url(group),
        form_data(group, name="Renamed", start_time="08:30", location="Room 4", max_members="9"),
    )

    assert response.status_code == 302
    assert response["Location"] == f"/groups/{group.pk}/"
    group.refresh_from_db()
    assert group.name == "Renamed"
    assert group.start_time == time(8, 30)
    assert group.location == "Room 4"
    assert group.max_members == 9


def test_invalid_change_saves_nothing(client, group, organiser):
    client.force_login(organiser)
    response = client.post(url(group), form_data(group, name="Renamed", min_members="13"))

    assert response.status_code == 400
    group.refresh_from_db()
    assert group.name != "Renamed"
    assert group.min_members == 6


def test_renaming_to_another_groups_name_is_refused(client, group, other_group, organiser):
    client.force_login(organiser)
    response = client.post(url(group), form_data(group, name=other_group.name))

    assert response.status_code == 400
    assert BalintGroup.objects.filter(name=other_group.name).count() == 1

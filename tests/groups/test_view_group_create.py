"""`/schemes/<pk>/groups/new/`: an organiser creates a group in their scheme."""

from datetime import time

import pytest

from groups.models import BalintGroup
from tests.access import ORGANISERS_ONLY, assert_sign_in_first


def url(scheme):
    return f"/schemes/{scheme.pk}/groups/new/"


def form_data(**overrides):
    return {
        "name": "Thursday Lunchtime",
        "meeting_weekday": "3",
        "start_time": "13:00",
        "duration_minutes": "75",
        "frequency": "fortnightly",
        "location": "Library",
        "online_link": "",
        "min_members": "6",
        "max_members": "10",
        **overrides,
    }


def test_anonymous_is_sent_to_sign_in(client, scheme):
    assert_sign_in_first(client, url(scheme))


@pytest.mark.parametrize(("role", "status"), ORGANISERS_ONLY)
def test_access_by_role(scheme, status, signed_in):
    assert signed_in.get(url(scheme)).status_code == status


@pytest.mark.parametrize("role", ["leader", "trainee", "other_scheme_organiser"])
def test_others_cannot_create_a_group(client, request, scheme, group, role):
    client.force_login(request.getfixturevalue(role))
    response = client.post(url(scheme), form_data())
    assert response.status_code == 404
    assert list(BalintGroup.objects.all()) == [group]


def test_organiser_creates_a_group(client, scheme, organiser):
    client.force_login(organiser)
    response = client.post(url(scheme), form_data(online_link="meet.example.org/balint"))

    group = BalintGroup.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/groups/{group.pk}/"
    assert group.scheme == scheme
    assert group.name == "Thursday Lunchtime"
    assert group.meeting_weekday == BalintGroup.Weekday.THURSDAY
    assert group.start_time == time(13, 0)
    assert group.duration_minutes == 75
    assert group.frequency == BalintGroup.Frequency.FORTNIGHTLY
    assert group.location == "Library"
    assert group.online_link == "https://meet.example.org/balint"
    assert (group.min_members, group.max_members) == (6, 10)


def test_minimum_above_maximum_is_refused(client, scheme, organiser):
    client.force_login(organiser)
    response = client.post(url(scheme), form_data(min_members="9", max_members="8"))
    assert response.status_code == 400
    assert not BalintGroup.objects.exists()
    assert "The minimum cannot exceed the maximum." in response.content.decode()


def test_duplicate_name_in_the_scheme_is_refused(client, scheme, group, organiser):
    client.force_login(organiser)
    response = client.post(url(scheme), form_data(name=group.name))
    assert response.status_code == 400
    assert list(BalintGroup.objects.all()) == [group]
    assert response.context["form"].errors


def test_missing_fields_are_refused(client, scheme, organiser):
    client.force_login(organiser)
    response = client.post(url(scheme), form_data(name="", start_time=""))
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"name", "start_time"}
    assert not BalintGroup.objects.exists()


def test_junk_meeting_link_is_refused(client, scheme, organiser):
    client.force_login(organiser)
    response = client.post(url(scheme), form_data(online_link="not a link"))
    assert response.status_code == 400
    assert "online_link" in response.context["form"].errors
    assert not BalintGroup.objects.exists()

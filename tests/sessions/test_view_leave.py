"""`/leave/` and `/leave/<pk>/delete/`: a person records and removes their own leave."""

from datetime import date

import pytest

from sessions.models import Leave
from tests.access import assert_sign_in_first
from tests.factories.sessions import LeaveFactory

URL = "/leave/"


pytestmark = pytest.mark.usefixtures("frozen_now")


def delete_url(leave):
    return f"/leave/{leave.pk}/delete/"


def test_anonymous_is_sent_to_sign_in(client, trainee):
    leave = LeaveFactory(person=trainee)
    for url in (URL, delete_url(leave)):
        assert_sign_in_first(client, url, method="post")
    assert Leave.objects.count() == 1


@pytest.mark.parametrize(
    "role",
    ["trainee", "leader", "other_group_leader", "organiser", "other_scheme_organiser", "stranger"],
)
def test_everyone_signed_in_may_record_their_own_leave(client, request, role):
    person = request.getfixturevalue(role)
    client.force_login(person)
    assert client.get(URL).status_code == 200

    response = client.post(
        URL, {"kind": "study", "start_date": "2026-03-16", "end_date": "2026-03-20"}
    )

    assert response.status_code == 302
    assert response["Location"] == URL
    leave = Leave.objects.get()
    assert (leave.person, leave.kind) == (person, Leave.Kind.STUDY)
    assert (leave.start_date, leave.end_date) == (date(2026, 3, 16), date(2026, 3, 20))


def test_a_single_day_is_fine(client, trainee):
    client.force_login(trainee)
    response = client.post(
        URL, {"kind": "other", "start_date": "2026-03-18", "end_date": "2026-03-18"}
    )
    assert response.status_code == 302
    assert Leave.objects.filter(person=trainee, start_date=date(2026, 3, 18)).exists()


def test_leave_that_ends_before_it_starts_is_refused(client, trainee):
    client.force_login(trainee)
    response = client.post(
        URL, {"kind": "annual", "start_date": "2026-03-20", "end_date": "2026-03-16"}
    )

    assert response.status_code == 400
    assert "The leave ends before it starts." in response.content.decode()
    assert Leave.objects.count() == 0


def test_lists_only_my_current_and_upcoming_leave(client, trainee, leader):
    current = LeaveFactory(person=trainee, start_date=date(2026, 2, 23), end_date=date(2026, 3, 6))
    upcoming = LeaveFactory(person=trainee, start_date=date(2026, 4, 6), end_date=date(2026, 4, 10))
    LeaveFactory(person=trainee, start_date=date(2026, 2, 2), end_date=date(2026, 2, 6))
    LeaveFactory(person=leader, start_date=date(2026, 3, 9), end_date=date(2026, 3, 13))
    client.force_login(trainee)

    response = client.get(URL)

    assert list(response.context["leave"]) == [current, upcoming]
    assert "Annual leave: Mon 6 Apr 2026 – Fri 10 Apr 2026" in response.content.decode()


def test_removing_my_leave(client, trainee):
    leave = LeaveFactory(person=trainee)
    client.force_login(trainee)

    response = client.post(delete_url(leave))

    assert response.status_code == 302
    assert response["Location"] == URL
    assert not Leave.objects.filter(pk=leave.pk).exists()


@pytest.mark.parametrize(
    "role", ["leader", "other_group_leader", "organiser", "other_scheme_organiser", "stranger"]
)
def test_nobody_else_can_remove_my_leave(client, request, trainee, role):
    leave = LeaveFactory(person=trainee)
    client.force_login(request.getfixturevalue(role))

    assert client.post(delete_url(leave)).status_code == 404
    assert Leave.objects.filter(pk=leave.pk).exists()


def test_removing_needs_a_post(client, trainee):
    leave = LeaveFactory(person=trainee)
    client.force_login(trainee)
    assert client.get(delete_url(leave)).status_code == 405
    assert Leave.objects.filter(pk=leave.pk).exists()

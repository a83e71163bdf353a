"""`/visit/`, `/sessions/<pk>/visit/`, `/visits/<pk>/withdraw/`: a trainee asks to attend
another group's session as a guest, and takes it back."""

import pytest

from sessions.models import GuestRequest
from tests import factories
from tests.access import access, assert_sign_in_first
from tests.factories.sessions import SessionFactory, wednesdays

pytestmark = pytest.mark.usefixtures("frozen_now")


@pytest.fixture
def visited(other_group):
    return SessionFactory(group=other_group, slot_date=wednesdays(1)[0])


def test_anonymous_is_sent_to_sign_in(client, visited):
    assert_sign_in_first(client, "/visit/")
    assert_sign_in_first(client, f"/sessions/{visited.pk}/visit/", method="post")


@pytest.mark.parametrize(("role", "status"), access(trainee=302))
def test_only_a_member_of_another_group_in_the_scheme_may_ask(visited, role, status, signed_in):
    response = signed_in.post(f"/sessions/{visited.pk}/visit/")

    assert response.status_code == status
    assert GuestRequest.objects.exists() == (status == 302)


def test_the_page_offers_other_groups_sessions_and_shows_the_request(client, trainee, visited):
    client.force_login(trainee)
    page = client.get("/visit/").content.decode()
    assert visited.group.name in page and "Ask to attend" in page

    response = client.post(f"/sessions/{visited.pk}/visit/", follow=True)

    assert "leaders will answer by email" in response.content.decode()
    assert "Waiting for the leader" in response.content.decode()


def test_the_guest_withdraws(client, trainee, visited):
    made = GuestRequest.objects.create(session=visited, person=trainee)
    client.force_login(trainee)

    response = client.post(f"/visits/{made.pk}/withdraw/", follow=True)

    assert "Request withdrawn." in response.content.decode()
    assert GuestRequest.objects.get().status == GuestRequest.Status.WITHDRAWN


def test_no_one_withdraws_anothers_request(client, visited, trainee, group):
    made = GuestRequest.objects.create(session=visited, person=trainee)
    client.force_login(factories.MembershipFactory(group=group).person)

    assert client.post(f"/visits/{made.pk}/withdraw/").status_code == 404
    assert GuestRequest.objects.get().status == GuestRequest.Status.PENDING


@pytest.mark.parametrize("groups", [1, 6])
def test_the_page_runs_the_same_queries_at_any_size(
    client, trainee, scheme, groups, django_assert_num_queries
):
    for _ in range(groups):
        group = factories.GroupFactory(scheme=scheme)
        for day in wednesdays(3):
            session = SessionFactory(group=group, slot_date=day)
            GuestRequest.objects.create(session=session, person=trainee)
    client.force_login(trainee)

    with django_assert_num_queries(5):
        assert client.get("/visit/").status_code == 200

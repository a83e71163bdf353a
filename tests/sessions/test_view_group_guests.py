"""`/groups/<pk>/guests/` and `/visits/<pk>/accept|decline/`: a group's leaders answer
trainees of other groups who asked to visit."""

import pytest

from sessions.models import GuestRequest
from tests import factories
from tests.access import GROUP_LEADERS_AND_ORGANISERS, access, assert_sign_in_first
from tests.factories.sessions import SessionFactory, wednesdays

pytestmark = pytest.mark.usefixtures("frozen_now")


@pytest.fixture
def asked(group, other_group):
    """A member of the other group asks to visit `group`'s next session."""
    visitor = factories.MembershipFactory(group=other_group, person__full_name="Dr Visitor").person
    session = SessionFactory(group=group, slot_date=wednesdays(1)[0])
    return GuestRequest.objects.create(session=session, person=visitor)


def test_anonymous_is_sent_to_sign_in(client, group, asked):
    assert_sign_in_first(client, f"/groups/{group.pk}/guests/")
    assert_sign_in_first(client, f"/visits/{asked.pk}/accept/", method="post")


@pytest.mark.parametrize(("role", "status"), GROUP_LEADERS_AND_ORGANISERS)
def test_the_groups_leaders_and_organisers_read_the_requests(group, asked, role, status, signed_in):
    response = signed_in.get(f"/groups/{group.pk}/guests/")

    assert response.status_code == status
    if status == 200:
        assert "Dr Visitor" in response.content.decode()


@pytest.mark.parametrize(("role", "status"), access(trainee=403, leader=302, organiser=302))
def test_the_groups_leaders_and_organisers_answer(asked, role, status, signed_in):
    response = signed_in.post(f"/visits/{asked.pk}/accept/")

    assert response.status_code == status
    accepted = GuestRequest.objects.get().status == GuestRequest.Status.ACCEPTED
    assert accepted == (status == 302)


def test_declining_says_so(client, leader, asked):
    client.force_login(leader)

    response = client.post(f"/visits/{asked.pk}/decline/", follow=True)

    assert "Dr Visitor’s visit declined." in response.content.decode()
    assert GuestRequest.objects.get().status == GuestRequest.Status.DECLINED


@pytest.mark.parametrize("visitors", [1, 8])
def test_the_page_runs_the_same_queries_at_any_size(
    client, leader, group, other_group, visitors, django_assert_num_queries
):
    session = SessionFactory(group=group, slot_date=wednesdays(1)[0])
    for _ in range(visitors):
        person = factories.MembershipFactory(group=other_group).person
        GuestRequest.objects.create(session=session, person=person)
    client.force_login(leader)

    with django_assert_num_queries(6):
        assert client.get(f"/groups/{group.pk}/guests/").status_code == 200

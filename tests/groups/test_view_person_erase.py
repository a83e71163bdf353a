"""`/schemes/<pk>/people/<person_pk>/erase/`: an organiser erases a person of their scheme."""

import pytest

from groups.models import ERASED_NAME, Membership, PersonErasure
from tests import factories
from tests.access import assert_sign_in_first
from tests.factories.privacy import MEMBERSHIP_END, MEMBERSHIP_START, ZEB, scene_with_two_people
from tests.factories.sessions import NOW

pytestmark = pytest.mark.usefixtures("frozen_now")


@pytest.fixture
def scene(db):
    return scene_with_two_people()


def url(scheme, person):
    return f"/schemes/{scheme.pk}/people/{person.pk}/erase/"


def confirm(client, scene, typed=ZEB["email"]):
    return client.post(url(scene.scheme, scene.zeb), {"email": typed})


def test_anonymous_is_sent_to_sign_in(client, scene):
    target = url(scene.scheme, scene.zeb)

    assert_sign_in_first(client, target, method="post", data={"email": ZEB["email"]})
    assert not PersonErasure.objects.exists()


@pytest.mark.parametrize("role", ["leader", "otto", "stranger", "other_organiser", "staff"])
def test_only_the_schemes_organisers_find_the_page(client, scene, role):
    actor = {
        "leader": lambda: scene.leader,
        "otto": lambda: scene.otto,
        "stranger": factories.UserFactory,
        "other_organiser": lambda: factories.OrganiserFactory().person,
        "staff": lambda: factories.UserFactory(is_staff=True, is_superuser=True),
    }[role]()
    client.force_login(actor)

    assert client.get(url(scene.scheme, scene.zeb)).status_code == 404
    assert confirm(client, scene).status_code == 404
    assert not PersonErasure.objects.exists()


def test_someone_outside_the_scheme_is_404(client, scene):
    outsider = factories.MembershipFactory().person
    client.force_login(scene.organiser)

    assert client.get(url(scene.scheme, outsider)).status_code == 404


def test_the_confirmation_page_says_what_happens_and_asks_for_the_address(client, scene):
    client.force_login(scene.organiser)

    response = client.get(url(scene.scheme, scene.zeb))

    assert response.status_code == 200
    content = response.content.decode()
    assert "cannot be undone" in content
    assert 'name="email"' in content
    assert "Type the person&#x27;s email address to confirm" in content


def test_the_wrong_address_erases_nothing(client, scene):
    client.force_login(scene.organiser)

    response = confirm(client, scene, typed="someone@example.org")

    assert response.status_code == 400
    assert "not this person" in response.content.decode()
    assert not PersonErasure.objects.exists()


def test_the_right_address_erases_and_returns_to_the_scheme(client, scene):
    client.force_login(scene.organiser)

    response = confirm(client, scene, typed=f"  {ZEB['email'].upper()} ")

    assert response.status_code == 302
    assert response["Location"] == f"/schemes/{scene.scheme.pk}/people/"
    scene.zeb.refresh_from_db()
    assert scene.zeb.full_name == ERASED_NAME
    erasure = PersonErasure.objects.get()
    assert (erasure.person, erasure.erased_by, erasure.scheme) == (
        scene.zeb,
        scene.organiser,
        scene.scheme,
    )
    page = client.get(response["Location"]).content.decode()
    assert "Record erased on 2 Mar 2026" in page
    assert ZEB["email"] not in page


def test_the_overview_no_longer_shows_the_person(client, scene):
    """The overview (the figures table) follows an erasure."""
    client.force_login(scene.organiser)
    overview = f"/schemes/{scene.scheme.pk}/overview/"
    assert ZEB["full_name"] in client.get(overview).content.decode()

    confirm(client, scene)

    content = client.get(overview).content.decode()
    assert ZEB["full_name"] not in content
    assert ERASED_NAME in content


def test_yourself_is_refused(client, scene):
    client.force_login(scene.organiser)

    assert client.get(url(scene.scheme, scene.organiser)).status_code == 403


def test_a_current_member_is_shown_why_and_not_erased(client, scene):
    factories.MembershipFactory(person=scene.zeb, group=scene.group, start_date=NOW.date())
    client.force_login(scene.organiser)

    page = client.get(url(scene.scheme, scene.zeb))
    posted = confirm(client, scene)

    assert page.status_code == 200
    assert "end that membership" in page.content.decode()
    assert 'name="email"' not in page.content.decode()
    assert posted.status_code == 409
    assert not PersonErasure.objects.exists()


def test_a_person_of_another_scheme_too_is_left_to_staff(client, scene):
    factories.MembershipFactory(
        person=scene.zeb, start_date=MEMBERSHIP_START, end_date=MEMBERSHIP_END
    )
    client.force_login(scene.organiser)

    page = client.get(url(scene.scheme, scene.zeb)).content.decode()

    assert "only staff can erase" in page
    assert confirm(client, scene).status_code == 409
    assert not PersonErasure.objects.exists()


def test_an_erased_person_cannot_be_erased_again(client, scene):
    client.force_login(scene.organiser)
    confirm(client, scene)

    response = client.get(url(scene.scheme, scene.zeb))

    assert "already been erased" in response.content.decode()
    assert PersonErasure.objects.count() == 1


def test_the_people_page_offers_erasure_for_others_not_oneself(client, scene):
    client.force_login(scene.organiser)

    content = client.get(f"/schemes/{scene.scheme.pk}/people/").content.decode()

    assert url(scene.scheme, scene.zeb) in content
    assert url(scene.scheme, scene.organiser) not in content
    assert Membership.objects.filter(person=scene.zeb).exists()

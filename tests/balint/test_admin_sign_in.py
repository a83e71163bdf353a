"""The Django admin signs in through allauth's page (balint.admin_login), so its
failed sign-in limits, email verification and sign-in codes apply to staff too."""

import re
from urllib.parse import quote

import pytest
from django.contrib.auth import SESSION_KEY

from groups.models import User
from tests import factories

TOO_MANY = "Too many failed login attempts. Try again later."
BOSS = "Boss@Example.org"
BOSS_PASSWORD = "a-long-admin-pass-phrase"


def signed_in_as(client):
    value = client.session.get(SESSION_KEY)
    return int(value) if value is not None else None


@pytest.fixture
def superuser(db):
    """As `manage.py createsuperuser` makes one: no allauth EmailAddress row."""
    return User.objects.create_superuser(email=BOSS, password=BOSS_PASSWORD, full_name="Boss")


@pytest.fixture
def staff(db):
    person = factories.UserFactory(is_staff=True, is_superuser=True)
    return person


def test_the_admin_sends_people_to_the_site_sign_in(client, db):
    to_login = client.get("/admin/groups/user/")
    to_site = client.get(to_login["Location"])

    assert to_login["Location"] == "/admin/login/?next=/admin/groups/user/"
    assert to_site.status_code == 302
    assert to_site["Location"] == "/accounts/login/?next=" + quote("/admin/groups/user/", safe="")


def test_the_admin_login_form_takes_no_password(client, staff):
    for _ in range(15):
        client.post("/admin/login/", {"username": staff.email, "password": "guess"})
    right = client.post(
        "/admin/login/?next=/admin/", {"username": staff.email, "password": factories.PASSWORD}
    )

    assert right.status_code == 302
    assert right["Location"].startswith("/accounts/login/")
    assert signed_in_as(client) is None


def sign_in_page_from_the_admin(client):
    """Where /admin/ sends a signed-out browser: allauth's page, `next` kept."""
    page = client.get("/admin/", follow=True)
    (url, _), *_ = reversed(page.redirect_chain)
    assert url.startswith("/accounts/login/?next=")
    assert TOO_MANY not in page.content.decode()
    return url


def test_fifteen_wrong_passwords_then_the_right_one_do_not_reach_the_admin(client, staff):
    url = sign_in_page_from_the_admin(client)
    for _ in range(15):
        client.post(url, {"login": staff.email, "password": "guess"})
    right = client.post(url, {"login": staff.email, "password": factories.PASSWORD})

    assert TOO_MANY in right.content.decode()
    assert signed_in_as(client) is None
    assert client.get("/admin/").status_code == 302


def test_staff_sign_in_on_the_site_page_and_land_in_the_admin(client, staff):
    url = sign_in_page_from_the_admin(client)
    done = client.post(url, {"login": staff.email, "password": factories.PASSWORD})

    assert done["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_a_command_line_superuser_confirms_the_email_once_then_reaches_the_admin(
    client, superuser, mailoutbox
):
    url = sign_in_page_from_the_admin(client)
    first = client.post(url, {"login": BOSS.lower(), "password": BOSS_PASSWORD})
    assert first["Location"] == "/accounts/confirm-email/"
    (message,) = mailoutbox
    assert message.to == [BOSS.lower()]
    (path,) = re.findall(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", message.body)

    confirmed = client.post(path)
    assert confirmed.status_code == 302  # confirmed; allauth asks to sign in again
    assert signed_in_as(client) is None

    again = client.post("/accounts/login/?next=/admin/", {"login": BOSS, "password": BOSS_PASSWORD})

    assert again["Location"] == "/admin/"
    assert signed_in_as(client) == superuser.pk
    assert client.get("/admin/").status_code == 200


def test_a_signed_in_person_who_is_not_staff_is_refused_not_looped(client, trainee):
    client.force_login(trainee)

    to_login = client.get("/admin/")
    refused = client.get(to_login["Location"])

    assert to_login["Location"] == "/admin/login/?next=/admin/"
    assert refused.status_code == 403


def test_signed_in_staff_go_straight_on(client, staff):
    client.force_login(staff)

    response = client.get("/admin/login/?next=/admin/groups/user/")

    assert response["Location"] == "/admin/groups/user/"


def test_an_outside_next_is_ignored(client, db):
    response = client.get("/admin/login/?next=https://evil.example/")

    assert response["Location"] == "/accounts/login/?next=" + quote("/admin/", safe="")

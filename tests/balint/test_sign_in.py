"""Sign-in through allauth: email as login, no open sign-up, rate limits, password reset."""

import re

from django.contrib.auth import SESSION_KEY

from groups.models import User
from tests import factories

TOO_MANY = "Too many failed login attempts. Try again later."


def signed_in_as(client):
    value = client.session.get(SESSION_KEY)
    return int(value) if value is not None else None


def sign_in(client, login, password):
    return client.post("/accounts/login/", {"login": login, "password": password})


def test_sign_in_with_email_and_password(client, trainee):
    response = sign_in(client, trainee.email, factories.PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert signed_in_as(client) == trainee.pk


def test_sign_in_ignores_the_case_of_the_email(client, trainee):
    response = sign_in(client, trainee.email.upper(), factories.PASSWORD)

    assert response.status_code == 302
    assert signed_in_as(client) == trainee.pk


def test_wrong_password_is_refused(client, trainee):
    response = sign_in(client, trainee.email, "not-the-password")

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert signed_in_as(client) is None


def test_unknown_email_is_refused(client, db):
    response = sign_in(client, "nobody@example.org", factories.PASSWORD)
    assert response.status_code == 200
    assert signed_in_as(client) is None


def test_unverified_email_cannot_sign_in(client, db):
    from allauth.account.models import EmailAddress

    person = factories.UserFactory()
    EmailAddress.objects.filter(user=person).update(verified=False)

    response = sign_in(client, person.email, factories.PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert signed_in_as(client) is None


def test_inactive_person_cannot_sign_in(client, trainee):
    trainee.is_active = False
    trainee.save()

    sign_in(client, trainee.email, factories.PASSWORD)

    assert signed_in_as(client) is None


def test_sign_out(client, trainee):
    client.force_login(trainee)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert signed_in_as(client) is None


def test_sign_up_is_closed(client, db):
    page = client.get("/accounts/signup/")
    assert "account/signup_closed.html" in [t.name for t in page.templates]

    client.post(
        "/accounts/signup/",
        {
            "email": "walk-in@example.org",
            "password1": "a-long-pass-2",
            "password2": "a-long-pass-2",
        },
    )
    assert not User.objects.filter(email="walk-in@example.org").exists()
    assert signed_in_as(client) is None


def test_sign_in_page_does_not_offer_sign_up(client, db):
    content = client.get("/accounts/login/").content.decode()
    assert 'href="/accounts/signup/"' not in content


def test_login_rate_limit_engages_after_repeated_failures(client, trainee):
    # ACCOUNT_RATE_LIMITS["login_failed"] allows 5 failures per email from one address
    # in 5 minutes (the test client is always 127.0.0.1).
    for _ in range(5):
        failed = sign_in(client, trainee.email, "not-the-password")
        assert TOO_MANY not in failed.content.decode()

    response = sign_in(client, trainee.email, factories.PASSWORD)

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [TOO_MANY]
    assert TOO_MANY in response.content.decode()
    assert signed_in_as(client) is None


def test_rate_limit_counts_failures_per_email(client, trainee, leader):
    for _ in range(5):
        sign_in(client, trainee.email, "not-the-password")

    response = sign_in(client, leader.email, factories.PASSWORD)

    assert response.status_code == 302
    assert signed_in_as(client) == leader.pk


def test_rate_limit_ignores_the_case_of_the_email(client, trainee):
    for n in range(5):
        login = trainee.email.upper() if n % 2 else trainee.email
        sign_in(client, login, "not-the-password")

    response = sign_in(client, trainee.email.upper(), factories.PASSWORD)

    assert response.context["form"].non_field_errors() == [TOO_MANY]
    assert signed_in_as(client) is None


def test_successful_sign_ins_do_not_use_up_the_limit(client, trainee):
    for _ in range(6):
        assert sign_in(client, trainee.email, factories.PASSWORD).status_code == 302
        client.logout()


def test_password_reset_sends_a_working_link(client, trainee, mailoutbox):
    response = client.post("/accounts/password/reset/", {"email": trainee.email})

    assert response.status_code == 302
    (message,) = mailoutbox
    assert message.to == [trainee.email]
    (path,) = re.findall(r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)", message.body)

    form_page = client.get(path, follow=True)
    assert form_page.status_code == 200
    set_password_path = form_page.redirect_chain[-1][0]
    new = "a-new-pass-phrase-for-balint"
    done = client.post(set_password_path, {"password1": new, "password2": new})

    assert done.status_code == 302
    trainee.refresh_from_db()
    assert trainee.check_password(new)


def test_password_change_needs_sign_in(client, db):
    response = client.get("/accounts/password/change/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")

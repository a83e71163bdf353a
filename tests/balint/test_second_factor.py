"""A second factor (allauth.mfa): required for organisers and staff, optional for the
rest; sign-in with an authenticator code or a recovery code, by password or by an
emailed code. The browser journeys are in tests/browser/test_second_factor.py."""

import io
import re
import zipfile

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.contrib.auth import SESSION_KEY
from django.core.cache import cache

from groups.middleware import NEEDED
from tests import factories

CODE_LINE = re.compile(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", re.MULTILINE)


@pytest.fixture(autouse=True)
def required(settings):
    settings.SECOND_FACTOR_REQUIRED = True


def current_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))


def with_totp(person) -> str:
    secret = generate_totp_secret()
    TOTP.activate(person, secret)
    return secret


def sign_in(client, person):
    return client.post("/accounts/login/", {"login": person.email, "password": factories.PASSWORD})


def confirm_password(client):
    """allauth asks for the password again before a second factor is added or removed."""
    done = client.post("/accounts/reauthenticate/", {"password": factories.PASSWORD})
    assert done.status_code == 302, done.content.decode()[:2000]


def signed_in_as(client):
    value = client.session.get(SESSION_KEY)
    return int(value) if value is not None else None


# --- Who must have one --------------------------------------------------------------------


def test_an_organiser_without_one_is_sent_to_set_one_up(client, organiser, scheme):
    client.force_login(organiser)

    for path in ("/", f"/schemes/{scheme.pk}/", f"/schemes/{scheme.pk}/mail/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == "/accounts/2fa/"

    page = client.get("/accounts/2fa/")
    assert page.status_code == 200
    assert [str(m) for m in page.context["messages"]] == [NEEDED]  # once, not per redirect


def test_staff_without_one_are_sent_to_set_one_up(client, db):
    staff = factories.UserFactory(is_staff=True)
    client.force_login(staff)

    assert client.get("/").headers["Location"] == "/accounts/2fa/"
    assert client.get("/admin/").headers["Location"] == "/accounts/2fa/"


def test_a_trainee_or_leader_goes_on_without_one(client, trainee, leader):
    for person in (trainee, leader):
        client.force_login(person)
        assert client.get("/").status_code == 200


def test_an_organiser_with_one_goes_on(client, organiser, scheme):
    with_totp(organiser)
    client.force_login(organiser)

    assert client.get(f"/schemes/{scheme.pk}/").status_code == 200


def test_recovery_codes_alone_are_not_enough(client, organiser):
    RecoveryCodes.activate(organiser)
    client.force_login(organiser)

    assert client.get("/").headers["Location"] == "/accounts/2fa/"


def test_signing_out_and_setting_one_up_stay_open(client, organiser):
    client.force_login(organiser)

    assert client.get("/accounts/2fa/").status_code == 200
    assert client.get("/privacy/").status_code == 200
    assert client.post("/accounts/logout/").status_code == 302
    assert signed_in_as(client) is None


def test_the_answer_is_asked_again_when_the_factor_is_removed(client, organiser):
    """Kept in the session once yes, so removing the factor must clear it."""
    secret = with_totp(organiser)
    sign_in(client, organiser)
    client.post("/accounts/2fa/authenticate/", {"code": current_code(secret)})
    assert client.get("/").status_code == 200

    cache.clear()  # allauth remembers used codes; the reauthentication needs one
    client.post("/accounts/2fa/reauthenticate/", {"code": current_code(secret)})
    removed = client.post("/accounts/2fa/totp/deactivate/")
    assert removed.status_code == 302

    assert client.get("/").headers["Location"] == "/accounts/2fa/"


def test_a_new_organiser_role_is_checked_at_the_next_sign_in(client, scheme):
    person = factories.UserFactory()
    sign_in(client, person)
    assert client.get("/").status_code == 200

    factories.OrganiserFactory(scheme=scheme, person=person)
    client.post("/accounts/logout/")
    sign_in(client, person)

    assert client.get("/").headers["Location"] == "/accounts/2fa/"


# --- Setting one up and signing in with it -------------------------------------------------


def test_an_organiser_sets_up_an_authenticator_app_and_then_goes_on(client, organiser, scheme):
    sign_in(client, organiser)
    confirm_password(client)
    page = client.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 200
    secret = page.context["form"].secret

    done = client.post("/accounts/2fa/totp/activate/", {"code": current_code(secret)})

    assert done.status_code == 302
    assert Authenticator.objects.filter(user=organiser, type="totp").exists()
    assert Authenticator.objects.filter(user=organiser, type="recovery_codes").exists()
    assert client.get(f"/schemes/{scheme.pk}/").status_code == 200


def test_a_wrong_code_sets_nothing_up(client, organiser):
    sign_in(client, organiser)
    confirm_password(client)
    secret = client.get("/accounts/2fa/totp/activate/").context["form"].secret
    wrong = f"{(int(current_code(secret)) + 1) % 1_000_000:06d}"

    page = client.post("/accounts/2fa/totp/activate/", {"code": wrong})

    assert page.status_code == 200
    assert "Incorrect code." in page.content.decode()
    assert not Authenticator.objects.filter(user=organiser).exists()


def enter_code_when_asked(client, asked, person, secret):
    """The first step did not sign in; the code from the app does."""
    assert asked.headers["Location"] == "/accounts/2fa/authenticate/"
    assert signed_in_as(client) is None
    client.post("/accounts/2fa/authenticate/", {"code": current_code(secret)})
    assert signed_in_as(client) == person.pk


def test_sign_in_with_a_password_then_asks_for_the_code(client, organiser):
    secret = with_totp(organiser)

    asked = sign_in(client, organiser)

    enter_code_when_asked(client, asked, organiser, secret)


def test_a_wrong_code_does_not_sign_in(client, organiser):
    secret = with_totp(organiser)
    sign_in(client, organiser)

    wrong = f"{(int(current_code(secret)) + 1) % 1_000_000:06d}"
    client.post("/accounts/2fa/authenticate/", {"code": wrong})

    assert signed_in_as(client) is None


def test_a_recovery_code_signs_in_once(client, organiser):
    with_totp(organiser)
    (code, *_) = RecoveryCodes.activate(organiser).get_unused_codes()

    sign_in(client, organiser)
    client.post("/accounts/2fa/authenticate/", {"code": code})
    assert signed_in_as(client) == organiser.pk

    client.post("/accounts/logout/")
    sign_in(client, organiser)
    client.post("/accounts/2fa/authenticate/", {"code": code})
    assert signed_in_as(client) is None


def test_an_emailed_sign_in_code_still_asks_for_the_second_factor(client, organiser, mailoutbox):
    """The code proves the mailbox, not the phone: a stolen mailbox is not enough."""
    secret = with_totp(organiser)
    asked = client.post("/accounts/login/code/", {"email": organiser.email})
    (code,) = CODE_LINE.findall(mailoutbox[-1].body)

    entered = client.post(asked["Location"], {"code": code})

    enter_code_when_asked(client, entered, organiser, secret)


def test_a_trainee_may_add_one_and_is_then_asked_for_it(client, trainee):
    secret = with_totp(trainee)

    enter_code_when_asked(client, sign_in(client, trainee), trainee, secret)
    assert client.get("/").status_code == 200


# --- Privacy ---------------------------------------------------------------------------------


def test_my_data_lists_second_factors_but_never_their_secrets(client, trainee):
    secret = with_totp(trainee)
    codes = RecoveryCodes.activate(trainee).get_unused_codes()
    client.force_login(trainee)

    body = client.get("/my-data/download/").content

    archive = zipfile.ZipFile(io.BytesIO(body))
    text = "".join(archive.read(name).decode() for name in archive.namelist())
    assert "second_factors" in text
    assert "TOTP Authenticator" in text
    assert secret not in text
    assert not any(code in text for code in codes)


def test_erasure_removes_second_factors(organiser, scheme):
    from groups import services

    other = factories.OrganiserFactory(scheme=scheme).person
    with_totp(other)

    services.person_erase(actor=organiser, person=other, scheme=scheme)

    assert not Authenticator.objects.filter(user=other).exists()

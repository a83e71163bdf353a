"""Sign-in by an emailed code (ACCOUNT_LOGIN_BY_CODE_ENABLED): the way in when the
password is forgotten, or blocked by someone else's failed sign-ins."""

import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client

from tests import factories

TOO_MANY = "Too many failed login attempts. Try again later."
PROXY = "10.0.0.2"
CODE_LINE = re.compile(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", re.MULTILINE)


pytestmark = pytest.mark.usefixtures("frozen_now")


def signed_in_as(client):
    value = client.session.get(SESSION_KEY)
    return int(value) if value is not None else None


def browser(address):
    return Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=address)


def emailed_code(message) -> str:
    """The code in allauth's "Sign-In Code" mail: a line of its own, like ZSBZ-QDZX."""
    (code,) = CODE_LINE.findall(message.body)
    return code


def sign_in_by_code(client, email, mailoutbox, *, next_url=None):
    """Asks for a code, reads it from the mail and enters it; returns the last response."""
    suffix = f"?next={next_url}" if next_url else ""
    sent_before = len(mailoutbox)
    asked = client.post(f"/accounts/login/code/{suffix}", {"email": email})
    assert asked.status_code == 302, asked.content.decode()[:2000]
    assert asked["Location"].startswith("/accounts/login/code/confirm/")
    assert len(mailoutbox) == sent_before + 1
    message = mailoutbox[-1]
    assert message.to == [email]
    return client.post(asked["Location"], {"code": emailed_code(message)})


def test_the_sign_in_page_offers_a_code(client, db):
    page = client.get("/accounts/login/").content.decode()

    assert 'href="/accounts/login/code/' in page
    assert "Send me a sign-in code" in page


def test_a_code_from_the_mail_signs_in(client, trainee, mailoutbox):
    done = sign_in_by_code(client, trainee.email, mailoutbox)

    assert done.status_code == 302
    assert done["Location"] == "/"
    assert signed_in_as(client) == trainee.pk


def test_the_code_keeps_where_the_person_was_going(client, trainee, mailoutbox):
    done = sign_in_by_code(client, trainee.email, mailoutbox, next_url="/my/rota/")

    assert done["Location"] == "/my/rota/"
    assert signed_in_as(client) == trainee.pk


def test_a_wrong_code_does_not_sign_in_and_three_void_it(client, trainee, mailoutbox):
    asked = client.post("/accounts/login/code/", {"email": trainee.email})
    code = emailed_code(mailoutbox[-1])
    wrong = "0000-0000" if code != "0000-0000" else "1111-1111"

    for _ in range(3):
        client.post(asked["Location"], {"code": wrong})
    too_late = client.post(asked["Location"], {"code": code})

    assert signed_in_as(client) is None
    assert too_late.status_code == 302  # back to the start: the code is void
    assert not too_late["Location"].startswith("/accounts/login/code/confirm/")


def test_a_code_expires_after_ten_minutes(client, trainee, mailoutbox, frozen_now):
    asked = client.post("/accounts/login/code/", {"email": trainee.email})
    code = emailed_code(mailoutbox[-1])

    frozen_now.shift(10 * 60 + 1)
    client.post(asked["Location"], {"code": code})

    assert signed_in_as(client) is None


def test_an_unknown_email_gets_no_code(client, db, mailoutbox):
    asked = client.post("/accounts/login/code/", {"email": "nobody@example.org"})

    # The same answer as for a known email (no telling who has an account)...
    assert asked.status_code == 302
    assert asked["Location"].startswith("/accounts/login/code/confirm/")
    # ...but no code is sent.
    assert not [m for m in mailoutbox if CODE_LINE.search(m.body)]
    assert signed_in_as(client) is None


def test_a_leader_locked_out_of_the_password_signs_in_by_code_at_once(
    leader, mailoutbox, behind_proxy, frozen_now
):
    # Failures against the leader's email from many addresses reach the
    # per-account ceiling (login_failed_account: 30 an hour)...
    for n in range(40):
        frozen_now.shift(0.1)
        browser(f"192.0.2.{n + 1}").post(
            "/accounts/login/", {"login": leader.email, "password": "guess"}
        )
    at_work = browser("198.51.100.50")
    by_password = at_work.post(
        "/accounts/login/", {"login": leader.email, "password": factories.PASSWORD}
    )
    assert TOO_MANY in by_password.content.decode()
    assert signed_in_as(at_work) is None

    # ...yet the emailed code lets the leader in straight away.
    done = sign_in_by_code(at_work, leader.email, mailoutbox)

    assert done.status_code == 302
    assert signed_in_as(at_work) == leader.pk


def test_code_requests_for_someone_else_do_not_stop_the_owners(
    leader, mailoutbox, behind_proxy, frozen_now
):
    """Asking for codes is limited per email from each address, not per email: someone
    who knows the leader's email cannot use up the leader's own requests."""

    def attack():  # a fresh session each time: a pending code would be reused
        return browser("192.0.2.66").post("/accounts/login/code/", {"email": leader.email})

    for _ in range(3):
        attack()
    assert TOO_MANY in attack().content.decode()  # 3 a minute from that address
    for _ in range(8):
        frozen_now.shift(61)
        attack()
    assert TOO_MANY in attack().content.decode()  # and 10 an hour
    assert len(mailoutbox) == 10

    done = sign_in_by_code(browser("198.51.100.50"), leader.email, mailoutbox)

    assert done.status_code == 302

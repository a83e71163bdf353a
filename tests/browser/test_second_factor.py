"""Second factors in a real browser (allauth.mfa, groups.middleware): an organiser
must set up an authenticator app before anything else, reading the secret and the
recovery codes from the pages; signs in again with a code from the app or with a
recovery code, each accepted once; is sent back to set one up after deactivating
their only one. A trainee is not asked. Another organiser removes a leader's lost
second factor and the access log says so. A passkey from Chromium's virtual
authenticator, added and then used to sign in.

allauth.mfa's own pages (in our layout) are scanned with axe-core. The rule is off
in balint.test_settings; every test here turns it on with the `settings` fixture
(the live server runs in this process, so it sees the change).

Every test here runs once per viewport (the `page` fixture is parametrised).
"""

import re
import time

import pytest
import time_machine
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.core.cache import cache
from playwright.sync_api import Page, expect

from balint.models import OutboundEmail
from groups.middleware import NEEDED
from groups.models import AccessLogEntry
from tests import factories
from tests.browser.helpers import (
    LOGIN_PATH,
    assert_no_serious_violations,
    sign_in,
    sign_out,
)

pytestmark = pytest.mark.browser

MFA_INDEX_PATH = "/accounts/2fa/"
AUTHENTICATE_PATH = "/accounts/2fa/authenticate/"


@pytest.fixture(autouse=True)
def second_factor_required(settings):
    settings.SECOND_FACTOR_REQUIRED = True
    # allauth remembers used TOTP codes in the cache; start every test clean.
    cache.clear()
    yield
    cache.clear()


def totp_code(secret: str) -> str:
    """The code an authenticator app shows now for `secret`.

    allauth accepts only the current 30-second step (MFA_TOTP_TOLERANCE 0), so a
    code computed in the last seconds of a step may be stale when the form
    arrives: wait for the next step instead.
    """
    period = mfa_settings.TOTP_PERIOD
    if period - time.time() % period < 3:
        time.sleep(period - time.time() % period + 0.1)
    (counter,) = yield_hotp_counters_from_time()
    return format_hotp_value(hotp_value(secret, counter))


def give_authenticator_app(person) -> tuple[str, list[str]]:
    """Set up an authenticator app and recovery codes server-side, as if the person
    had done it earlier; returns the secret and the unused recovery codes."""
    secret = generate_totp_secret()
    TOTP.activate(person, secret)
    codes = RecoveryCodes.activate(person).get_unused_codes()
    return secret, codes


def enter_password(page: Page, person) -> None:
    page.goto(LOGIN_PATH)
    page.get_by_label("Email").fill(person.email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name=re.compile(r"^sign in$", re.IGNORECASE)).click()


def enter_second_factor(page: Page, code: str) -> None:
    """allauth's second step of signing in: the code from the app or a recovery code."""
    expect(page).to_have_url(re.compile(re.escape(AUTHENTICATE_PATH)))
    expect(page.get_by_role("heading", level=1)).to_have_text("Two-Factor Authentication")
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Sign In", exact=True).click()


def confirm_access(page: Page) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm Access")
    assert_no_serious_violations(page)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Confirm").click()


def panel(page: Page, title: str):
    """One of the cards of allauth's second-factor page, found by its heading (the
    cards are <section>s without an accessible name, so not landmarks)."""
    heading = page.get_by_role("heading", name=title, exact=True, level=2)
    return page.locator("section").filter(has=heading)


def expect_home(page: Page, person) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hello, {person.full_name}")


def expect_sent_to_second_factor_page(page: Page) -> None:
    expect(page).to_have_url(re.compile(re.escape(MFA_INDEX_PATH) + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Two-Factor Authentication")
    expect(page.get_by_role("status")).to_contain_text(NEEDED)


def test_an_organiser_sets_up_an_authenticator_app_before_anything_else(
    page, demo, browser_problems
):
    scheme_path = f"/schemes/{demo.scheme.pk}/"
    enter_password(page, demo.organiser)

    expect_sent_to_second_factor_page(page)
    assert_no_serious_violations(page)
    # Nothing else until it is done: the scheme page sends them back.
    page.goto(scheme_path)
    expect_sent_to_second_factor_page(page)
    page.goto("/")
    expect_sent_to_second_factor_page(page)

    app = panel(page, "Authenticator App")
    expect(app).to_contain_text("An authenticator app is not active.")
    app.get_by_role("link", name="Activate").click()
    # allauth asks for the password again before a second factor is added
    # (MFA_REAUTHENTICATION_REQUIRED), even just after signing in.
    confirm_access(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Activate Authenticator App")
    assert_no_serious_violations(page)
    # What the person types into their app: read from the page, as they would.
    secret = page.get_by_label("Authenticator secret").input_value()
    assert re.fullmatch(r"[A-Z2-7]{32}", secret), secret
    page.get_by_label("Authenticator code").fill(totp_code(secret))
    page.get_by_role("button", name="Activate").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Recovery Codes")
    recovery_codes = page.get_by_label("Unused codes").input_value().split()
    assert len(recovery_codes) == 10 and len(set(recovery_codes)) == 10, recovery_codes
    assert_no_serious_violations(page)

    page.goto("/")
    expect_home(page, demo.organiser)
    page.goto(scheme_path)
    expect(page).to_have_url(re.compile(re.escape(scheme_path) + "$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(demo.scheme.name)
    page.goto(MFA_INDEX_PATH)
    expect(panel(page, "Authenticator App")).to_contain_text(
        "Authentication using an authenticator app is active."
    )
    expect(panel(page, "Recovery Codes")).to_contain_text(
        "There are 10 out of 10 recovery codes available."
    )
    assert_no_serious_violations(page)
    assert browser_problems == []


def test_an_organiser_signs_in_with_a_code_from_their_app(page, viewport, demo, browser_problems):
    secret, _ = give_authenticator_app(demo.organiser)
    # allauth accepts a code once: it remembers a used one in the cache for its
    # 30-second step, so someone who saw it typed cannot sign in with it. To show
    # that, and then sign in again with a fresh code, the test holds the clock (the
    # live server's too: same process) at the start of a step, and later moves it
    # on to the next step, as an app would show a new code after 30 seconds.
    # (Clearing django.core.cache.cache would do as well, but would hide the rule.)
    period = mfa_settings.TOTP_PERIOD
    step_start = (int(time.time()) // period + 1) * period
    with time_machine.travel(step_start, tick=True) as clock:
        first = totp_code(secret)
        enter_password(page, demo.organiser)
        assert_no_serious_violations(page)
        enter_second_factor(page, first)
        expect_home(page, demo.organiser)
        page.goto(f"/schemes/{demo.scheme.pk}/")
        expect(page.get_by_role("heading", level=1)).to_contain_text(demo.scheme.name)

        sign_out(page, viewport)
        enter_password(page, demo.organiser)
        assert totp_code(secret) == first, "the test took a whole step: too slow to tell"
        enter_second_factor(page, first)
        expect(page).to_have_url(re.compile(re.escape(AUTHENTICATE_PATH)))
        expect(page.get_by_text("Incorrect code.")).to_be_visible()

        clock.shift(period)
        enter_second_factor(page, totp_code(secret))
        expect_home(page, demo.organiser)
    assert browser_problems == []


def test_an_organiser_signs_in_with_a_recovery_code_once(page, viewport, demo, browser_problems):
    _, recovery_codes = give_authenticator_app(demo.organiser)
    code = recovery_codes[3]

    enter_password(page, demo.organiser)
    enter_second_factor(page, code)
    expect_home(page, demo.organiser)
    page.goto(MFA_INDEX_PATH)
    expect(panel(page, "Recovery Codes")).to_contain_text(
        "There are 9 out of 10 recovery codes available."
    )

    sign_out(page, viewport)
    enter_password(page, demo.organiser)
    enter_second_factor(page, code)
    expect(page).to_have_url(re.compile(re.escape(AUTHENTICATE_PATH)))
    expect(page.get_by_text("Incorrect code.")).to_be_visible()
    assert_no_serious_violations(page)
    # Not signed in: the home page keeps them at the code; Cancel gives up.
    page.goto("/")
    expect(page).to_have_url(re.compile(re.escape(AUTHENTICATE_PATH)))
    page.get_by_role("button", name="Cancel").click()
    expect(page).to_have_url(re.compile(re.escape(LOGIN_PATH)))
    page.goto("/")
    expect(page).to_have_url(re.compile(re.escape(LOGIN_PATH)))
    assert browser_problems == []


def test_an_organiser_who_deactivates_their_only_app_must_set_one_up_again(
    page, demo, browser_problems
):
    secret, _ = give_authenticator_app(demo.organiser)
    enter_password(page, demo.organiser)
    enter_second_factor(page, totp_code(secret))
    expect_home(page, demo.organiser)

    page.goto(MFA_INDEX_PATH)
    panel(page, "Authenticator App").get_by_role("link", name="Deactivate").click()
    confirm_access(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Deactivate Authenticator App")
    assert_no_serious_violations(page)
    page.get_by_role("button", name="Deactivate").click()

    expect(panel(page, "Authenticator App")).to_contain_text("An authenticator app is not active.")
    # The session's earlier "has one" is forgotten: back to setting one up.
    page.goto(f"/schemes/{demo.scheme.pk}/")
    expect_sent_to_second_factor_page(page)
    assert browser_problems == []


def test_a_trainee_is_not_asked_for_a_second_factor(page, demo, browser_problems):
    sign_in(page, demo.trainee)

    expect(page).not_to_have_url(re.compile(re.escape(MFA_INDEX_PATH)))
    expect(page.get_by_text(NEEDED)).to_have_count(0)
    page.goto("/")
    expect_home(page, demo.trainee)
    assert browser_problems == []


def test_an_organiser_removes_the_lost_second_factor_of_a_leader(page, demo, browser_problems):
    secret, _ = give_authenticator_app(demo.organiser)
    give_authenticator_app(demo.leader)
    enter_password(page, demo.organiser)
    enter_second_factor(page, totp_code(secret))
    expect_home(page, demo.organiser)
    page.goto(f"/schemes/{demo.scheme.pk}/")
    page.get_by_role("link", name="Everyone in the scheme").click()
    assert_no_serious_violations(page)
    # Only those who have one can lose one.
    expect(page.get_by_role("link", name=re.compile("^Remove second factor…"))).to_have_count(1)

    page.get_by_role("link", name="Remove second factor… of Dr Brendan Leader").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Remove the second factor of Dr Brendan Leader"
    )
    assert_no_serious_violations(page)
    page.get_by_role("button", name="Remove their second factor").click()

    expect(page).to_have_url(re.compile(rf"/schemes/{demo.scheme.pk}/people/$"))
    expect(page.get_by_role("status")).to_contain_text(
        "The second factor of Dr Brendan Leader is removed"
    )
    expect(page.get_by_role("link", name=re.compile("^Remove second factor…"))).to_have_count(0)
    assert not Authenticator.objects.filter(user=demo.leader).exists()
    breadcrumb = page.get_by_role("navigation", name="Breadcrumb")
    breadcrumb.get_by_role("link", name=demo.scheme.name).click()
    page.get_by_role("link", name="Access log").click()
    entry = page.get_by_role("row").filter(has_text="Second factor removed")
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text("Dr Maeve Organiser")
    expect(entry).to_contain_text("Dr Brendan Leader")
    assert AccessLogEntry.objects.filter(
        action=AccessLogEntry.Action.SECOND_FACTOR_RESET, subject=demo.leader
    ).exists()
    # The leader is told, in case it was not them who asked.
    notice = OutboundEmail.objects.get(kind="second_factor_reset")
    assert notice.to == demo.leader.email
    assert "Dr Maeve Organiser" in notice.body_text
    assert browser_problems == []


def add_virtual_authenticator(page: Page) -> None:
    """Chromium's virtual authenticator, as a phone or laptop with a fingerprint
    reader: it keeps passkeys (resident keys) and verifies the person."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )


def test_an_organiser_adds_a_passkey_and_signs_in_with_it(
    page, viewport, demo, browser_problems, live_server
):
    # WebAuthn needs a secure context: http://localhost is one, for Chromium and for
    # fido2's origin check alike, so MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN stays off
    # (live_server serves on localhost, not 127.0.0.1).
    assert live_server.url.startswith("http://localhost:")
    add_virtual_authenticator(page)
    enter_password(page, demo.organiser)
    expect_sent_to_second_factor_page(page)

    panel(page, "Security Keys").get_by_role("link", name="Add").click()
    confirm_access(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Add Security Key")
    assert_no_serious_violations(page)
    page.get_by_label("Name").fill("My phone")
    page.get_by_label("Passwordless").check()
    page.get_by_role("button", name="Add", exact=True).click()

    # The first second factor comes with recovery codes.
    expect(page.get_by_role("heading", level=1)).to_have_text("Recovery Codes")
    passkey = Authenticator.objects.get(user=demo.organiser, type=Authenticator.Type.WEBAUTHN)
    assert passkey.wrap().name == "My phone"
    assert passkey.wrap().is_passwordless
    page.goto("/")
    expect_home(page, demo.organiser)

    sign_out(page, viewport)
    page.get_by_role("button", name="Sign in with a passkey").click()
    expect_home(page, demo.organiser)
    page.goto(f"/schemes/{demo.scheme.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(demo.scheme.name)
    assert browser_problems == []

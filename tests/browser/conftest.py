"""Browser fixtures: one Chromium per module, a fresh context per test, demo-like data.

The tests drive Debian's chromium through Playwright; Playwright's own browser
download is never used. Without chromium the tests skip locally and fail in CI
(REQUIRE_SERVICES=1).
"""

import os
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests import factories
from tests.conftest import skip_or_fail

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Browser context options per size; the phone honours the meta viewport and touch.
VIEWPORTS = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
    "small phone": {
        "viewport": {"width": 320, "height": 640},
        "is_mobile": True,
        "has_touch": True,
    },
}
# Bootstrap scrolls smoothly unless the person asks for reduced motion. A click during that
# scroll can land beside its target: Playwright finds a sticky bar (the register's Save)
# still, clicks where the button was, and the page has moved on (a 2026-12-03 failure,
# shown by tests/browser/test_register.py's log). Reduced motion makes scrolling instant.
CONTEXT_OPTIONS = {"reduced_motion": "reduce"}
# How long an action or expectation waits before giving up: a guard against a
# hung page on a loaded CI machine, not a performance assertion.
ACTION_TIMEOUT_MS = 15_000


@pytest.fixture(scope="module")
def browser():
    """One Chromium for the browser tests of a module.

    While sync Playwright is open it keeps an asyncio loop running on this thread,
    so Django refuses ORM calls (factories, live_server's flush) unless
    DJANGO_ALLOW_ASYNC_UNSAFE is set. Both are confined to the browser tests:
    a session-wide Playwright or environment variable would reach every later
    test, and the variable would leak into subprocesses (`check --deploy` then
    warns about it).
    """
    if not CHROMIUM.exists():
        skip_or_fail(f"chromium not found at {CHROMIUM}")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=ACTION_TIMEOUT_MS)
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


# Most tests run at these two sizes.
TWO_SIZES = ["desktop", "phone"]
# The two ends of the range, for the role journeys and the every-page scan. A 390 px phone
# gets the same layout as 320 px (no breakpoint between them: Bootstrap's and balint.css's
# first is 576 px) with more room, so what fits and works at 320 does at 390 too.
END_SIZES = ["desktop", "small phone"]


@pytest.fixture(params=TWO_SIZES)
def viewport(request) -> str:
    return request.param


@pytest.fixture
def browser_problems() -> list[str]:
    """Console errors and uncaught page errors (a CSP refusal shows up here)."""
    return []


# Whether this process's live server has answered a first request (see warm_up).
_WARMED = []


def warm_up(live_server) -> None:
    """A process's first request imports and compiles much (URLs, views, templates): made
    once here with time to spare, so no test's first page meets ACTION_TIMEOUT_MS when
    pytest-xdist starts several processes at once."""
    if not _WARMED:
        url = f"{live_server.url}/accounts/login/"
        urllib.request.urlopen(url, timeout=120).read()  # noqa: S310 - our own live server
        _WARMED.append(True)


@pytest.fixture
def open_page(browser, live_server, browser_problems):
    """Open a page in a fresh browser context of the given size (a key of VIEWPORTS).

    Each context has its own cookies, so a test can have two people signed in at
    once (a leader takes the register while the trainee watches their count).
    The contexts close when the test ends.
    """
    warm_up(live_server)
    contexts = []

    def open_page(viewport: str):
        context = browser.new_context(
            base_url=live_server.url, **CONTEXT_OPTIONS, **VIEWPORTS[viewport]
        )
        contexts.append(context)
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        page = context.new_page()
        page.on(
            "console",
            lambda message: (
                browser_problems.append(f"console: {message.text}")
                if message.type == "error"
                else None
            ),
        )
        page.on("pageerror", lambda error: browser_problems.append(f"page error: {error}"))
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(open_page, viewport):
    return open_page(viewport)


@dataclass
class DemoScheme:
    scheme: object
    group: object
    organiser: object
    leader: object
    trainee: object
    fellow_members: list


FELLOW_MEMBERS = [
    "Dr Cian Murphy",
    "Dr Niamh Kelly",
    "Dr Darragh O'Brien",
    "Dr Saoirse Walsh",
    "Dr Oisín McCarthy",
]


@pytest.fixture
def demo(transactional_db) -> DemoScheme:
    """A small scheme shaped like `seed_demo`: one organiser, one group with a leader
    and six members, one of them the trainee who signs in."""
    scheme = factories.SchemeFactory(name="Dublin Basic Specialist Training")
    organiser = factories.OrganiserFactory(
        scheme=scheme,
        person__email="organiser@example.com",
        person__full_name="Dr Maeve Organiser",
    ).person
    group = factories.GroupFactory(
        scheme=scheme, name="Wednesday Morning", location="Seminar Room 2"
    )
    leader = factories.LeaderFactory(
        group=group, person__email="leader@example.com", person__full_name="Dr Brendan Leader"
    ).person
    trainee = factories.MembershipFactory(
        group=group, person__email="trainee@example.com", person__full_name="Dr Aoife Trainee"
    ).person
    fellows = [
        factories.MembershipFactory(group=group, person__full_name=name).person
        for name in FELLOW_MEMBERS
    ]
    return DemoScheme(scheme, group, organiser, leader, trainee, fellows)

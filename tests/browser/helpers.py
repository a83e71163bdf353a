"""Steps and checks shared by the browser tests: signing in and out the way a person
does, the collapsed navigation on a phone, and the axe-core scan."""

import os
import re
from pathlib import Path

from axe_playwright_python.base import AXE_SCRIPT
from playwright.sync_api import BrowserContext, Page, expect

from tests import factories

LOGIN_PATH = "/accounts/login/"
# Screenshots for people to review; .ci/run keeps the folder as an artefact.
ARTEFACTS = Path(os.environ.get("BROWSER_ARTEFACTS", "var/browser-artefacts"))
BLOCKING_IMPACTS = {"serious", "critical"}


def sign_in(page: Page, person) -> None:
    """Sign in the way a person does: labelled fields, the sign-in button."""
    page.goto(LOGIN_PATH)
    page.get_by_label("Email").fill(person.email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name=re.compile(r"^sign in$", re.IGNORECASE)).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hello, {person.full_name}")


def save_screenshot(page: Page, name: str) -> Path:
    """A full-page screenshot named for what it shows, e.g. "trainee-home-phone"."""
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTEFACTS / f"{re.sub(r'[^a-z0-9-]+', '-', name.lower())}.png"
    page.screenshot(path=path, full_page=True)
    return path


def fits_the_screen(page: Page, width: int = 390) -> None:
    """No sideways scroll at a screen `width` px wide."""
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def load_axe_on_every_page(context: BrowserContext) -> None:
    """axe-core in every page the context opens, sent to the browser once: for a test that
    scans each page it visits (sending its 500 KB with each scan cost about 40 ms a page)."""
    context.add_init_script(script=AXE_SCRIPT)


# Of the rules axe-core runs by default (enabled, and not tagged experimental or
# deprecated: its tagExclude), those that can report a serious or critical violation: whose
# own impact, or one of whose checks' impact, is one of these. The others can report only
# minor or moderate ones, so leaving them out changes no blocking result, and takes about
# a third off each scan.
BLOCKING_RULES = """() => {
    const blocking = (impact) => impact === 'serious' || impact === 'critical';
    const checks = axe._audit.data.checks;
    const byDefault = (rule) => rule.enabled !== false
        && !rule.tags.some((tag) => axe._audit.tagExclude.includes(tag));
    const rules = axe._audit.rules.filter((rule) => byDefault(rule) && (
        blocking(rule.impact) || [...rule.any, ...rule.all, ...rule.none].some(
            (check) => blocking((checks[check.id || check] || {}).impact))));
    if (rules.length === 0) throw new Error('no axe-core rule can block: has its data changed?');
    return rules.map((rule) => rule.id);
}"""
SCAN = f"""(everyRule) => axe.run(everyRule
    ? {{resultTypes: ['violations']}}
    : {{runOnly: {{type: 'rule', values: ({BLOCKING_RULES})()}}, resultTypes: ['violations']}})"""


def blocking_violations(page: Page, every_rule: bool = False) -> list[dict]:
    """axe-core's serious and critical violations on the page: of BLOCKING_RULES, or with
    every_rule of every rule axe-core runs by default (as axe_playwright_python runs it).
    axe-core is loaded first where the page lacks it."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE_SCRIPT)
    results = page.evaluate(SCAN, every_rule)
    return [v for v in results["violations"] if v["impact"] in BLOCKING_IMPACTS]


def assert_no_serious_violations(page: Page) -> None:
    blocking = blocking_violations(page)
    assert not blocking, f"axe-core on {page.url}:\n" + "\n".join(
        format_violation(v) for v in blocking
    )


def format_violation(violation: dict) -> str:
    lines = [f"- {violation['id']} ({violation['impact']}): {violation['help']}"]
    for node in violation["nodes"]:
        lines.append(f"    at {', '.join(map(str, node['target']))}: {node['html']}")
        if node.get("failureSummary"):
            lines.extend(f"      {line}" for line in node["failureSummary"].splitlines())
    return "\n".join(lines)


def open_navigation_if_collapsed(page: Page, viewport: str) -> None:
    toggler = page.get_by_role("button", name="Show navigation")
    if viewport != "desktop":
        sign_out = page.get_by_role("button", name="Sign out")
        expect(toggler).to_be_visible()
        expect(toggler).to_have_attribute("aria-expanded", "false")
        expect(sign_out).to_be_hidden()
        toggler.click()
        expect(toggler).to_have_attribute("aria-expanded", "true")
        # Bootstrap adds "show" once the opening transition has finished: checked at each
        # frame, where an expectation polls at 100, 250 and 500 ms (0.7 s a time).
        page.wait_for_function(
            "() => document.getElementById('main-nav').classList.contains('show')"
        )
        expect(sign_out).to_be_visible()
    else:
        expect(toggler).to_be_hidden()


def open_from_navigation(page: Page, viewport: str, name: str) -> None:
    """Follow a link of the main navigation, opening it first on a phone."""
    open_navigation_if_collapsed(page, viewport)
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True).click()


def sign_out(page: Page, viewport: str) -> None:
    open_navigation_if_collapsed(page, viewport)
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(re.escape(LOGIN_PATH)))
    expect(page.get_by_label("Email")).to_be_visible()
    # Signed out for real: the home page sends us back to sign in.
    page.goto("/")
    expect(page).to_have_url(re.compile(re.escape(LOGIN_PATH)))


def mark_everyone_present(page: Page) -> None:
    """Tap the register's "Everyone present" once register.js has made it a plain button:
    before that it posts the form (the no-script way), and a loaded machine can be slow."""
    button = page.get_by_role("button", name="Everyone present")
    expect(button).to_have_attribute("type", "button")
    button.click()

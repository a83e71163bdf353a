"""The axe-core scan the browser tests rely on finds a blocking violation, whether axe-core
came with the page (load_axe_on_every_page) or is sent when the scan starts."""

import pytest

from tests.browser.helpers import blocking_violations, load_axe_on_every_page

pytestmark = pytest.mark.browser

# An image with no alternative text (critical) and a button with no name (critical).
FLAWED = "<html lang='en'><title>t</title><main><img src='x.png'><button></button></main></html>"
SOUND = "<html lang='en'><title>t</title><main><h1>Fine</h1><p>Nothing wrong.</p></main></html>"


def found(page) -> set[str]:
    return {violation["id"] for violation in blocking_violations(page)}


def test_axe_sent_with_the_scan_finds_the_violations(open_page):
    page = open_page("desktop")
    page.set_content(FLAWED)
    assert page.evaluate("typeof window.axe") == "undefined"
    assert {"image-alt", "button-name"} <= found(page)
    page.set_content(SOUND)
    assert found(page) == set()


def test_axe_loaded_with_every_page_finds_them_on_each_new_page(open_page):
    page = open_page("desktop")
    load_axe_on_every_page(page.context)
    page.goto(f"data:text/html,{SOUND}")
    assert page.evaluate("typeof window.axe") == "object"
    assert found(page) == set()
    page.goto(f"data:text/html,{FLAWED}")
    assert page.evaluate("typeof window.axe") == "object"
    assert {"image-alt", "button-name"} <= found(page)

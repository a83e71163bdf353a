"""The axe-core scan the browser tests rely on finds a blocking violation, whether axe-core
came with the page (load_axe_on_every_page) or is sent when the scan starts, and finds
what a scan with every rule finds."""

import pytest

from tests.browser.helpers import blocking_violations, load_axe_on_every_page

pytestmark = pytest.mark.browser

# An image with no alternative text (critical) and a button with no name (critical).
FLAWED = "<html lang='en'><title>t</title><main><img src='x.png'><button></button></main></html>"
# Serious and critical violations of many kinds, and minor and moderate ones beside them.
MANY_FLAWS = """<html><title>t</title><body>
<img src='x.png'><button></button><a href='/x'></a><input type='text'>
<p style='color:#777;background:#888'>Hard to read</p>
<div role='buttton'>Misspelt role</div><div aria-hidden='true'><a href='/y'>Hidden link</a></div>
<span id='twice'></span><span id='twice'></span><label for='nowhere'>Orphan</label>
<select><option>One</option></select><table><tr><th></th></tr></table>
<h1></h1><h4>Skipped levels</h4><ul><div>Not an item</div></ul>
<marquee>Old</marquee><blink>Older</blink>
<div tabindex='5'>Positive tab index</div><area href='/z'>
<input type='image' src='y.png'><svg role='img'></svg>
<meta http-equiv='refresh' content='600'>
</body></html>"""
# What only an experimental rule reports (p-as-heading, serious), which axe-core does not
# run by default.
LOOKS_LIKE_A_HEADING = """<html lang='en'><title>t</title><main><article><h3>Toward</h3>
<p style='font-size:1.5rem;margin-bottom:.25rem'><strong>4</strong> of 30 sessions</p>
<progress value=4 max=30>13%</progress>
<p style='margin-bottom:.25rem'>You reach 30 on <strong>1 May</strong>, attending every session.</p>
<p style='font-size:.875em'>At 30, your organiser issues your certificate.</p>
<a href='/p'>Your progress in detail</a></article></main></html>"""
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


@pytest.mark.parametrize(("content", "at_least"), [(MANY_FLAWS, 10), (LOOKS_LIKE_A_HEADING, 0)])
def test_the_blocking_rules_find_what_every_rule_finds(open_page, content, at_least):
    """What a scan of every rule axe-core runs by default finds, no more and no less."""
    page = open_page("desktop")
    page.set_content(content)

    def found_by(**options) -> list[tuple[str, str]]:
        return sorted(
            (violation["id"], violation["impact"])
            for violation in blocking_violations(page, **options)
        )

    every_rule = found_by(every_rule=True)
    assert len(every_rule) >= at_least
    assert found_by() == every_rule

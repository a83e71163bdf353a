"""The browser tests' own condition: a page scrolls at once, never smoothly, so a click
lands on what Playwright measured (tests/browser/conftest.py CONTEXT_OPTIONS)."""

import pytest

pytestmark = pytest.mark.browser

# Focus a field below the fold, then note where the page is over the next frames.
SCROLL_AFTER_FOCUS = """async () => {
  const filler = document.createElement("div");
  filler.style.height = "3000px";
  const field = document.createElement("input");
  field.setAttribute("aria-label", "Far down");
  document.querySelector("main").append(filler, field);
  field.focus();
  const where = [];
  for (let frame = 0; frame < 5; frame++) {
    await new Promise((resolve) => requestAnimationFrame(resolve));
    where.push(Math.round(scrollY));
  }
  return where;
}"""


def test_focusing_a_field_below_the_fold_scrolls_there_at_once(open_page):
    page = open_page("desktop")
    page.goto("/accounts/login/")
    where = page.evaluate(SCROLL_AFTER_FOCUS)
    assert where[0] > 2000, where  # there already in the first frame
    assert len(set(where)) == 1, where  # and still

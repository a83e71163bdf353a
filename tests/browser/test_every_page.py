"""Every page each role can reach, at every size: no serious or critical axe-core
violation, no sideways scroll (of the page, or of a box inside it), no console error, and
the actions in their order of importance.

Each role signs in through the real form and follows same-origin links from home,
breadth first, as far as they lead (not only one click deep), in one browser context
per crawl. A page is one route: /sessions/12/move/ and /sessions/13/move/ render the
same template, so the second is skipped, as are further query strings of a path,
downloads, the admin and signing out. The scheme is shaped like `seed_demo`: a term
half held, registers, a filled rota with a swap, leave and an on-call clash, feedback
and themes, assessments, an open evaluation, a certificate, an invitation and undelivered
mail.

Then the stacked tables of static/js/tables.js and balint.css, checked cell by cell.
"""

from collections import deque
from datetime import timedelta

import pytest
from django.urls import Resolver404, resolve
from django.utils import timezone

from attendance.assessments import services as assessment_services
from attendance.models import Attendance
from balint.models import OutboundEmail
from sessions.models import Session
from sessions.rosters import services as roster_services
from tests import factories
from tests.browser.conftest import END_SIZES, VIEWPORTS
from tests.browser.helpers import (
    blocking_violations,
    format_violation,
    load_axe_on_every_page,
    sign_in,
)
from tests.factories.assessments import completed, form_of
from tests.factories.attendance import attend, held_sessions
from tests.factories.certificates import CertificateFactory, led_by
from tests.factories.feedback import (
    SessionFeedbackFactory,
    TermEvaluationFactory,
    ThemeFactory,
    tag,
)
from tests.factories.rosters import csv_file
from tests.factories.sessions import LeaveFactory, SessionFactory, SwapRequestFactory

pytestmark = pytest.mark.browser

# More distinct pages than any role has today; reaching it means the crawl is lost
# (or the app grew: raise it).
MAX_PAGES = 80
DOWNLOADS = (".csv", ".pdf", ".ics", ".xlsx", ".zip")
SKIPPED_PREFIXES = ("/admin/", "/accounts/logout/")
# A page each role reaches only three or more clicks from home.
DEEP = {
    "trainee": "sessions/<int:pk>/feedback/",  # Feedback, then a session
    "leader": "sessions/<int:pk>/register/history/",  # group, sessions, register, history
    "organiser": "schemes/<int:scheme_pk>/trainees/<int:person_pk>/",  # scheme, overview
}
# The assessment pages each role reaches (issue 20), from the home page or the scheme's.
ASSESSMENT_PAGES = {
    "trainee": {"assessments/", "assessments/<int:pk>/"},
    "leader": {"assessments/<int:pk>/complete/", "assessments/to-complete/"},
    "organiser": {"schemes/<int:pk>/assessment-forms/", "assessment-forms/<int:pk>/"},
}
HELD_WEEKS = 4
UPCOMING_WEEKS = 6
# What the crawl checks on each page, read in one call (a call costs a round trip):
# - width: the page's width, to compare with the screen's;
# - scrollers: boxes in the page that scroll sideways. Content cut off at the edge of a
#   frame is as hidden as a page that scrolls. A grid that stays tabular (table-tabular)
#   and a sample of a file's lines (pre) may, and are reachable by keyboard (axe checks);
# - mainActions: the order of importance of actions (static/css/balint.css) allows one
#   main action on a page (a btn-primary outside the rows of a list or table, where it
#   repeats per row), the others outline-secondary, danger only for what destroys;
# - offOrder: Bootstrap's ready-made colours say nothing about importance and are not
#   used; outline-primary only as the face of a toggle (a radio styled as a button);
# - links: the same-origin links, each once.
PAGE_FACTS = """() => ({
  width: document.documentElement.scrollWidth,
  scrollers: [...document.querySelectorAll('#main *')]
    .filter((e) => e.scrollWidth > e.clientWidth + 1
      && !e.matches('input, select, textarea, pre'))
    .filter((e) => ['auto', 'scroll'].includes(getComputedStyle(e).overflowX))
    .filter((e) => !e.querySelector('table.table-tabular'))
    .map((e) => `${e.tagName.toLowerCase()}.${[...e.classList].join('.')}:`
      + ` ${e.scrollWidth} px in ${e.clientWidth}`),
  mainActions: [...document.querySelectorAll('#main .btn-primary')]
    .filter((b) => b.getClientRects().length && !b.closest('tr, li'))
    .map((b) => b.textContent.trim()),
  offOrder: [...document.querySelectorAll(
      '.btn-success, .btn-outline-success, .btn-info, .btn-outline-info, .btn-warning,'
      + ' .btn-outline-warning, .btn-light, .btn-dark, .btn-secondary, .btn-outline-primary')]
    .filter((b) => !b.matches('.btn-check + .btn'))
    .map((b) => `${b.className}: ${b.textContent.trim()}`),
  links: [...new Set([...document.querySelectorAll('a[href]')]
    .filter((a) => a.origin === location.origin)
    .map((a) => a.pathname + a.search))],
})"""


@pytest.fixture
def lived_in(demo):
    """The `demo` scheme a few weeks into its term: something on every page."""
    scheme, group, trainee, leader = demo.scheme, demo.group, demo.trainee, demo.leader
    fellows = demo.fellow_members
    members = [trainee, *fellows]
    # The group met yesterday, so its latest session is inside the week of feedback.
    last = timezone.localdate() - timedelta(days=1)
    group.meeting_weekday = last.weekday()
    group.save()

    held = held_sessions(group, [last - timedelta(weeks=k) for k in reversed(range(HELD_WEEKS))])
    for session, presenter in zip(held, fellows, strict=False):
        session.presenter = presenter
        session.save()
    led_by(leader, held)
    for number, person in enumerate(members):
        statuses = [Attendance.Status.PRESENT] * HELD_WEEKS
        statuses[number % HELD_WEEKS] = Attendance.Status.ABSENT if number % 2 else "late"
        attend(person, held, statuses)
    for person in fellows[:3]:
        SessionFeedbackFactory(session=held[-1], person=person, comment="A good space to think.")
    themes = [ThemeFactory(scheme=scheme, name=name) for name in ("on-call", "boundaries")]
    tag(held[-1], *themes)
    tag(held[-2], themes[0])

    upcoming = [
        SessionFactory(group=group, slot_date=last + timedelta(weeks=k))
        for k in range(1, UPCOMING_WEEKS + 1)
    ]
    for session, presenter in zip(upcoming, [fellows[0], trainee, *fellows[1:]], strict=False):
        session.presenter = presenter
        session.save()
    SessionFactory(
        group=group,
        slot_date=last + timedelta(weeks=UPCOMING_WEEKS + 1),
        status=Session.Status.CANCELLED,
        cancel_reason="Leader at a conference",
    )
    SwapRequestFactory(requester_session=upcoming[0], recipient_session=upcoming[1])
    LeaveFactory(person=trainee, start_date=upcoming[3].slot_date)
    # On call through the trainee's presenting date: a clash on My rota and the sessions page.
    day = upcoming[1].slot_date
    roster_services.roster_upload(
        actor=trainee,
        raw=csv_file(f"{day} 08:00,{day} 20:00,Day on call"),
        filename="hospital-rota.csv",
        name="Hospital on-call rota",
    )

    # An assessment completed for the trainee, and another's request waiting for the leader.
    form = form_of(scheme)
    completed(
        assessment_services.assessment_request(trainee=trainee, session=held[-1], form=form),
        leader,
    )
    assessment_services.assessment_request(trainee=fellows[0], session=held[-1], form=form)

    TermEvaluationFactory(group=group, opened_by=demo.organiser)
    CertificateFactory(trainee=fellows[-1], scheme=scheme, issued_by=demo.organiser)
    factories.InvitationFactory(scheme=scheme, group=group, full_name="Dr Róisín New")
    factories.OutboundEmailFactory(
        scheme=scheme, person=fellows[0], state=OutboundEmail.State.FAILED, subject="Reminder"
    )
    # A second group below its minimum size: the organiser is told about it.
    small = factories.GroupFactory(scheme=scheme, name="Thursday Evening")
    factories.LeaderFactory(group=small, person__full_name="Dr Fionn Leader")
    factories.MembershipFactory(group=small, person__full_name="Dr Clodagh Ryan")
    return demo


def route_of(path: str) -> str | None:
    """The route of a same-origin path worth following, or None."""
    path = path.split("?", 1)[0]
    if path.startswith(SKIPPED_PREFIXES) or path.endswith(DOWNLOADS) or "/download" in path:
        return None
    try:
        return resolve(path).route
    except Resolver404:
        return path  # a broken link is still visited, and fails on its status


def crawl(page, checks) -> dict[str, str]:
    """Visit every page reachable from home, breadth first; returns {route: path} visited.
    `checks(path, response, facts)` is given each page's PAGE_FACTS."""
    queue = deque([(resolve("/").route, "/")])
    seen_routes = {resolve("/").route}
    seen_paths = {"/"}
    visited = {}
    while queue:
        assert len(visited) < MAX_PAGES, f"more than {MAX_PAGES} pages: {list(visited.values())}"
        route, target = queue.popleft()
        response = page.goto(target)
        facts = page.evaluate(PAGE_FACTS)
        checks(target, response, facts)
        visited[route] = target
        # Most links repeat from page to page (the navigation, the same lists): a path is
        # resolved once.
        for path in facts["links"]:
            if path in seen_paths:
                continue
            seen_paths.add(path)
            link_route = route_of(path)
            if link_route and link_route not in seen_routes:
                seen_routes.add(link_route)
                queue.append((link_route, path))
    return visited


@pytest.mark.parametrize("size", END_SIZES)
@pytest.mark.parametrize("role", ["trainee", "leader", "organiser"])
def test_every_page_a_person_can_reach_is_accessible_and_fits(
    open_page, lived_in, browser_problems, role, size
):
    page = open_page(size)
    load_axe_on_every_page(page.context)
    screen_width = VIEWPORTS[size]["viewport"]["width"]
    sign_in(page, getattr(lived_in, role))
    problems: list[str] = []

    def checks(path, response, facts) -> None:
        if response is None or response.status >= 400:
            problems.append(f"{path}: status {response.status if response else 'none'}")
            return
        # The screen's width, not window.innerWidth: a phone zooms out to fit a page
        # too wide for it, and innerWidth then grows with the page.
        if facts["width"] > screen_width:
            problems.append(
                f"{path}: {facts['width']} px wide at {screen_width} px (sideways scroll)"
            )
        problems.extend(f"{path}: scrolls sideways inside {box}" for box in facts["scrollers"])
        main_actions = facts["mainActions"]
        if len(main_actions) > 1:
            problems.append(f"{path}: {len(main_actions)} main actions: {main_actions}")
        problems.extend(f"{path}: off the order of actions: {b}" for b in facts["offOrder"])
        problems.extend(
            f"{path}: axe-core\n{format_violation(violation)}"
            for violation in blocking_violations(page)
        )
        while browser_problems:
            problems.append(f"{path}: {browser_problems.pop(0)}")

    visited = crawl(page, checks)

    # The crawl went deep: each role reached a page three or more clicks from home.
    assert DEEP[role] in visited, visited
    assert ASSESSMENT_PAGES[role] <= set(visited), visited
    assert not problems, f"{role} at {size}, {len(visited)} pages:\n" + "\n".join(problems)


# --- Tables on a phone ------------------------------------------------------------------

CELL = """(cell) => ({
    display: getComputedStyle(cell.parentElement).display,
    label: cell.dataset.label || null,
    shown: getComputedStyle(cell, '::before').content,
})"""


def test_a_table_becomes_labelled_cards_on_a_phone_and_stays_a_table_on_a_desktop(
    open_page, lived_in, browser_problems
):
    sessions = f"/groups/{lived_in.group.pk}/sessions/"
    phone = open_page("small phone")
    sign_in(phone, lived_in.leader)
    phone.goto(sessions)

    row = phone.get_by_role("row").filter(has=phone.get_by_label("Presenter on", exact=False))
    cells = row.first.get_by_role("cell")
    when, presenter, expected, actions = (cells.nth(i).evaluate(CELL) for i in range(4))
    # Each row is a card, each cell labelled with its column's visible header...
    assert when["display"] == "block" and when["label"] == "When"
    # Shown before the cell's content, with empty alternative text: not read out twice.
    assert when["shown"] == '"When" / ""', when
    assert presenter["label"] == "Presenter" and expected["label"] == "Expected"
    # ...but the actions, whose header only a screen reader hears, carry no label.
    assert actions["label"] is None and actions["shown"] == "none"
    # The header row is still there for screen readers, and the roles say it is a table.
    assert phone.get_by_role("columnheader", name="Presenter").count() == 1
    assert phone.evaluate("document.documentElement.scrollWidth") <= 320

    desktop = open_page("desktop")
    sign_in(desktop, lived_in.leader)
    desktop.goto(sessions)
    row = desktop.get_by_role("row").filter(has=desktop.get_by_label("Presenter on", exact=False))
    first_cell = row.first.get_by_role("cell").first.evaluate(CELL)
    assert first_cell["display"] == "table-row"
    assert first_cell["shown"] == "none"
    assert browser_problems == []


def test_a_wide_grid_opts_out_and_scrolls_inside_its_frame(open_page, lived_in, browser_problems):
    page = open_page("small phone")
    sign_in(page, lived_in.organiser)
    page.goto(f"/schemes/{lived_in.scheme.pk}/themes/repetition/")

    grid = page.locator("table.table-tabular")
    assert grid.count() == 1
    assert grid.locator("tbody tr").first.evaluate("(r) => getComputedStyle(r).display") == (
        "table-row"
    )
    assert grid.locator("td[data-label]").count() == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    assert browser_problems == []


# Contrast of an element's text on its background (WCAG 2 relative luminance).
CONTRAST = """(element) => {
  const rgb = (c) => c.match(/\\d+(\\.\\d+)?/g).slice(0, 3).map(Number);
  const lum = (c) => rgb(c).map((v) => v / 255)
    .map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4))
    .reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
  const clear = "rgba(0, 0, 0, 0)";
  let ground = element;  // the first ancestor with a background of its own, else white
  while (ground.parentElement && getComputedStyle(ground).backgroundColor === clear) {
    ground = ground.parentElement;
  }
  const back = getComputedStyle(ground).backgroundColor;
  const colours = [getComputedStyle(element).color, back === clear ? "rgb(255, 255, 255)" : back];
  const [a, b] = colours.map(lum).sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
}"""


def test_secondary_actions_look_active_not_disabled(open_page, lived_in):
    """A secondary action ("Reminders" on My rota was one) reads as clearly as body text:
    Bootstrap's grey outline (4.7:1) looked disabled next to the coloured buttons."""
    page = open_page("desktop")
    sign_in(page, lived_in.trainee)
    page.goto("/rosters/")
    button = page.get_by_role("link", name="Reminder settings")
    assert "btn-outline-secondary" in button.get_attribute("class")
    ratio = button.evaluate(CONTRAST)
    assert ratio >= 7, ratio

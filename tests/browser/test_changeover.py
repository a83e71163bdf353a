"""Issue 19 in the browser: on a phone, an organiser adds a rotation date for general
practice, uploads the incoming cohort's CSV (first a file with a bad row, refused by its
line with nothing applied, then a good one), checks the preview (who leaves which group,
who joins, the groups' sizes, who leaves short of the requirement) and applies it.

The demo group's two GP trainees leave; a GP trainee of another group moves into it and
a new doctor is invited, both from the cohort file. No JavaScript needed: the page posts
to itself, carrying the file.
"""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from attendance.models import Attendance, RotationDate
from groups.models import Invitation, Membership
from tests import factories
from tests.attendance.changeover import csv_bytes
from tests.browser.helpers import assert_no_serious_violations, save_screenshot, sign_in
from tests.factories.attendance import attend, held_sessions

pytestmark = pytest.mark.browser

GP = Membership.Track.GENERAL_PRACTICE
REQUIRED = 3
OTHER_GROUP = "Thursday Lunchtime"
NEWCOMER = ("Dr Conall Nuinseann", "conall.newgp@example.com")
# The browser logs every 400 answer (a form with errors) as a console error.
BAD_REQUEST = (
    "console: Failed to load resource: the server responded with a status of 400 (Bad Request)"
)


def places(scheme) -> list[tuple]:
    return list(
        Membership.objects.filter(group__scheme=scheme)
        .order_by("pk")
        .values_list("pk", "group", "start_date", "end_date")
    )


def test_organiser_runs_a_rotation_changeover_on_a_phone(
    open_page, demo, tmp_path, browser_problems
):
    page: Page = open_page("phone")
    today = timezone.localdate()
    day, eve = today + timedelta(days=28), today + timedelta(days=27)
    demo.scheme.requirement.sessions_required = REQUIRED
    demo.scheme.requirement.save()
    # Two of the demo group's trainees are on the GP track: one has counted the sessions
    # required, the other one of them, so leaves short.
    done, short = demo.fellow_members[:2]
    Membership.objects.filter(group=demo.group, person__in=[done, short]).update(track=GP)
    held = held_sessions(demo.group, [today - timedelta(weeks=w) for w in (3, 2, 1)])
    attend(done, held, [Attendance.Status.PRESENT] * REQUIRED)
    attend(short, held[:1], [Attendance.Status.PRESENT])
    # A GP trainee of another group moves into the demo group at the changeover.
    other = factories.GroupFactory(scheme=demo.scheme, name=OTHER_GROUP)
    mover = factories.MembershipFactory(
        group=other, track=GP, person__full_name="Dr Fiadh Quinlan"
    ).person
    staying = [demo.trainee, *demo.fellow_members[2:]]

    # --- The organiser opens the page from their home and adds the rotation date ---------
    sign_in(page, demo.organiser)
    page.get_by_role("link", name="Rotation changeover").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Rotation changeover")
    adding = page.locator("form", has=page.get_by_role("button", name="Add the dates"))
    adding.get_by_label("Track").select_option(GP)
    adding.get_by_label("Rotation day").fill(day.isoformat())
    adding.get_by_role("button", name="Add the dates").click()
    expect(page.get_by_role("status")).to_contain_text("1 rotation date added.")
    assert RotationDate.objects.filter(scheme=demo.scheme, track=GP, day=day).exists()
    expect(page.get_by_label("Changeover day")).to_have_value(day.isoformat())
    leaving = page.get_by_role("region", name="2. Who leaves (3)")
    expect(leaving.get_by_role("heading", name=demo.group.name)).to_be_visible()
    expect(leaving.get_by_role("heading", name=OTHER_GROUP)).to_be_visible()
    for person, group in ((done, demo.group), (short, demo.group), (mover, other)):
        stays = leaving.get_by_role("checkbox", name=f"Stays {person.full_name} in {group.name}")
        expect(stays).not_to_be_checked()
    for person in staying:
        expect(leaving.get_by_role("listitem").filter(has_text=person.full_name)).to_have_count(0)

    # --- A cohort file with a bad row is refused by its line, nothing applied ------------
    before = places(demo.scheme)
    bad = tmp_path / "cohort.csv"
    bad.write_bytes(
        csv_bytes(
            f"{mover.full_name},{mover.email},{demo.group.name},gp",
            f"{NEWCOMER[0]},{NEWCOMER[1]},No such group,gp",
            crlf=True,
            bom=True,
        )
    )
    page.get_by_label("Incoming cohort (CSV file)").set_input_files(bad)
    page.get_by_role("button", name="Upload and preview").click()
    problems = page.locator("#import-problems")
    expect(problems).to_contain_text("Nothing was saved.")
    expect(problems).to_contain_text("cohort.csv, line 3, field 'group'")
    expect(page.get_by_role("region", name="3. Who joins (0)")).to_be_visible()
    expect(page.get_by_role("button", name="Apply the changeover")).to_be_disabled()
    assert places(demo.scheme) == before
    assert not Invitation.objects.filter(scheme=demo.scheme).exists()
    assert browser_problems == [BAD_REQUEST]
    browser_problems.clear()

    # --- The good file: the preview -------------------------------------------------------
    good = tmp_path / "cohort-fixed.csv"
    good.write_bytes(
        csv_bytes(
            f"{mover.full_name},{mover.email},{demo.group.name},gp",
            f"{NEWCOMER[0]},{NEWCOMER[1]},{demo.group.name},gp",
            crlf=True,
            bom=True,
        )
    )
    page.get_by_label("Incoming cohort (CSV file)").set_input_files(good)
    page.get_by_role("button", name="Upload and preview").click()
    expect(page.locator("#cohort-file")).to_contain_text("cohort-fixed.csv is on the changeover.")
    expect(page.locator("#import-problems")).to_have_count(0)
    joining = page.get_by_role("region", name="3. Who joins (2)")
    joiners = joining.locator("ul.joiners > li")
    expect(joiners).to_have_count(2)
    expect(joiners.filter(has_text=mover.full_name)).to_contain_text("Line 2 of the file. Joins")
    expect(joiners.filter(has_text=NEWCOMER[0])).to_contain_text(
        "Line 3 of the file. Invited, joins on accepting"
    )
    # Who leaves short: only the trainee who counted one session; the mover stays on.
    leaving = page.get_by_role("region", name="2. Who leaves (3)")
    expect(page.locator("#short-warning")).to_contain_text(
        f"1 trainee leaves the scheme's groups before reaching the requirement of {REQUIRED}"
    )
    short_row = leaving.get_by_role("listitem").filter(has_text=short.full_name)
    expect(short_row).to_contain_text(f"Leaves before reaching {REQUIRED}")
    expect(short_row).to_contain_text(f"1 of {REQUIRED} sessions counted")
    for person in (done, mover):
        row = leaving.get_by_role("listitem").filter(has_text=person.full_name)
        expect(row.get_by_text(f"Leaves before reaching {REQUIRED}")).to_have_count(0)
    expect(leaving.get_by_role("listitem").filter(has_text=mover.full_name)).to_contain_text(
        "Stays in the scheme"
    )
    sizes = page.locator("#sizes > li")
    expect(sizes.filter(has_text=demo.group.name)).to_contain_text("6 before, 6 after")
    expect(sizes.filter(has_text=demo.group.name)).to_contain_text("2 leave, 2 join.")
    expect(sizes.filter(has_text=OTHER_GROUP)).to_contain_text("1 before, 0 after")
    expect(page.locator("#apply-summary")).to_contain_text(
        "3 places end on the day before, 1 person joins and 1 person is invited."
    )
    apply = page.get_by_role("button", name="Apply the changeover")
    expect(apply).to_be_enabled()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert_no_serious_violations(page)
    # Every field has its own label (axe misses two fields sharing one id).
    unlabelled = page.evaluate(
        "[...document.querySelectorAll('input:not([type=hidden]), select, textarea')]"
        ".filter(field => field.labels.length === 0).map(field => field.name)"
    )
    assert unlabelled == []
    save_screenshot(page, "changeover-preview-phone")
    assert places(demo.scheme) == before

    # --- Applied ------------------------------------------------------------------------
    apply.click()
    expect(page.get_by_role("status")).to_contain_text("applied: 3 places end on")
    expect(page.get_by_role("status")).to_contain_text("1 person joins, 1 invitation sent")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    for person, group in ((done, demo.group), (short, demo.group), (mover, other)):
        assert Membership.objects.get(person=person, group=group).end_date == eve
    for person in staying:
        assert Membership.objects.get(person=person, group=demo.group).end_date is None
    joined = Membership.objects.get(person=mover, group=demo.group)
    assert (joined.start_date, joined.track) == (day, GP)
    invited = Invitation.objects.get(scheme=demo.scheme, email=NEWCOMER[1])
    assert (invited.group, invited.start_date, invited.track) == (demo.group, day, GP)
    assert browser_problems == []

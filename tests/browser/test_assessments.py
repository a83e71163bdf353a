"""Issue 20 in the browser: an organiser starts the scheme's assessment form from the
shipped one; a trainee asks for an assessment of a session they attended, a leader
completes it on a phone (the identifier guard refusing a patient's name first), and the
trainee acknowledges it and downloads a statement that lists it.

The browser tests run at the real time, not at tests.factories.sessions.NOW: the session
is held in the last week (and in the current training year), so the trainee may ask.
"""

import re
from datetime import date, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from attendance.models import Assessment, AssessmentForm
from attendance.training_year import training_year
from tests.browser.helpers import (
    assert_no_serious_violations,
    fits_the_screen,
    open_from_navigation,
    save_screenshot,
    sign_in,
)
from tests.factories.assessments import form_of
from tests.factories.attendance import AttendanceFactory, HeldSessionFactory

pytestmark = pytest.mark.browser

SHIPPED_NAME = "Case-based discussion group assessment"
# What the leader gives each of the shipped form's domains; None is "Not observed".
RATINGS = {
    "Attendance and commitment": "Meets the standard expected",
    "Presenting a case": "Above the standard expected",
    "Listening and taking part": "Borderline",
    "The doctor–patient relationship": "Meets the standard expected",
    "Reflection and development": "Not observed",
}
JUDGEMENT = "At the standard for this stage of training"
STRENGTHS = "Listens well and says what the case stirs in them."
REFLECTION = "I will bring a case again this term."


def short(day: date) -> str:
    return f"{day.day} {day:%b}"


def choose(page: Page, question: str, answer: str) -> None:
    """The choices are drawn as whole-width toggles: a person taps the label."""
    group = page.get_by_role("group", name=question)
    group.locator("label").get_by_text(answer, exact=True).click()
    expect(group.get_by_role("radio", name=answer, exact=True)).to_be_checked()


def test_an_organiser_starts_the_shipped_form_and_asks_for_two_a_year(
    open_page, demo, browser_problems
):
    page = open_page("desktop")
    sign_in(page, demo.organiser)
    open_from_navigation(page, "desktop", demo.scheme.name)
    expect(page.get_by_role("heading", level=1)).to_have_text(demo.scheme.name)
    page.get_by_role("link", name="Assessment forms", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Assessment forms")
    expect(page.get_by_text("No assessment forms yet")).to_be_visible()
    assert_no_serious_violations(page)

    page.get_by_role("button", name="Start from the shipped form").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(SHIPPED_NAME)
    expect(page.get_by_role("status")).to_contain_text("started from the shipped form")
    expect(page.get_by_label("Name")).to_have_value(SHIPPED_NAME)
    expect(page.get_by_label("Domains")).to_have_value(re.compile("Presenting a case"))
    required = page.get_by_label("Required each training year")
    expect(required).to_have_value("1")
    assert_no_serious_violations(page)
    required.fill("2")
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Assessment forms")
    expect(page.get_by_role("status")).to_contain_text(f"“{SHIPPED_NAME}” saved.")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=SHIPPED_NAME))
    expect(row.get_by_role("cell")).to_have_text(
        [SHIPPED_NAME, "5", "2", "The leader or a co-leader", "In use"]
    )
    assert_no_serious_violations(page)
    form = AssessmentForm.objects.get(scheme=demo.scheme)
    assert (form.name, form.required_per_year, form.domains.count()) == (SHIPPED_NAME, 2, 5)
    assert not browser_problems


@pytest.fixture
def attended_day(demo) -> date:
    """A held session of the demo group in the last week, the trainee present."""
    today = timezone.localdate()
    first, _ = training_year(today, demo.scheme.requirement.training_year_starts)
    day = max(today - timedelta(days=7), first)
    session = HeldSessionFactory(group=demo.group, slot_date=day)
    AttendanceFactory(session=session, person=demo.trainee)
    return day


def ask_for_an_assessment(phone: Page, demo, day: date) -> None:
    sign_in(phone, demo.trainee)
    open_from_navigation(phone, "phone", "Progress")
    card = phone.get_by_role("region", name=demo.scheme.name)
    card.get_by_role("link", name="Your assessments, and asking a leader for one").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("My assessments")
    phone.get_by_label("Session").select_option(
        label=f"{demo.group.name} — {day:%a} {day.day} {day:%b %Y}"
    )
    expect(phone.get_by_text(f"Assessment: {SHIPPED_NAME}")).to_be_visible()
    phone.get_by_role("button", name="Ask for the assessment").click()
    expect(phone.get_by_role("status")).to_contain_text(
        f"Asked: {demo.group.name}’s leaders are told by email."
    )
    yours = phone.get_by_role("region", name="Your assessments")
    expect(yours).to_contain_text("Waiting for the group’s leaders")
    fits_the_screen(phone)
    assert_no_serious_violations(phone)


def complete_on_a_phone(leader: Page, demo) -> None:
    """The leader rates every domain and gives a judgement; a strength naming a patient
    is refused on its field, and nothing is saved until it is reworded."""
    sign_in(leader, demo.leader)
    waiting = leader.get_by_role("region", name="Assessments to complete")
    waiting.get_by_role("link", name=f"{demo.trainee.full_name}: {SHIPPED_NAME}").click()
    expect(leader.get_by_role("heading", level=1)).to_have_text(SHIPPED_NAME)
    expect(leader.get_by_text(demo.trainee.full_name, exact=True)).to_be_visible()
    fits_the_screen(leader)
    assert_no_serious_violations(leader)
    for domain, rating in RATINGS.items():
        choose(leader, domain, rating)
    choose(leader, "Global judgement", JUDGEMENT)
    strengths = leader.get_by_label("Strengths")
    strengths.fill("Mr Murphy was discussed")
    leader.get_by_role("button", name="Complete assessment").click()

    expect(leader.get_by_role("alert")).to_contain_text("Nothing is saved yet")
    expect(leader.get_by_text("“Mr Murphy” looks like a title with a surname")).to_be_visible()
    expect(strengths).to_have_attribute("aria-invalid", "true")
    expect(strengths).to_have_accessible_description(re.compile("“Mr Murphy” looks like"))
    expect(
        leader.get_by_role("group", name="Global judgement").get_by_role("radio", name=JUDGEMENT)
    ).to_be_checked()
    fits_the_screen(leader)
    assert_no_serious_violations(leader)
    save_screenshot(leader, "assessment-complete-phone")
    assessment = Assessment.objects.get()
    assert assessment.status == Assessment.Status.REQUESTED
    assert not assessment.ratings.exists()

    strengths.fill(STRENGTHS)
    leader.get_by_role("button", name="Complete assessment").click()
    expect(leader.get_by_role("status")).to_contain_text(
        f"Completed: {demo.trainee.full_name} is told by email."
    )
    expect(leader.get_by_role("heading", level=1)).to_have_text("Assessments to complete")
    expect(leader.get_by_text("Nothing waiting for you.")).to_be_visible()
    fits_the_screen(leader)


def read_and_acknowledge(phone: Page, demo, day: date) -> None:
    phone.goto("/")
    to_read = phone.get_by_role("region", name="Assessments ready to read")
    to_read.get_by_role("link", name=f"{SHIPPED_NAME}, {demo.group.name} {short(day)}").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text(SHIPPED_NAME)
    expect(phone.get_by_text(demo.leader.full_name)).to_be_visible()
    expect(phone.get_by_text(STRENGTHS)).to_be_visible()
    phone.get_by_label("Your reflection (optional)").fill(REFLECTION)
    phone.get_by_role("button", name="Acknowledge").click()
    expect(phone.get_by_role("status")).to_contain_text("Acknowledged: thank you.")
    expect(phone.get_by_role("heading", name="The trainee’s reflection")).to_be_visible()
    expect(phone.get_by_text(REFLECTION)).to_be_visible()
    fits_the_screen(phone)
    assert_no_serious_violations(phone)


def statement_text(phone: Page, demo) -> str:
    """Download the statement from the progress page, as the trainee does; its text."""
    open_from_navigation(phone, "phone", "Progress")
    card = phone.get_by_role("region", name=demo.scheme.name)
    expect(card).to_contain_text(f"{SHIPPED_NAME}: 1 of 1")
    with phone.expect_download() as download:
        card.get_by_role("link", name=re.compile("^Download a statement")).click()
    assert download.value.suggested_filename.endswith(".pdf")
    reader = PdfReader(download.value.path())
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_a_trainee_asks_a_leader_completes_on_a_phone_and_the_trainee_acknowledges(
    open_page, demo, attended_day, browser_problems
):
    form_of(demo.scheme)
    trainee = open_page("phone")
    ask_for_an_assessment(trainee, demo, attended_day)

    complete_on_a_phone(open_page("phone"), demo)

    read_and_acknowledge(trainee, demo, attended_day)
    text = statement_text(trainee, demo)
    assert "1 assessment completed." in text
    assert f"{SHIPPED_NAME}, {demo.group.name}, completed by {demo.leader.full_name}" in text, text

    assessment = Assessment.objects.get()
    assert assessment.status == Assessment.Status.ACKNOWLEDGED
    assert (assessment.assessor, assessment.reflection) == (demo.leader, REFLECTION)
    assert assessment.judgement_label == JUDGEMENT
    assert assessment.strengths == STRENGTHS
    given = {
        rating.domain.name: rating.label for rating in assessment.ratings.select_related("domain")
    }
    assert given == RATINGS
    assert not browser_problems

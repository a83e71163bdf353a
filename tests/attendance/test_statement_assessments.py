"""Assessments on statements of attendance: the completed assessments a statement counts
(Statement.assessments_completed) and lists in its PDF, the public verification page's
sentence, and the downloads' queries that do not grow with them. The rest of statements:
test_statements.py and test_view_statements.py (kept apart for their length)."""

import io
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from attendance import statement_exports, statement_selectors, statement_services
from attendance.assessments import services as assessment_services
from attendance.models import Assessment, Statement
from attendance.statement_selectors import AssessmentRow, statement_assessments
from tests import factories
from tests.attendance.test_view_statements import queries
from tests.factories.assessments import completed, form_of
from tests.factories.attendance import attend, held_sessions, past_wednesdays
from tests.factories.certificates import require_weasyprint

pytestmark = pytest.mark.usefixtures("frozen_now")

FORM = "Case-based discussion group assessment"


@pytest.fixture
def form(scheme, organiser):
    return form_of(scheme)


@pytest.fixture
def sessions(group, trainee):
    """Four held sessions of February: the trainee came to 3."""
    sessions = held_sessions(group, past_wednesdays(4))
    attend(trainee, sessions, ["present", "late", "absent", "present"])
    return sessions


def request(trainee, session, form) -> Assessment:
    return assessment_services.assessment_request(trainee=trainee, session=session, form=form)


@pytest.fixture
def assessed(trainee, sessions, form, leader):
    """The trainee asked at three sessions: completed at the first (4 February) and
    acknowledged, completed at the second (11 February), still waiting at the last."""
    first = completed(request(trainee, sessions[0], form), leader)
    assessment_services.assessment_acknowledge(trainee=trainee, assessment=first, reflection="")
    completed(request(trainee, sessions[1], form), leader)
    request(trainee, sessions[3], form)


def issue(actor, scheme, person) -> Statement:
    return statement_services.statement_issue(actor=actor, scheme=scheme, person=person)


# --- What it counts ------------------------------------------------------------------------


def test_a_statement_counts_and_lists_the_completed_assessments(
    scheme, group, trainee, leader, assessed
):
    statement = issue(trainee, scheme, trainee)

    statement.refresh_from_db()
    assert statement.assessments_completed == 2  # not the request still waiting
    assert statement.assessment_rows == [
        AssessmentRow(date(2026, 2, 4), FORM, group.name, leader.full_name),
        AssessmentRow(date(2026, 2, 11), FORM, group.name, leader.full_name),
    ]


def test_only_the_schemes_own_assessments_count(scheme, trainee, leader, assessed):
    elsewhere = factories.GroupFactory()
    factories.MembershipFactory(group=elsewhere, person=trainee)
    attended = held_sessions(elsewhere, [date(2026, 2, 18)])
    attend(trainee, attended, ["present"])
    completed(
        request(trainee, attended[0], form_of(elsewhere.scheme)),
        factories.LeaderFactory(group=elsewhere).person,
    )

    assert issue(trainee, scheme, trainee).assessments_completed == 2
    assert issue(trainee, elsewhere.scheme, trainee).assessments_completed == 1


def test_the_assessments_of_many_people_take_one_query(
    scheme, group, trainee, sessions, form, leader, assessed, django_assert_num_queries
):
    other = factories.MembershipFactory(group=group).person
    attend(other, sessions[:1], ["present"])
    completed(request(other, sessions[0], form), leader)

    with django_assert_num_queries(1):
        rows = statement_assessments(scheme, [trainee.pk, other.pk])

    assert [len(rows[p.pk]) for p in (trainee, other)] == [2, 1]


# --- The PDF and the verification page ------------------------------------------------------


def text_of(body: bytes) -> str:
    pages = PdfReader(io.BytesIO(body)).pages
    return " ".join(" ".join(page.extract_text().split()) for page in pages)


def test_the_pdf_lists_the_assessments_and_their_count(scheme, group, trainee, leader, assessed):
    require_weasyprint()
    from attendance import statement_pdf

    group.name, leader.full_name = "Cork North", "Dr Lorcan O'Leary"
    group.save()
    leader.save()

    text = text_of(statement_pdf.render_statement(issue(trainee, scheme, trainee)))

    assert "3 of 30 sessions counted toward the requirement. 2 assessments completed." in text
    assert (
        f"Assessments completed 1 4 Feb 2026 {FORM}, Cork North, completed by Dr Lorcan O’Leary "
        f"2 11 Feb 2026 {FORM}, Cork North, completed by Dr Lorcan O’Leary"
    ) in text
    assert "Page 1 of 1" in text


def verified(client, statement) -> str:
    return " ".join(client.get(f"/verify/{statement.code}/").content.decode().split())


def test_the_verification_page_says_how_many_assessments_were_completed(
    client, scheme, trainee, assessed
):
    statement = issue(trainee, scheme, trainee)

    assert (
        "3 sessions counted and 2 assessments completed at that date (of 30 sessions required)."
    ) in verified(client, statement)


def test_without_assessments_the_verification_page_says_only_the_sessions(
    client, scheme, trainee, sessions
):
    content = verified(client, issue(trainee, scheme, trainee))

    assert "3 sessions counted at that date (of 30 required)." in content
    assert "assessment" not in content


# --- Queries -------------------------------------------------------------------------------


def test_a_statement_takes_the_same_queries_however_many_assessments(
    client, scheme, trainee, sessions, form, leader
):
    require_weasyprint()
    client.force_login(trainee)
    url = f"/progress/statement.pdf?scheme={scheme.pk}"
    completed(request(trainee, sessions[0], form), leader)
    few = queries(client, url)

    for session in (sessions[1], sessions[3]):
        completed(request(trainee, session, form), leader)
    many = queries(client, url)

    assert Statement.objects.order_by("pk").last().assessments_completed == 3
    assert many == few


def test_the_zip_takes_the_same_queries_however_many_trainees_were_assessed(
    settings, tmp_path, scheme, group, trainee, organiser, sessions, form, leader
):
    """The worker's build of a bulk download (attendance.statement_exports)."""
    require_weasyprint()
    settings.MEDIA_ROOT = tmp_path

    def build_queries() -> int:
        people = list(statement_selectors.statement_people(scheme, None))
        export = statement_exports.statement_export_start(
            actor=organiser, scheme=scheme, people=people, which="scheme"
        )
        with CaptureQueriesContext(connection) as captured:
            statement_exports.statement_export_build(export_id=export.pk)
        return len(captured)

    completed(request(trainee, sessions[0], form), leader)
    few = build_queries()

    for _ in range(4):
        other = factories.MembershipFactory(group=group).person
        attend(other, sessions[:2], ["present", "present"])
        for session in sessions[:2]:
            completed(request(other, session, form), leader)
    many = build_queries()

    assert sorted(Statement.objects.values_list("assessments_completed", flat=True)) == [
        1,
        1,
        2,
        2,
        2,
        2,
    ]
    assert many == few

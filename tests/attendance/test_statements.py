"""Statements of attendance (attendance.statement_services, statement_selectors,
statement_pdf): who may have one issued, what it counts, its PDF read back, and its share
of a person's data. The pages: test_view_statements.py."""

import io
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from pypdf import PdfReader

from attendance import statement_services
from attendance.models import Attendance, Requirement, Statement
from attendance.privacy import part
from attendance.progress import progress_for
from attendance.statement_selectors import StatementRow, statement_rows
from groups.models import Membership, PersonErasure, Scheme, User
from tests import factories
from tests.browser.helpers import ARTEFACTS
from tests.factories.attendance import attend, held_sessions, past_wednesdays
from tests.factories.certificates import CertificateFactory, require_weasyprint
from tests.factories.sessions import NOW

pytestmark = pytest.mark.usefixtures("frozen_now")


def issue(actor, scheme, person) -> Statement:
    return statement_services.statement_issue(actor=actor, scheme=scheme, person=person)


@pytest.fixture
def sessions(group, trainee):
    """Five held sessions: the trainee was present, late, absent, with apologies, present."""
    sessions = held_sessions(group, past_wednesdays(5))
    attend(trainee, sessions, ["present", "late", "absent", "apologies", "present"])
    return sessions


@pytest.fixture
def guest_visit(other_group, trainee):
    """The trainee came to a session of the scheme's other group as a guest."""
    visited = held_sessions(other_group, [date(2026, 2, 26)])
    attend(trainee, visited, ["present"], role=Attendance.Role.GUEST)
    return visited[0]


def guests_count(scheme, counts: bool) -> Scheme:
    Requirement.objects.filter(scheme=scheme).update(guest_sessions_count=counts)
    return Scheme.objects.select_related("requirement").get(pk=scheme.pk)


# --- Who may have one issued --------------------------------------------------------------


def test_a_trainee_has_their_own_issued(scheme, group, trainee, sessions):
    statement = issue(trainee, scheme, trainee)

    statement.refresh_from_db()
    assert (statement.person, statement.scheme, statement.issued_by) == (trainee, scheme, trainee)
    assert statement.holder_name == trainee.full_name
    assert (statement.sessions_counted, statement.sessions_required) == (3, 30)
    assert statement.issued_at == NOW
    assert statement.holder_erased_at is None


def test_an_organiser_has_any_trainee_of_the_scheme_issued(scheme, trainee, organiser, sessions):
    statement = issue(organiser, scheme, trainee)

    assert (statement.person, statement.issued_by) == (trainee, organiser)
    assert statement.sessions_counted == 3


def test_a_former_trainee_still_has_their_own_issued(scheme, trainee, sessions):
    Membership.objects.filter(person=trainee).update(end_date=date(2026, 2, 27))

    assert issue(trainee, scheme, trainee).sessions_counted == 3


@pytest.mark.parametrize(
    "who", ["other_trainee", "leader", "other_group_leader", "other_scheme_organiser", "stranger"]
)
def test_no_one_else_has_a_trainees_statement_issued(request, scheme, group, trainee, who):
    if who == "other_trainee":
        actor = factories.MembershipFactory(group=group).person
    else:
        actor = request.getfixturevalue(who)

    with pytest.raises(PermissionDenied):
        issue(actor, scheme, trainee)
    assert not Statement.objects.exists()


def test_a_leader_who_is_not_a_trainee_has_none_of_their_own(scheme, leader, organiser):
    for actor in (leader, organiser):
        with pytest.raises(PermissionDenied):
            issue(actor, scheme, leader)


def test_a_trainee_of_another_scheme_has_none_here(scheme, organiser):
    elsewhere = factories.MembershipFactory().person

    for actor in (elsewhere, organiser):
        with pytest.raises(PermissionDenied):
            issue(actor, scheme, elsewhere)


def test_an_erased_trainee_has_none(scheme, trainee, organiser):
    PersonErasure.objects.create(person=trainee, reason="staff", erased_by=organiser, erased_at=NOW)

    with pytest.raises(ValidationError, match="erased"):
        issue(organiser, scheme, trainee)


def test_each_download_is_a_new_statement_with_its_own_code(scheme, trainee, sessions):
    first = issue(trainee, scheme, trainee)
    attend(trainee, held_sessions(trainee.memberships.get().group, [date(2026, 1, 21)]), ["late"])
    second = issue(trainee, scheme, trainee)

    assert first.pk != second.pk and first.code != second.code
    assert (first.sessions_counted, second.sessions_counted) == (3, 4)
    assert (
        len(first.code) == 10
        and first.display_code == f"{first.code[:4]}-{first.code[4:8]}-{first.code[8:]}"
    )


def test_a_code_a_certificate_holds_is_never_given_to_a_statement(
    monkeypatch, scheme, trainee, sessions
):
    taken = CertificateFactory().code
    codes = iter([taken, "ABCDEFGHJK"])
    monkeypatch.setattr(statement_services, "new_verification_code", lambda: next(codes))

    assert issue(trainee, scheme, trainee).code == "ABCDEFGHJK"


# --- What it counts -----------------------------------------------------------------------


@pytest.mark.parametrize(("counts", "expected"), [(True, 4), (False, 3)])
def test_the_count_is_progress_fors_guests_included_when_they_count(
    scheme, trainee, sessions, guest_visit, counts, expected
):
    scheme = guests_count(scheme, counts)

    statement = issue(trainee, scheme, trainee)

    assert statement.sessions_counted == progress_for(trainee, scheme).count == expected
    assert len(statement.rows) == expected
    assert any(row.guest for row in statement.rows) is counts


def test_the_rows_are_the_counted_sessions_by_date_and_group(
    scheme, group, other_group, trainee, sessions, guest_visit
):
    group.name, other_group.name = "Cork North", "Kerry"
    group.save(update_fields=["name"])
    other_group.save(update_fields=["name"])
    days = past_wednesdays(5)

    rows = statement_rows(scheme, [trainee.pk])[trainee.pk]

    assert rows == [
        StatementRow(days[0], "Cork North", False),
        StatementRow(days[1], "Cork North", False),  # late counts
        StatementRow(days[4], "Cork North", False),
        StatementRow(date(2026, 2, 26), "Kerry", True),
    ]


def test_the_rows_of_many_people_take_one_query(
    scheme, group, trainee, sessions, django_assert_num_queries
):
    others = [factories.MembershipFactory(group=group).person for _ in range(3)]
    for person in others:
        attend(person, sessions[:2], ["present", "present"])
    scheme = Scheme.objects.select_related("requirement").get(pk=scheme.pk)

    with django_assert_num_queries(1):
        rows = statement_rows(scheme, [trainee.pk, *(p.pk for p in others)])

    assert [len(rows[p.pk]) for p in [trainee, *others]] == [3, 2, 2, 2]


def test_someone_with_no_counted_session_gets_a_statement_of_none(scheme, trainee):
    statement = issue(trainee, scheme, trainee)

    assert (statement.sessions_counted, statement.rows) == (0, [])


# --- In bulk --------------------------------------------------------------------------------


def test_an_organiser_issues_statements_for_several_trainees_together(
    scheme, group, trainee, organiser, sessions
):
    other = factories.MembershipFactory(group=group).person

    statements = statement_services.statements_issue(
        actor=organiser, scheme=scheme, people=[trainee, other]
    )

    assert [(s.person, s.sessions_counted) for s in statements] == [(trainee, 3), (other, 0)]
    assert Statement.objects.count() == 2
    assert len({s.code for s in statements}) == 2


@pytest.mark.parametrize("who", ["trainee", "leader", "other_scheme_organiser"])
def test_only_the_schemes_organisers_issue_in_bulk(request, scheme, trainee, who):
    with pytest.raises(PermissionDenied):
        statement_services.statements_issue(
            actor=request.getfixturevalue(who), scheme=scheme, people=[trainee]
        )


def test_bulk_is_for_the_schemes_trainees_only(scheme, trainee, leader, organiser):
    with pytest.raises(PermissionDenied):
        statement_services.statements_issue(
            actor=organiser, scheme=scheme, people=[trainee, leader]
        )
    assert not Statement.objects.exists()


def test_bulk_is_bounded(monkeypatch, scheme, group, trainee, organiser):
    monkeypatch.setattr(statement_services, "STATEMENTS_AT_ONCE", 1)
    other = factories.MembershipFactory(group=group).person

    with pytest.raises(ValidationError, match="At most 1 statements"):
        statement_services.statements_issue(actor=organiser, scheme=scheme, people=[trainee, other])


# --- The PDF ----------------------------------------------------------------------------------


@pytest.fixture
def statement_pdf():
    require_weasyprint()  # WeasyPrint needs Pango and its friends
    from attendance import statement_pdf

    return statement_pdf


def pages(body: bytes) -> list[str]:
    """Each page's text, runs of spaces and line breaks made single spaces."""
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(body)).pages]


def qr_codes(body: bytes) -> list[str]:
    import pypdfium2
    import zxingcpp

    image = pypdfium2.PdfDocument(body)[0].render(scale=3).to_pil()
    return [barcode.text for barcode in zxingcpp.read_barcodes(image)]


def in_memory(count: int, *, holder: str = "Aoife O'Brien") -> Statement:
    """An unsaved statement of `count` sessions, one a week back from 25 February 2026."""
    statement = Statement(
        scheme=Scheme(name="Dublin Psychiatry Training"),
        person=User(full_name=holder, registration_number="IMC 424242"),
        holder_name=holder,
        sessions_counted=count,
        sessions_required=30,
        issued_at=NOW,
        code="ABCDEFGHJK",
    )
    statement.rows = [
        StatementRow(date(2026, 2, 25) - timedelta(weeks=i), "Wednesday group", i == 1)
        for i in reversed(range(count))
    ]
    return statement


def test_the_pdf_states_who_how_many_of_how_many_and_the_code(
    statement_pdf, scheme, group, trainee, sessions, guest_visit
):
    trainee.full_name, trainee.registration_number = "Aoife O'Brien", "IMC 424242"
    trainee.save()
    scheme.name = "Dublin - North"
    scheme.save()
    group.name = "Cork North"
    group.save()
    statement = issue(trainee, scheme, trainee)

    (text,) = pages(statement_pdf.render_statement(statement))

    assert "DUBLIN – NORTH Statement of attendance Aoife O’Brien" in text
    assert "Registration number IMC 424242" in text
    assert "4 of 30 sessions counted toward the requirement." in text
    assert "Sessions counted 1 28 Jan 2026 Cork North 2 4 Feb 2026 Cork North" in text
    assert "4 26 Feb 2026 " in text and "(as a guest)" in text
    assert "11 Feb 2026" not in text  # absent: not counted
    assert "Issued on 2 March 2026." in text
    assert f"Verification code {statement.display_code}" in text
    assert f"/verify/{statement.display_code}/" in text
    assert "Assessments" not in text  # none yet: nothing printed for them


def test_the_qr_code_opens_the_verification_page(statement_pdf, settings):
    settings.SITE_URL = "https://balint.example.org"

    body = statement_pdf.render_statement(in_memory(30))

    assert qr_codes(body) == ["https://balint.example.org/verify/ABCD-EFGH-JK/"]


def test_a_met_requirement_says_so(statement_pdf):
    (text,) = pages(statement_pdf.render_statement(in_memory(31)))

    assert "31 of 30 sessions counted toward the requirement: the requirement is met." in text


@pytest.mark.parametrize("count", [0, 60])
def test_a_typical_statement_is_one_page(statement_pdf, count):
    (text,) = pages(statement_pdf.render_statement(in_memory(count)))

    assert f"{count} of 30 sessions counted" in text
    assert ("None yet." in text) is (count == 0)
    assert "Page 1 of 1" in text


def test_the_sixty_session_statement_is_saved_for_review(statement_pdf):
    import pypdfium2

    body = statement_pdf.render_statement(in_memory(60))

    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    picture = pypdfium2.PdfDocument(body)[0].render(scale=2).to_pil()
    picture.save(ARTEFACTS / "statement.png")
    width, height = picture.size
    assert height > width  # portrait
    # The list reaches down the page, inside its margins: ink in its lower half.
    lower = picture.convert("L").crop((80, height // 2, width - 80, height * 3 // 4))
    assert lower.getextrema()[0] < 100


def test_two_hundred_sessions_run_on_to_a_second_page_at_the_same_size_of_type(statement_pdf):
    statement = in_memory(200)
    body = statement_pdf.render_statement(statement)

    texts = pages(body)

    assert len(texts) == 2
    everything = " ".join(texts)
    for number, row in enumerate(statement.rows, 1):
        assert f"{number} {row.day.day} {row.day:%b %Y} Wednesday group" in everything
    # The count and how to verify it are on the first page, whatever the length.
    assert "200 of 30 sessions counted" in texts[0]
    assert "Verification code ABCD-EFGH-JK" in texts[0]
    for page, text in enumerate(texts, 1):
        # Each page names its statement and where it stands.
        assert "Statement of attendance ABCD-EFGH-JK, issued 2 March 2026" in text
        assert f"Page {page} of 2" in text
    assert row_sizes(body) == {9.5}


def row_sizes(body: bytes) -> set[float]:
    """The sizes, in points, the sessions' group names are set in, on every page."""
    sizes = set()

    def visit(text, cm, tm, font, size):
        if text.strip() == "Wednesday group":
            sizes.add(round(size * tm[0] * cm[0], 2))

    for page in PdfReader(io.BytesIO(body)).pages:
        page.extract_text(visitor_text=visit)
    return sizes


# --- Personal data ------------------------------------------------------------------------------


def test_the_export_lists_a_persons_statements_and_those_they_issued(
    scheme, trainee, organiser, sessions
):
    own = issue(trainee, scheme, trainee)
    theirs = issue(organiser, scheme, trainee)

    exported = part.export(trainee)
    by_organiser = part.export(organiser)

    # Newest first: the same moment, the later one first.
    assert [s["code"] for s in exported["statements"]] == [theirs.display_code, own.display_code]
    assert exported["statements"][0]["sessions_counted"] == 3
    assert exported["statements"][0]["holder_name"] == trainee.full_name
    assert exported["statements"][1]["verify_at"].endswith(f"/verify/{own.code}/")
    assert exported["statements_you_issued_for_others"] == []
    assert by_organiser["statements"] == []
    assert by_organiser["statements_you_issued_for_others"] == [
        {
            "code": theirs.display_code,
            "scheme": scheme.name,
            "person_id": trainee.pk,
            "at": theirs.issued_at.isoformat(),
        }
    ]


def test_erasure_blanks_the_name_and_keeps_the_statement(scheme, trainee, organiser, sessions):
    statement = issue(organiser, scheme, trainee)
    other = issue(organiser, scheme, factories.MembershipFactory(group=sessions[0].group).person)
    when = timezone.now()

    part.erase(trainee, when=when)

    statement.refresh_from_db()
    other.refresh_from_db()
    assert (statement.holder_name, statement.holder_erased_at) == ("", when)
    assert statement.sessions_counted == 3 and statement.code
    assert other.holder_name and other.holder_erased_at is None
    assert part.export(trainee)["statements"][0]["holder_name"] == ""

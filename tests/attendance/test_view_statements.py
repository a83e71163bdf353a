"""Statement downloads: the trainee's own (`/progress/statement.pdf?scheme=<pk>`), an
organiser's for one trainee (`/schemes/<pk>/trainees/<pk>/statement.pdf`) and for the
scheme's current trainees in a ZIP (test_view_statement_exports.py), the buttons that lead
there, and a statement's code on the public verification page (`/verify/<code>/`).
The services, counts and PDF themselves: test_statements.py."""

import io
import zipfile
from datetime import date

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pypdf import PdfReader

from attendance import statement_services
from attendance.models import Statement
from attendance.privacy import part
from groups.models import AccessLogEntry, Membership, PersonErasure
from tests import factories
from tests.access import access, assert_sign_in_first
from tests.factories.attendance import attend, held_sessions, past_wednesdays
from tests.factories.certificates import require_weasyprint

pytestmark = pytest.mark.usefixtures("frozen_now")


@pytest.fixture(autouse=True)
def _weasyprint_and_media(settings, tmp_path):
    require_weasyprint()
    settings.MEDIA_ROOT = tmp_path / "media"


def mine(scheme) -> str:
    return f"/progress/statement.pdf?scheme={scheme.pk}"


def theirs(scheme, person) -> str:
    return f"/schemes/{scheme.pk}/trainees/{person.pk}/statement.pdf"


def text_of(body: bytes) -> str:
    pages = PdfReader(io.BytesIO(body)).pages
    return " ".join(" ".join(page.extract_text().split()) for page in pages)


def said(response) -> str:
    return " ".join(str(message) for message in get_messages(response.wsgi_request))


def zip_of(response) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


@pytest.fixture
def sessions(group, trainee):
    """Four held sessions: the trainee came to 3."""
    sessions = held_sessions(group, past_wednesdays(4))
    attend(trainee, sessions, ["present", "late", "absent", "present"])
    return sessions


# --- The trainee's own ----------------------------------------------------------------------


@pytest.mark.parametrize(("role", "status"), access(trainee=200))
def test_a_trainee_downloads_their_own_and_no_one_else_has_one_there(
    scheme, trainee, status, signed_in
):
    response = signed_in.get(mine(scheme))

    assert response.status_code == status
    assert Statement.objects.count() == (status == 200)


def test_the_trainees_own_statement_is_a_pdf_of_their_count(client, scheme, trainee, sessions):
    client.force_login(trainee)

    response = client.get(mine(scheme))

    statement = Statement.objects.get()
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].endswith(f'-{statement.code}.pdf"')
    text = text_of(response.content)
    assert trainee.full_name in text
    assert "3 of 30 sessions counted toward the requirement." in text
    assert f"Verification code {statement.display_code}" in text
    # Their own data: nothing for the access log.
    assert not AccessLogEntry.objects.exists()


def test_a_trainee_has_none_in_a_scheme_they_are_not_in(client, trainee):
    elsewhere = factories.SchemeFactory()
    client.force_login(trainee)

    for url in (mine(elsewhere), "/progress/statement.pdf", "/progress/statement.pdf?scheme=x"):
        assert client.get(url).status_code == 404
    assert not Statement.objects.exists()


def test_a_former_trainee_still_downloads_their_own(client, scheme, trainee, sessions):
    Membership.objects.filter(person=trainee).update(end_date=date(2026, 2, 27))
    client.force_login(trainee)

    assert client.get(mine(scheme)).status_code == 200


def test_the_progress_page_offers_the_download(client, scheme, trainee):
    client.force_login(trainee)

    content = client.get("/progress/").content.decode()

    assert f'href="{mine(scheme)}">Download a statement' in content


# --- An organiser's, for one trainee ---------------------------------------------------------


def test_anonymous_is_sent_to_sign_in(client, scheme, trainee):
    assert_sign_in_first(client, theirs(scheme, trainee))


@pytest.mark.parametrize(("role", "status"), access(organiser=200))
def test_an_organiser_downloads_any_trainees_statement(scheme, trainee, status, signed_in):
    # The trainee too is refused here: their own is at /progress/statement.pdf.
    response = signed_in.get(theirs(scheme, trainee))

    assert response.status_code == status
    assert Statement.objects.count() == (status == 200)


def test_the_organisers_download_is_the_trainees_statement_and_is_logged(
    client, scheme, trainee, organiser, sessions
):
    client.force_login(organiser)

    response = client.get(theirs(scheme, trainee))

    statement = Statement.objects.get()
    assert (statement.person, statement.issued_by) == (trainee, organiser)
    text = text_of(response.content)
    assert trainee.full_name in text
    assert "3 of 30 sessions counted" in text
    entry = AccessLogEntry.objects.get()
    assert (entry.actor, entry.action, entry.scheme, entry.subject) == (
        organiser,
        AccessLogEntry.Action.PROGRESS_VIEW,
        scheme,
        trainee,
    )
    assert entry.description == f"Statement of attendance {statement.display_code}"


def test_someone_outside_the_scheme_or_not_a_trainee_is_not_found(
    client, scheme, leader, organiser
):
    outsider = factories.MembershipFactory().person
    client.force_login(organiser)

    for person in (outsider, leader):
        assert client.get(theirs(scheme, person)).status_code == 404
    assert not Statement.objects.exists()


def test_an_erased_trainee_is_not_found(client, scheme, trainee, organiser):
    PersonErasure.objects.create(
        person=trainee, reason="staff", erased_by=organiser, erased_at=timezone.now()
    )
    client.force_login(organiser)

    assert client.get(theirs(scheme, trainee)).status_code == 404
    assert not Statement.objects.exists()


def test_the_trainee_page_offers_the_download(client, scheme, trainee, organiser):
    client.force_login(organiser)

    content = client.get(f"/schemes/{scheme.pk}/trainees/{trainee.pk}/").content.decode()

    assert f'href="{theirs(scheme, trainee)}">Download a statement' in content


# --- Queries ---------------------------------------------------------------------------------


def queries(client, url) -> int:
    """How many queries a download takes, its streamed body read to the end."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        b"".join(response.streaming_content) if response.streaming else response.content
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("who", ["trainee", "organiser"])
def test_a_statement_takes_the_same_queries_however_long_the_history(
    request, client, scheme, group, trainee, who
):
    url = mine(scheme) if who == "trainee" else theirs(scheme, trainee)
    client.force_login(request.getfixturevalue(who))
    attend(trainee, held_sessions(group, past_wednesdays(2)), ["present"] * 2)
    few = queries(client, url)

    more = held_sessions(group, past_wednesdays(40, date(2026, 2, 4)))
    attend(trainee, more, ["present"] * 40)
    many = queries(client, url)

    assert Statement.objects.order_by("pk").last().sessions_counted == 42
    assert many == few


# --- Verification --------------------------------------------------------------------------


def test_a_statement_verifies_as_a_statement_never_a_certificate(client, scheme, trainee, sessions):
    scheme.name = "Dublin Psychiatry Training"
    scheme.save()
    statement = statement_services.statement_issue(actor=trainee, scheme=scheme, person=trainee)

    response = client.get(f"/verify/{statement.display_code.lower()}/")

    assert response.status_code == 200
    content = " ".join(response.content.decode().split())
    assert (
        f"A statement of attendance issued on 2 March 2026:</strong> {trainee.full_name}, "
        "3 sessions counted at that date (of 30 required)."
    ) in content
    assert "Dublin Psychiatry Training" in content
    assert statement.display_code in content
    for said_of_certificates in ("Valid certificate", "revoked", "replaced", "No certificate"):
        assert said_of_certificates not in content


def test_a_statement_says_what_was_true_on_its_day(client, scheme, group, trainee, sessions):
    earlier = statement_services.statement_issue(actor=trainee, scheme=scheme, person=trainee)
    attend(trainee, held_sessions(group, [date(2026, 1, 21)]), ["present"])

    content = " ".join(client.get(f"/verify/{earlier.code}/").content.decode().split())

    assert "3 sessions counted at that date" in content


def test_an_erased_holders_statement_verifies_without_the_name(client, scheme, trainee, sessions):
    statement = statement_services.statement_issue(actor=trainee, scheme=scheme, person=trainee)
    part.erase(trainee, when=timezone.now())

    content = " ".join(client.get(f"/verify/{statement.code}/").content.decode().split())

    assert "the holder's record was erased on 2 March 2026, 3 sessions counted" in content
    assert trainee.full_name not in content


def test_an_unknown_code_is_still_not_found(client, scheme, trainee):
    statement_services.statement_issue(actor=trainee, scheme=scheme, person=trainee)

    response = client.get("/verify/ABCD-EFGH-JK/")

    assert response.status_code == 404
    assert "No certificate has this code." in response.content.decode()


def test_statement_checks_count_toward_the_rate_limit(client, scheme, trainee, settings):
    settings.VERIFY_RATE_LIMIT_PER_MINUTE = 2
    statement = statement_services.statement_issue(actor=trainee, scheme=scheme, person=trainee)
    url = f"/verify/{statement.code}/"

    statuses = [client.get(url).status_code for _ in range(3)]

    assert statuses == [200, 200, 429]
    assert trainee.full_name not in client.get(url).content.decode()

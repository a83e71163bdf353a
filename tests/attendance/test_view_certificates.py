"""The organiser's certificate pages (list, issue, revoke, export) and the holder's PDF download."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from attendance import services
from attendance.models import Certificate, CertificateExport
from tests import factories
from tests.access import assert_sign_in_first
from tests.factories.attendance import held_sessions, past_wednesdays
from tests.factories.certificates import (
    REQUIRED,
    CertificateFactory,
    eligible_crowd,
    require_weasyprint,
    trainee_with_sessions,
)
from tests.factories.sessions import NOW

NOT_ORGANISERS = ["trainee", "leader", "other_group_leader", "other_scheme_organiser", "stranger"]


pytestmark = pytest.mark.usefixtures("frozen_now")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def scheme(db):
    return factories.SchemeFactory(sessions_required=REQUIRED)


@pytest.fixture
def sessions(group):
    return held_sessions(group, past_wednesdays(REQUIRED))


@pytest.fixture
def eligible(group, sessions):
    return trainee_with_sessions(group, sessions, REQUIRED, full_name="Aoife Byrne")


@pytest.fixture
def certificate(scheme, organiser, eligible):
    return services.certificate_issue(actor=organiser, scheme=scheme, trainee=eligible)


@pytest.fixture
def fake_pdf(monkeypatch):
    """Certificates "rendered" without WeasyPrint, for tests about who may do what."""

    def render_certificate(certificate):
        return b"%PDF-1.7 " + certificate.code.encode()

    def render_certificates(certificates):
        for certificate in certificates:
            yield certificate, render_certificate(certificate)

    monkeypatch.setattr("attendance.pdf.render_certificate", render_certificate)
    monkeypatch.setattr("attendance.pdf.render_certificates", render_certificates)


def list_url(scheme):
    return f"/schemes/{scheme.pk}/certificates/"


def issue_url(scheme, person):
    return f"/schemes/{scheme.pk}/certificates/issue/{person.pk}/"


def issue_all_url(scheme):
    return f"/schemes/{scheme.pk}/certificates/issue-eligible/"


def export_url(scheme):
    return f"/schemes/{scheme.pk}/certificates/export/"


def revoke_url(certificate):
    return f"/certificates/{certificate.pk}/revoke/"


def pdf_url(certificate):
    return f"/certificates/{certificate.pk}.pdf"


# --- Anonymous ------------------------------------------------------------------------------


def test_anonymous_is_sent_to_sign_in(client, scheme, eligible, certificate):
    for url in (list_url(scheme), revoke_url(certificate), pdf_url(certificate)):
        assert_sign_in_first(client, url)
    for url in (issue_url(scheme, eligible), issue_all_url(scheme), export_url(scheme)):
        assert_sign_in_first(client, url, method="post")
    assert_sign_in_first(client, revoke_url(certificate), method="post", data={"reason": "x"})
    certificate.refresh_from_db()
    assert certificate.revoked_at is None
    assert not CertificateExport.objects.exists()


# --- The list -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", NOT_ORGANISERS)
def test_the_list_is_for_the_schemes_organisers_only(client, request, scheme, role):
    client.force_login(request.getfixturevalue(role))

    assert client.get(list_url(scheme)).status_code == 404


def test_the_organiser_sees_who_is_eligible_and_who_holds_one(
    client, scheme, group, sessions, organiser, eligible, certificate
):
    newcomer = trainee_with_sessions(group, sessions, REQUIRED, full_name="Brendan Walsh")
    trainee_with_sessions(group, sessions, REQUIRED - 1, full_name="Ciara Not Yet")
    client.force_login(organiser)

    response = client.get(list_url(scheme))

    assert response.status_code == 200
    rows = {row.person.pk: row for row in response.context["candidates"]}
    assert set(rows) == {eligible.pk, newcomer.pk}
    assert rows[eligible.pk].current == certificate
    assert not rows[eligible.pk].needs_certificate
    assert rows[newcomer.pk].current is None
    content = response.content.decode()
    assert "Ciara Not Yet" not in content
    assert certificate.display_code in content
    assert issue_url(scheme, newcomer) in content
    assert issue_url(scheme, eligible) not in content


# --- Issue ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", NOT_ORGANISERS)
def test_only_organisers_issue(client, request, scheme, eligible, role):
    client.force_login(request.getfixturevalue(role))

    assert client.post(issue_url(scheme, eligible)).status_code == 404
    assert client.post(issue_all_url(scheme)).status_code == 404
    assert not Certificate.objects.exists()


def test_the_organiser_issues_one(client, scheme, organiser, eligible):
    client.force_login(organiser)

    response = client.post(issue_url(scheme, eligible), follow=True)

    certificate = Certificate.objects.get()
    assert certificate.trainee == eligible
    assert certificate.issued_by == organiser
    assert response.redirect_chain == [(list_url(scheme), 302)]
    assert f"Certificate {certificate.display_code} issued to Aoife Byrne." in (
        response.content.decode()
    )


def test_issuing_is_a_post(client, scheme, organiser, eligible):
    client.force_login(organiser)

    assert client.get(issue_url(scheme, eligible)).status_code == 405
    assert not Certificate.objects.exists()


def test_issuing_to_someone_not_eligible_shows_why(client, scheme, group, sessions, organiser):
    not_yet = trainee_with_sessions(group, sessions, REQUIRED - 1)
    client.force_login(organiser)

    response = client.post(issue_url(scheme, not_yet), follow=True)

    assert "not yet eligible" in response.content.decode()
    assert not Certificate.objects.exists()


def test_a_trainee_of_another_scheme_cannot_be_issued_here(client, scheme, organiser):
    elsewhere = factories.MembershipFactory().person
    client.force_login(organiser)

    assert client.post(issue_url(scheme, elsewhere)).status_code == 404


# Issuing for everyone eligible, confirmed and followed: test_certificate_issue_eligible.py.


def test_when_everyone_is_up_to_date_nothing_is_queued(
    client, scheme, organiser, eligible, certificate, django_capture_on_commit_callbacks
):
    client.force_login(organiser)

    with django_capture_on_commit_callbacks() as queued:
        response = client.post(issue_all_url(scheme), follow=True)

    assert queued == []
    assert "Everyone eligible already holds an up-to-date certificate." in (
        response.content.decode()
    )


# --- Revoke ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", NOT_ORGANISERS)
def test_only_organisers_revoke(client, request, certificate, role):
    client.force_login(request.getfixturevalue(role))

    assert client.get(revoke_url(certificate)).status_code == 404
    assert client.post(revoke_url(certificate), {"reason": "Mine now"}).status_code == 404
    certificate.refresh_from_db()
    assert certificate.revoked_at is None


def test_the_holder_cannot_revoke_their_own(client, certificate, eligible):
    client.force_login(eligible)

    assert client.post(revoke_url(certificate), {"reason": "Oops"}).status_code == 404
    certificate.refresh_from_db()
    assert certificate.revoked_at is None


def test_the_organiser_revokes_with_a_reason(client, scheme, organiser, certificate):
    client.force_login(organiser)

    response = client.post(revoke_url(certificate), {"reason": "Issued in error"})

    assert response.status_code == 302
    assert response["Location"] == list_url(scheme)
    certificate.refresh_from_db()
    assert certificate.revoked_at == NOW
    assert certificate.revoke_reason == "Issued in error"


def test_revoking_without_a_reason_is_refused(client, organiser, certificate):
    client.force_login(organiser)

    response = client.post(revoke_url(certificate), {"reason": " "})

    assert response.status_code == 400
    assert "Give a reason" in response.content.decode()
    certificate.refresh_from_db()
    assert certificate.revoked_at is None


# --- Export ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", NOT_ORGANISERS)
def test_only_organisers_export(client, request, scheme, certificate, role):
    client.force_login(request.getfixturevalue(role))

    assert client.post(export_url(scheme), {"scope": "current"}).status_code == 404
    assert not CertificateExport.objects.exists()


@pytest.mark.parametrize("role", NOT_ORGANISERS)
def test_only_the_exports_organisers_follow_it(client, request, scheme, organiser, role):
    export = CertificateExport.objects.create(
        scheme=scheme, requested_by=organiser, status="done", total=1, done=1, expires_at=NOW
    )
    client.force_login(request.getfixturevalue(role))

    for url in ("/exports/{}/", "/exports/{}/status/", "/exports/{}/download/"):
        assert client.get(url.format(export.pk)).status_code == 404


def test_the_organiser_exports_the_current_certificates(
    client,
    scheme,
    group,
    sessions,
    organiser,
    certificate,
    fake_pdf,
    django_capture_on_commit_callbacks,
):
    revoked = services.certificate_issue(
        actor=organiser, scheme=scheme, trainee=trainee_with_sessions(group, sessions, REQUIRED)
    )
    services.certificate_revoke(actor=organiser, certificate=revoked, reason="Error")
    client.force_login(organiser)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(export_url(scheme), {"scope": "current"})

    export = CertificateExport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/exports/{export.pk}/"
    assert list(export.certificates.all()) == [certificate]
    export.refresh_from_db()
    assert export.status == "done"
    page = client.get(f"/exports/{export.pk}/").content.decode()
    assert f"/exports/{export.pk}/download/" in page


def test_the_organiser_exports_the_selected_ones(
    client, scheme, organiser, certificate, fake_pdf, django_capture_on_commit_callbacks
):
    other = CertificateFactory(scheme=scheme)
    client.force_login(organiser)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(export_url(scheme), {"scope": "selected", "certificate": [other.pk]})

    assert list(CertificateExport.objects.get().certificates.all()) == [other]


def test_a_certificate_of_another_scheme_cannot_be_selected(client, scheme, organiser, fake_pdf):
    elsewhere = CertificateFactory()
    client.force_login(organiser)

    response = client.post(
        export_url(scheme), {"scope": "selected", "certificate": [elsewhere.pk]}, follow=True
    )

    assert not CertificateExport.objects.exists()
    assert "Choose at least one certificate" in response.content.decode()


def test_a_tampered_selection_is_refused_without_an_error(client, scheme, organiser, certificate):
    client.force_login(organiser)

    response = client.post(
        export_url(scheme), {"scope": "selected", "certificate": ["1 OR 1=1"]}, follow=True
    )

    assert response.status_code == 200
    assert not CertificateExport.objects.exists()
    assert "Choose at least one certificate" in response.content.decode()


# --- Downloads ------------------------------------------------------------------------------


def test_the_holder_downloads_their_own_pdf(client, certificate, eligible):
    require_weasyprint()
    client.force_login(eligible)

    response = client.get(pdf_url(certificate))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert response["Content-Disposition"] == (
        f'attachment; filename="certificate-aoife-byrne-{certificate.code}.pdf"'
    )


def test_the_progress_page_offers_the_holder_their_certificate(client, certificate, eligible):
    client.force_login(eligible)

    content = client.get("/progress/").content.decode()

    assert pdf_url(certificate) in content
    assert certificate.display_code in content


@pytest.mark.parametrize(
    "role", ["trainee", "leader", "other_group_leader", "other_scheme_organiser", "stranger"]
)
def test_nobody_else_but_organisers_downloads_it(client, request, certificate, role, fake_pdf):
    client.force_login(request.getfixturevalue(role))

    assert client.get(pdf_url(certificate)).status_code == 404


def test_the_schemes_organiser_downloads_any_of_its_certificates(
    client, organiser, certificate, fake_pdf
):
    client.force_login(organiser)

    response = client.get(pdf_url(certificate))

    assert response.status_code == 200
    assert response.content == b"%PDF-1.7 " + certificate.code.encode()


def test_a_trainee_cannot_download_a_classmates(client, group, sessions, certificate, fake_pdf):
    classmate = trainee_with_sessions(group, sessions, REQUIRED)
    client.force_login(classmate)

    assert client.get(pdf_url(certificate)).status_code == 404


# --- Queries --------------------------------------------------------------------------------


def test_the_list_runs_a_fixed_number_of_queries_for_3_and_30_eligible(
    client, scheme, group, sessions, organiser, django_assert_num_queries
):
    client.force_login(organiser)

    def add(count, prefix):
        """`count` eligible trainees; a third of them hold a certificate, one a revoked one."""
        people = eligible_crowd(group, count, sessions=sessions, prefix=prefix)
        issued = [
            services.certificate_issue(actor=organiser, scheme=scheme, trainee=person)
            for person in people[: count // 3]
        ]
        services.certificate_revoke(actor=organiser, certificate=issued[0], reason="Error")
        CertificateExport.objects.create(
            scheme=scheme, requested_by=organiser, total=1, expires_at=NOW.replace(year=2027)
        ).certificates.set(issued[:1])

    add(3, "few")
    client.get(list_url(scheme))  # warm any per-process caches
    with CaptureQueriesContext(connection) as few:
        response = client.get(list_url(scheme))
    assert len(response.context["candidates"]) == 3

    add(27, "many")
    with django_assert_num_queries(len(few)):
        response = client.get(list_url(scheme))
    assert len(response.context["candidates"]) == 30
    assert len(response.context["issued"]) == 10

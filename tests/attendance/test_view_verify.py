"""`/verify/<code>/`: the public check of a certificate, without sign-in, rate-limited."""

import pytest

from tests.factories.certificates import CertificateFactory
from tests.factories.sessions import NOW

# Frozen, so a rate-limit window cannot roll over in the middle of a test.
pytestmark = pytest.mark.usefixtures("frozen_now")


@pytest.fixture
def certificate(db):
    return CertificateFactory(
        holder_name="Aoife Byrne",
        trainee__email="aoife.byrne@example.org",
        registration_number="IMC 424242",
        sessions_counted=31,
        scheme__name="Dublin Psychiatry Training",
        groups="Wednesday group",
        leaders="Dr Máire Leader",
        issued_by_name="Dr Niamh Organiser",
    )


def url(code: str) -> str:
    return f"/verify/{code}/"


def test_a_valid_certificate_without_signing_in(client, certificate):
    response = client.get(url(certificate.display_code))

    assert response.status_code == 200
    content = response.content.decode()
    assert "Valid certificate." in content
    assert "Aoife Byrne" in content
    assert "Dublin Psychiatry Training" in content
    assert '<dd class="col-sm-8">31</dd>' in content
    assert "2 March 2026" in content
    assert "revoked" not in content


def test_a_superseded_certificate_is_genuine_but_replaced(client, certificate):
    certificate.superseded_at = NOW
    certificate.save()

    response = client.get(url(certificate.display_code))

    assert response.status_code == 200
    content = response.content.decode()
    assert "Genuine, but replaced" in content
    assert "Valid certificate." not in content
    assert "Aoife Byrne" in content


def test_a_revoked_certificate_says_so_without_the_reason(client, certificate):
    certificate.revoked_at = NOW
    certificate.revoke_reason = "Attendance records were entered in error"
    certificate.save()

    response = client.get(url(certificate.display_code))

    assert response.status_code == 200
    content = response.content.decode()
    assert "This certificate has been revoked." in content
    assert "Valid certificate." not in content
    assert "entered in error" not in content


def test_an_unknown_code_says_so_plainly(client, certificate):
    response = client.get(url("ABCD-EFGH-JK"))

    assert response.status_code == 404
    content = response.content.decode()
    assert "No certificate has this code." in content
    assert "Aoife Byrne" not in content


@pytest.mark.parametrize(
    "typed",
    [
        lambda c: c.code.lower(),
        lambda c: c.display_code,
        lambda c: c.display_code.lower(),
        lambda c: f"{c.code[:4]}%20{c.code[4:8]}%20{c.code[8:]}",
        lambda c: f"%20{c.display_code.lower()}%20",
    ],
    ids=["lower", "dashes", "lower-dashes", "spaces", "padded"],
)
def test_the_code_is_read_however_it_is_typed(client, certificate, typed):
    response = client.get(url(typed(certificate)))

    assert response.status_code == 200
    assert "Valid certificate." in response.content.decode()


def test_the_form_sends_a_typed_code_to_its_page(client, certificate):
    response = client.get("/verify/", {"code": f" {certificate.display_code.lower()} "})

    assert response.status_code == 302
    assert response["Location"] == url(certificate.code)


def test_the_page_shows_nothing_beyond_name_scheme_sessions_and_date(client, certificate):
    content = client.get(url(certificate.display_code)).content.decode()

    for private in (
        "IMC 424242",
        "aoife.byrne@example.org",
        certificate.issued_by.email,
        "Wednesday group",
        "Dr Máire Leader",
        "Dr Niamh Organiser",
        "11 February 2026",  # the period
    ):
        assert private not in content


def test_after_the_limit_the_next_check_answers_429(client, certificate, settings):
    settings.VERIFY_RATE_LIMIT_PER_MINUTE = 3
    codes = [certificate.display_code, "ABCD-EFGH-JK", certificate.display_code]

    statuses = [client.get(url(code)).status_code for code in codes]
    limited = client.get(url(certificate.display_code))

    assert statuses == [200, 404, 200]
    assert limited.status_code == 429
    assert "Too many checks" in limited.content.decode()
    assert "Aoife Byrne" not in limited.content.decode()


def test_another_address_is_not_limited(client, certificate, settings):
    settings.VERIFY_RATE_LIMIT_PER_MINUTE = 3
    for _ in range(4):
        client.get(url(certificate.display_code), REMOTE_ADDR="198.51.100.7")

    limited = client.get(url(certificate.display_code), REMOTE_ADDR="198.51.100.7")
    other = client.get(url(certificate.display_code), REMOTE_ADDR="203.0.113.9")

    assert limited.status_code == 429
    assert other.status_code == 200


def test_the_limit_lifts_in_the_next_minute(client, certificate, settings, frozen_now):
    settings.VERIFY_RATE_LIMIT_PER_MINUTE = 3
    for _ in range(3):
        client.get(url(certificate.display_code))
    assert client.get(url(certificate.display_code)).status_code == 429

    frozen_now.shift(60)

    assert client.get(url(certificate.display_code)).status_code == 200

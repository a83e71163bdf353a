"""The certificate PDF (attendance/pdf.py), read back: its text, its QR code and its page size.

WeasyPrint is slow-ish, so few renders: one certificate, and one bulk run of three.
"""

import io
from datetime import date

import pytest
from pypdf import PdfReader

from tests.factories.certificates import CertificateFactory, require_weasyprint

A4_POINTS = (595, 842)


@pytest.fixture
def pdf():
    require_weasyprint()  # WeasyPrint needs Pango and its friends
    from attendance import pdf

    return pdf


@pytest.fixture
def certificate(db):
    return CertificateFactory(
        holder_name="Aoife Byrne",
        registration_number="IMC 424242",
        sessions_counted=31,
        sessions_required=30,
        period_start=date(2025, 9, 3),
        period_end=date(2026, 2, 25),
        groups="Wednesday group",
        leaders="Dr Máire Leader; Dr Colm Coleader",
        issued_by_name="Dr Niamh Organiser",
        scheme__name="Dublin Psychiatry Training",
    )


def one_page(body: bytes):
    reader = PdfReader(io.BytesIO(body))
    assert len(reader.pages) == 1
    return reader.pages[0]


def words(page) -> str:
    """The page's text with line breaks and runs of spaces made single spaces."""
    return " ".join(page.extract_text().split())


def qr_codes(body: bytes) -> list[str]:
    import pypdfium2
    import zxingcpp

    image = pypdfium2.PdfDocument(body)[0].render(scale=3).to_pil()
    return [barcode.text for barcode in zxingcpp.read_barcodes(image)]


def test_the_text_states_who_how_many_when_and_the_code(pdf, certificate):
    text = words(one_page(pdf.render_certificate(certificate)))

    assert "Aoife Byrne" in text
    assert "Registration number IMC 424242" in text
    assert "attended 31 Balint group sessions" in text
    assert "between 3 September 2025 and 25 February 2026" in text
    assert "requirement of 30 sessions" in text
    assert f"Verification code {certificate.display_code}" in text
    assert "DUBLIN PSYCHIATRY TRAINING" in text
    assert "Dr Máire Leader; Dr Colm Coleader" in text
    assert "Dr Niamh Organiser, scheme organiser" in text


def test_the_qr_code_decodes_to_the_verify_url_on_an_a4_page(pdf, certificate, settings):
    settings.SITE_URL = "https://balint.example.ie"

    body = pdf.render_certificate(certificate)

    url = f"https://balint.example.ie/verify/{certificate.display_code}/"
    assert pdf.verify_url(certificate) == url
    assert qr_codes(body) == [url]
    assert url in words(one_page(body)).replace(" ", "")
    box = one_page(body).mediabox
    assert (round(float(box.width)), round(float(box.height))) == A4_POINTS


def test_bulk_rendering_gives_one_page_per_certificate_in_order(pdf, db, monkeypatch):
    monkeypatch.setattr(pdf, "BATCH_SIZE", 2)  # two batches: 2 + 1
    certificates = [
        CertificateFactory(holder_name=name, sessions_counted=count)
        for name, count in [("Aoife Byrne", 30), ("Brendan Walsh", 31), ("Ciara Nolan", 32)]
    ]

    rendered = list(pdf.render_certificates(certificates))

    assert [c for c, _ in rendered] == certificates
    for certificate, body in rendered:
        text = words(one_page(body))
        assert certificate.holder_name in text
        assert f"attended {certificate.sessions_counted} Balint group sessions" in text
        assert certificate.display_code in text
        others = [c for c in certificates if c != certificate]
        assert not any(o.holder_name in text or o.display_code in text for o in others)
    assert qr_codes(rendered[1][1]) == [pdf.verify_url(certificates[1])]


def test_warming_up_renders_a_certificate_without_the_database(pdf, monkeypatch):
    # No `db` fixture: any query would fail the test. The worker warms up before it
    # forks its pool, when it must hold no database connection.
    rendered = []
    render = pdf.render_certificates
    monkeypatch.setattr(pdf, "render_certificates", lambda cs: rendered.extend(render(cs)) or [])

    pdf.warm_up()

    [(certificate, body)] = rendered
    assert certificate.pk is None
    assert "Warm-up" in words(one_page(body))


def start_a_worker() -> None:
    """Send what a worker's main process sends before it forks its pool.

    The sender is a worker of another Celery app, so Django's fixup for ours leaves it
    alone instead of rewiring this test process's database handling."""
    from celery import Celery
    from celery.signals import worker_init

    import attendance.tasks  # noqa: F401 - connects the receiver, as the worker's import does

    class Worker:
        app = Celery("elsewhere")

    worker_init.send(sender=Worker())


def test_the_worker_warms_up_before_forking_its_pool(pdf, monkeypatch):
    calls = []
    monkeypatch.setattr(pdf, "warm_up", lambda: calls.append("warm"))

    start_a_worker()

    assert calls == ["warm"]


def test_a_worker_that_cannot_warm_up_still_starts(pdf, monkeypatch, caplog):
    def broken():
        raise OSError("no fonts")

    monkeypatch.setattr(pdf, "warm_up", broken)

    start_a_worker()  # does not raise

    assert "failed to warm up" in caplog.text
    assert "no fonts" in caplog.text

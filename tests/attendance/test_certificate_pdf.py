"""The certificate PDF (attendance/pdf.py), read back: its text, its pictures (the scheme's
mark, the QR code), its fonts and its page size. The first page of the demo-like certificate
is also saved as a PNG for people to review (var/browser-artefacts/certificate.png).

WeasyPrint is slow-ish, so few renders per test.
"""

import io
from datetime import date

import pytest
from pypdf import PdfReader

from attendance import services
from attendance.models import Attendance, Requirement
from tests import factories
from tests.browser.helpers import ARTEFACTS
from tests.factories.attendance import held_sessions, past_wednesdays
from tests.factories.certificates import (
    REQUIRED,
    CertificateFactory,
    led_by,
    require_weasyprint,
    trainee_with_sessions,
)
from tests.factories.sessions import NOW

A4_LANDSCAPE_POINTS = (842, 595)


@pytest.fixture
def pdf():
    require_weasyprint()  # WeasyPrint needs Pango and its friends
    from attendance import pdf

    return pdf


@pytest.fixture
def mark():
    from PIL import Image, ImageDraw

    picture = Image.new("RGBA", (300, 120), (0, 0, 0, 0))
    ImageDraw.Draw(picture).ellipse((5, 5, 115, 115), fill=(31, 59, 87, 255))
    out = io.BytesIO()
    picture.save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def certificate(db):
    return CertificateFactory(
        holder_name="Aoife O'Brien",  # as people type it: a straight apostrophe
        registration_number="IMC 424242",
        sessions_counted=31,
        sessions_required=30,
        period_start=date(2025, 9, 3),
        period_end=date(2026, 2, 25),
        groups="Wednesday group",
        leaders="Dr Máire Leader; Dr Colm Coleader",
        issued_by_name="Dr Niamh Organiser",
        scheme__name="Dublin Psychiatry Training",
        issued_at=NOW,
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

    assert "DUBLIN PSYCHIATRY TRAINING Certificate of Attendance Aoife O’Brien" in text
    assert "Registration number IMC 424242" in text
    assert "attended 31 Balint group sessions" in text
    assert "between 3 September 2025 and 25 February 2026" in text
    assert "meeting the scheme’s requirement of 30 sessions" in text
    assert "Groups: Wednesday group · Group leaders: Dr Máire Leader; Dr Colm Coleader" in text
    assert "Dr Niamh Organiser Scheme organiser, issued 2 March 2026" in text
    assert f"Verification code {certificate.display_code}" in text
    # Typeset: real apostrophes, the name's included, and no typewriter marks left.
    assert "'" not in text and '"' not in text


def test_it_is_set_in_the_packaged_typeface(pdf, certificate):
    page = one_page(pdf.render_certificate(certificate))

    fonts = {font.get_object()["/BaseFont"] for font in page["/Resources"]["/Font"].values()}
    assert fonts and all("Spectral" in name for name in fonts), fonts
    assert {"Spectral", "Spectral-Light", "Spectral-Semi-Bold"} <= {f.split("+")[1] for f in fonts}


def test_the_schemes_mark_is_printed_when_it_has_one(pdf, certificate, mark):
    assert len(one_page(pdf.render_certificate(certificate)).images) == 1  # the QR code alone
    Requirement.objects.filter(scheme=certificate.scheme).update(certificate_mark=mark)

    images = one_page(pdf.render_certificate(certificate)).images

    assert len(images) == 2
    assert sorted(image.image.size for image in images)[-1] == (300, 120)


def test_the_demo_like_certificate_is_saved_for_review(pdf, certificate, mark):
    import pypdfium2

    Requirement.objects.filter(scheme=certificate.scheme).update(certificate_mark=mark)
    body = pdf.render_certificate(certificate)

    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    picture = pypdfium2.PdfDocument(body)[0].render(scale=2).to_pil()
    picture.save(ARTEFACTS / "certificate.png")
    width, height = picture.size
    assert width > height  # landscape
    # The page is full: ink in its bottom third, inside the frame (the signatures, the QR).
    bottom = picture.convert("L").crop((80, height * 2 // 3, width - 80, height - 80))
    assert bottom.getextrema()[0] < 100


@pytest.mark.parametrize(
    ("typed", "typeset"),
    [
        ("Aoife O'Brien", "Aoife O’Brien"),
        ("D'Arcy-O'Neill", "D’Arcy-O’Neill"),
        ("'Niamh' Kelly", "‘Niamh’ Kelly"),
        ('Siobhán "Sive" Murphy', "Siobhán “Sive” Murphy"),
        ("Cork - Kerry scheme", "Cork – Kerry scheme"),
        ("Byrne-Walsh", "Byrne-Walsh"),
        ("Máire Ní Bhriain", "Máire Ní Bhriain"),
    ],
)
def test_typewriter_marks_are_typeset(typed, typeset):
    from attendance.pdf import typographic

    assert typographic(typed) == typeset


def test_the_longest_values_the_fields_allow_still_fit_one_page(pdf, db):
    certificate = CertificateFactory(
        holder_name=("Dr Wwwwwwwwww Mmmmmmmmm " * 7)[:150],
        registration_number="W" * 30,
        sessions_counted=9999,
        sessions_required=9999,
        groups=("Wednesday evening group; " * 30)[:500],
        leaders=("Dr Máire Leader-Ó Súilleabháin; " * 20)[:500],
        issued_by_name=("Dr Niamh Organiser " * 10)[:150],
        scheme__name=("Longford Westmeath Psychiatry " * 7)[:200],
    )

    text = words(one_page(pdf.render_certificate(certificate)))

    # Nothing lost off the sheet: the end of the details and the foot are all there.
    assert "Dr Wwwwwwwwww Mmmmmmmmm" in text
    assert certificate.leaders[-20:] in text.replace("’", "'")
    assert f"Verification code {certificate.display_code}" in text


def test_the_qr_code_decodes_to_the_verify_url_on_an_a4_page(pdf, certificate, settings):
    settings.SITE_URL = "https://balint.example.ie"

    body = pdf.render_certificate(certificate)

    url = f"https://balint.example.ie/verify/{certificate.display_code}/"
    assert pdf.verify_url(certificate) == url
    assert qr_codes(body) == [url]
    assert url in words(one_page(body)).replace(" ", "")
    box = one_page(body).mediabox
    assert (round(float(box.width)), round(float(box.height))) == A4_LANDSCAPE_POINTS


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


def test_warming_up_renders_a_certificate_without_the_database(pdf):
    # No `db` fixture: any query would fail the test. The worker warms up before it
    # forks its pool, when it must hold no database connection.
    page = one_page(pdf.warm_up())

    assert "Warm-up" in words(page)
    assert len(page.images) == 2  # a mark and the QR code: both paths warmed


def start_a_worker() -> None:
    """Send what a worker's main process sends before it forks its pool.

    The sender is a worker of another Celery app, so Django's fixup for ours leaves it
    alone instead of rewiring this test process's database handling. It is not made the
    current app: tests after this one would send their tasks to it."""
    from celery import Celery
    from celery.signals import worker_init

    import attendance.tasks  # noqa: F401 - connects the receiver, as the worker's import does

    class Worker:
        app = Celery("elsewhere", set_as_current=False)

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


# --- The leader who signs ----------------------------------------------------------------------


@pytest.fixture
def led_certificate(db):
    """A trainee whose last session was led by Dr Máire Leader, with Dr Colm Coleader."""
    scheme = factories.SchemeFactory(sessions_required=REQUIRED)
    group = factories.GroupFactory(scheme=scheme, name="Wednesday group")
    organiser = factories.OrganiserFactory(scheme=scheme).person
    sessions = held_sessions(group, past_wednesdays(REQUIRED))
    earlier = factories.UserFactory(full_name="Dr Earlier Leader")
    leader = factories.UserFactory(full_name="Dr Máire Leader")
    coleader = factories.UserFactory(full_name="Dr Colm Coleader")
    led_by(earlier, sessions[:-1])
    led_by(leader, sessions[-1:])
    led_by(coleader, sessions[-1:], role=Attendance.Role.CO_LEADER)
    trainee = trainee_with_sessions(group, sessions, REQUIRED, full_name="Aoife O'Brien")
    return services.certificate_issue(actor=organiser, scheme=scheme, trainee=trainee)


def test_with_leader_signing_the_last_sessions_leader_signs(pdf, led_certificate):
    Requirement.objects.filter(scheme=led_certificate.scheme).update(certificate_leader_signs=True)

    text = words(one_page(pdf.render_certificate(led_certificate)))

    assert "Dr Máire Leader Group leader, Wednesday group" in text
    assert "Coleader Co-leader" not in text and "Earlier Leader Group leader" not in text


def test_without_leader_signing_only_the_organiser_signs(pdf, led_certificate):
    text = words(one_page(pdf.render_certificate(led_certificate)))

    assert "Scheme organiser, issued" in text
    assert "Group leader," not in text


def test_a_leader_no_longer_named_on_the_certificate_does_not_sign(pdf, led_certificate):
    """An erased leader's name is scrubbed from the snapshot: it must not come back."""
    Requirement.objects.filter(scheme=led_certificate.scheme).update(certificate_leader_signs=True)
    led_certificate.leaders = "[erased]; Dr Colm Coleader; Dr Earlier Leader"
    led_certificate.save()

    text = words(one_page(pdf.render_certificate(led_certificate)))

    assert "Group leader," not in text and "Dr Máire Leader" not in text

"""Certificate PDFs with WeasyPrint.

Bulk rendering lays many certificates out as pages of one document and splits
it afterwards: WeasyPrint's fixed cost (fonts, CSS) is paid once per batch
instead of once per certificate.
"""

import io
import re
from collections.abc import Iterator

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DictionaryObject, NameObject
from weasyprint import HTML

from attendance.models import Certificate

BATCH_SIZE = 100
QR_MASK = 4


def verify_url(certificate: Certificate) -> str:
    return settings.SITE_URL + reverse("verify", args=[certificate.display_code])


def _qr_png(url: str) -> str:
    """A one-pixel-per-module PNG, scaled up crisply by CSS: far cheaper to lay out than SVG.

    A fixed mask pattern skips segno's search over all eight, most of its run time;
    any mask gives a valid, readable code.
    """
    return segno.make(url, error="m", mask=QR_MASK).png_data_uri(scale=1, border=0)


def _html(certificates: list[Certificate]) -> str:
    pages = [
        {"certificate": c, "verify_url": verify_url(c), "qr": _qr_png(verify_url(c))}
        for c in certificates
    ]
    return render_to_string("attendance/certificate_pdf.html", {"pages": pages})


def _document(certificates: list[Certificate]) -> bytes:
    return HTML(string=_html(certificates), base_url=str(settings.BASE_DIR)).write_pdf()


_DRAWN = re.compile(rb"/([^\s/\[\]()<>{}%]+)\s+Do\b")


def _keep_own_images(page) -> None:
    """WeasyPrint shares one image dictionary across a document's pages; give each page
    only the images it draws, or every split file would carry every QR code."""
    resources = page["/Resources"]
    images = resources.get("/XObject")
    if not images:
        return
    drawn = {"/" + name.decode() for name in _DRAWN.findall(page.get_contents().get_data())}
    own = DictionaryObject({NameObject(k): v for k, v in images.items() if k in drawn})
    resources = DictionaryObject(resources)
    resources[NameObject("/XObject")] = own
    page[NameObject("/Resources")] = resources


def _split(pdf: bytes) -> list[bytes]:
    reader = PdfReader(io.BytesIO(pdf))
    files = []
    for page in reader.pages:
        _keep_own_images(page)
        writer = PdfWriter()
        writer.add_page(page)
        writer.add_metadata(reader.metadata or {})
        # A fixed file identifier keeps the bytes the same for the same certificate.
        writer._ID = None
        buffer = io.BytesIO()
        writer.write(buffer)
        files.append(buffer.getvalue())
    return files


def render_certificate(certificate: Certificate) -> bytes:
    return _document([certificate])


def render_certificates(certificates: list[Certificate]) -> Iterator[tuple[Certificate, bytes]]:
    """(certificate, one-page PDF) for each, rendered a batch at a time."""
    for start in range(0, len(certificates), BATCH_SIZE):
        batch = certificates[start : start + BATCH_SIZE]
        files = _split(_document(batch))
        if len(files) != len(batch):  # a certificate overflowed its page: render one by one
            files = [render_certificate(c) for c in batch]
        yield from zip(batch, files, strict=True)

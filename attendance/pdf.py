"""Certificate PDFs with WeasyPrint.

Bulk rendering lays many certificates out as pages of one document and splits
it afterwards: WeasyPrint's fixed cost (fonts, CSS) is paid once per batch
instead of once per certificate.
"""

import base64
import gc
import os
import re
import struct
import threading
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import fontpkg
import zxingcpp
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from attendance import certificate_selectors, pdf_split
from attendance.certificate_selectors import Signatory
from attendance.models import Certificate, Requirement
from groups.models import Scheme

# Certificates per WeasyPrint document, and per export chunk (one task each). Per page,
# 50 lays out as fast as 100 or faster: a document keeps all its pages' boxes alive, and
# past about 50 pages Python's garbage collector spends ever longer walking them. Smaller
# chunks also let the worker processes run out of work closer together.
BATCH_SIZE = 50
# The entries of a ZIP of PDFs carry this timestamp, so the same export is the same bytes.
ZIP_TIMESTAMP = (2000, 1, 1, 0, 0, 0)
# The typeface, from its Python package (fontpkg-spectral): the same on every machine,
# with no system font or network needed. Only the faces the template uses are loaded;
# a character none of them has (a name in another script) falls back to the system's.
FAMILY = "Spectral"
FACES = ((300, "normal"), (400, "normal"), (600, "normal"))


def verify_url(certificate: Certificate) -> str:
    return settings.SITE_URL + reverse("verify", args=[certificate.display_code])


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _qr_png(url: str) -> bytes:
    """A one-pixel-per-module PNG, scaled up crisply by CSS: far cheaper to lay out than SVG.

    zxing-cpp draws the code as 8-bit grey (dark modules 0, light 255), which is what the
    PNG holds and WeasyPrint embeds as it is, with no conversion or re-encoding.
    """
    code = zxingcpp.create_barcode(url, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    image = memoryview(code.to_image(add_quiet_zones=False))
    size, pixels = image.shape[0], image.tobytes()
    # Each row of a PNG starts with its filter type, 0 (none).
    rows = b"".join(b"\0" + pixels[at : at + size] for at in range(0, size * size, size))
    return b"".join(
        (
            b"\x89PNG\r\n\x1a\n",
            _png_chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 0, 0, 0, 0)),
            _png_chunk(b"IDAT", zlib.compress(rows)),
            _png_chunk(b"IEND", b""),
        )
    )


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode()


# Typewriter marks as people type them (and names are stored), printed as a typesetter would.
_DOUBLE_QUOTED = re.compile(r'"([^"]*)"')
_OPENING_SINGLE = re.compile(r"(^|[\s(\[“])'")
_SPACED_HYPHEN = re.compile(r"(?<=\s)--?(?=\s)")


def typographic(text: str) -> str:
    """Curly quotes and apostrophes, and an en dash for a spaced hyphen:
    `O'Brien` → `O’Brien`, `"Niamh"` → `“Niamh”`, `Dublin - North` → `Dublin – North`.
    Hyphenated names (`Byrne-Walsh`) stay as they are."""
    text = _DOUBLE_QUOTED.sub("“\\1”", text)
    text = _OPENING_SINGLE.sub("\\1‘", text).replace("'", "’")
    return _SPACED_HYPHEN.sub("–", text)


class _Fonts:
    """One WeasyPrint font configuration per process, with the package's faces added.

    WeasyPrint otherwise builds a configuration per document, and with @font-face copies
    every face to a temporary folder each time: a tenth of a second per single PDF. Kept,
    the fonts and Pango's caches of them serve every later document. Pango is not
    thread-safe, so one document at a time uses it (web threads each render one PDF at
    most). A forked process builds its own: nothing of the parent's is shared.
    """

    lock = threading.Lock()
    _config = None
    _pid = None

    @classmethod
    def config(cls):
        if cls._pid != os.getpid():
            from weasyprint.text.ffi import ffi, fontconfig, pangoft2
            from weasyprint.text.fonts import FontConfiguration

            config = FontConfiguration()
            for weight, style in FACES:
                path = str(fontpkg.path(FAMILY, weight, style)).encode()
                if not fontconfig.FcConfigAppFontAddFile(config._config, path):
                    raise OSError(f"Cannot load the font {path!r}.")
            pangoft2.pango_fc_font_map_config_changed(ffi.cast("PangoFcFontMap *", config.font_map))
            cls._config, cls._pid = config, os.getpid()
        return cls._config


def _fit(page: dict) -> dict[str, str]:
    """Classes, per paragraph, that shrink what is long, so the longest values the fields
    allow (a 200 character scheme, a 150 character holder, 500 characters each of groups
    and leaders) still fit the page: what overflowed it would start another."""
    scheme, holder = len(page["scheme"]), len(page["holder"])
    details = len(page["groups"]) + len(page["leaders"])
    compact = " compact" if holder > 70 or details > 320 or scheme > 120 else ""
    name = " longer-name" if holder > 70 else " long-name" if holder > 36 else ""
    return {
        "scheme": (" long-scheme" if scheme > 60 else "") + compact,
        "name": name,
        "details": (" long-details" if details > 160 else "") + compact,
        "compact": compact,
    }


def _pages(
    certificates: list[Certificate],
    designs: dict[int, Requirement],
    signers: dict[int, Signatory],
) -> list[dict]:
    marks: dict[int, str] = {}  # each scheme's mark encoded once, and shared by its pages
    pages = []
    for certificate in certificates:
        design = designs.get(certificate.scheme_id)
        if design is not None and design.certificate_mark and certificate.scheme_id not in marks:
            marks[certificate.scheme_id] = _data_uri(bytes(design.certificate_mark))
        url, leader = verify_url(certificate), signers.get(certificate.pk)
        page = {
            "certificate": certificate,
            "verify_url": url,
            "qr": _data_uri(_qr_png(url)),
            "mark": marks.get(certificate.scheme_id),
            "scheme": typographic(certificate.scheme.name).upper(),
            "holder": typographic(certificate.holder_name),
            "groups": typographic(certificate.groups),
            "leaders": typographic(certificate.leaders),
            "issuer": Signatory(typographic(certificate.issued_by_name), "Scheme organiser"),
            "leader": leader and Signatory(typographic(leader.name), typographic(leader.role)),
        }
        pages.append({**page, "fit": _fit(page)})
    return pages


def _html(certificates: list[Certificate]) -> str:
    designs = certificate_selectors.certificate_designs(certificates)
    signers = certificate_selectors.signing_leaders(certificates, designs)
    return _render_html(_pages(certificates, designs, signers))


def _render_html(pages: list[dict]) -> str:
    # Each scheme's mark once, in the style sheet: WeasyPrint then decodes it once a batch.
    marks = {page["certificate"].scheme_id: page["mark"] for page in pages if page["mark"]}
    return render_to_string("attendance/certificate_pdf.html", {"pages": pages, "marks": marks})


# Every margin box a page can have (CSS Paged Media), the corners included.
_MARGIN_BOXES = tuple(
    f"@{side}-{place}"
    for side, places in (
        ("top", ("left-corner", "left", "center", "right", "right-corner")),
        ("bottom", ("left-corner", "left", "center", "right", "right-corner")),
        ("left", ("top", "middle", "bottom")),
        ("right", ("top", "middle", "bottom")),
    )
    for place in places
)


def _has_content(style) -> bool:
    # As WeasyPrint decides whether a margin box is generated.
    return style is not None and style["content"] not in ("normal", "inhibit", "none")


def _margin_boxes_with_content(layout) -> None:
    """WeasyPrint makes, styles and sizes all 16 margin boxes of every page even when
    none has content (its own style sheet gives each an alignment), and draws none of
    them: a ninth of a certificate's instructions (bench/certificate_instructions.py).
    A page none of whose margin boxes has content now skips them; statements and leader
    records, which print their footers in margin boxes, go the usual way. `layout` is
    weasyprint.layout."""
    make_margin_boxes = layout.make_margin_boxes
    if getattr(make_margin_boxes, "with_content", False):
        return

    def margin_boxes(context, page, state):
        styles = (context.style_for(page.page_type, box) for box in _MARGIN_BOXES)
        return make_margin_boxes(context, page, state) if any(map(_has_content, styles)) else ()

    margin_boxes.with_content = True
    margin_boxes.__wrapped__ = make_margin_boxes
    layout.make_margin_boxes = margin_boxes


def _pdf(html: str, finisher: Callable | None = None) -> bytes:
    # Imported here: WeasyPrint takes a second to import and most processes never draw a PDF.
    from weasyprint import HTML, layout
    from weasyprint.urls import URLFetcher

    _margin_boxes_with_content(layout)

    # The page needs only its own data: URIs; nothing from the network or the disk.
    document = HTML(
        string=html,
        base_url=str(settings.BASE_DIR),
        url_fetcher=URLFetcher(allowed_protocols={"data"}),
    )
    with _Fonts.lock:
        return document.write_pdf(font_config=_Fonts.config(), finisher=finisher)


def render_certificate(certificate: Certificate) -> bytes:
    return _pdf(_html([certificate]))


@contextmanager
def _fewer_garbage_collections():
    """Collect cyclic garbage less often while a batch is laid out.

    A batch keeps the boxes of all its pages alive until it is written, and Python's
    default thresholds (a collection every 700 new objects) then re-scan that growing
    heap over and over: in the worker, 2.8 s of garbage collection per 1,000
    certificates, 1.6 s with this. Garbage is still collected, in rarer, larger rounds.
    """
    thresholds = gc.get_threshold()
    gc.set_threshold(max(thresholds[0], 50_000), *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)


def _on_a_fresh_stack(work: Callable[..., list[bytes]], *args) -> list[bytes]:
    """`work(*args)` in a new thread, whose Python stack starts empty.

    CPython 3.11 keeps frames in 16 KB chunks and frees a chunk as soon as the stack
    drops back below it (python/cpython#142183, fixed only in later 3.13 and 3.14
    releases). Deep in a Celery task's stack, WeasyPrint's layout crossed such a boundary
    on hot calls, mapping and unmapping memory each time: a batch took 40% longer in the
    worker than in a script. From a fresh stack it runs at the same shallow depth
    wherever it is called from.
    """
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="certificates") as thread:
        return thread.submit(work, *args).result()


def _pdf_pages(html: str) -> list[bytes]:
    try:
        _pdf(html, finisher=pdf_split.split_instead_of_writing)
    except pdf_split.Split as split:
        return split.files
    raise AssertionError("WeasyPrint did not call the finisher.")


def render_certificates(certificates: list[Certificate]) -> Iterator[tuple[Certificate, bytes]]:
    """(certificate, one-page PDF) for each, rendered a batch at a time."""
    for start in range(0, len(certificates), BATCH_SIZE):
        batch = certificates[start : start + BATCH_SIZE]
        html = _html(batch)  # in this thread: the template may query the database
        with _fewer_garbage_collections():
            files = _on_a_fresh_stack(_pdf_pages, html)
        if len(files) != len(batch):  # a certificate overflowed its page: render one by one
            files = [render_certificate(c) for c in batch]
        yield from zip(batch, files, strict=True)


def warm_up() -> bytes:
    """Render one certificate held in memory, touching no database.

    A process's first batch pays about a second of one-time costs: cffi's type
    parsing, the template, the URL map. The Celery worker calls this
    before it forks its pool, so every pool process starts warm and an export pays only
    for pages. Returns the one-page PDF.
    """
    day = timezone.localdate()
    scheme = Scheme(name="Warm-up")
    certificate = Certificate(
        scheme=scheme,
        issued_at=timezone.now(),
        **dict.fromkeys(("holder_name", "groups", "leaders", "issued_by_name"), "Warm-up"),
        **dict.fromkeys(("sessions_counted", "sessions_required"), 1),
        **dict.fromkeys(("period_start", "period_end"), day),
    )
    # A mark (any PNG will do) and a leader: the warm-up takes every path an export can.
    design = Requirement(scheme=scheme, certificate_mark=_qr_png(verify_url(certificate)))
    # Keyed by the unsaved scheme's and certificate's id, None.
    pages = _pages([certificate], {None: design}, {None: Signatory("Warm-up", "Warm-up")})
    return _pdf_pages(_render_html(pages))[0]

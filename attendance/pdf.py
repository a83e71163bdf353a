"""Certificate PDFs with WeasyPrint.

Bulk rendering lays many certificates out as pages of one document and splits
it afterwards: WeasyPrint's fixed cost (fonts, CSS) is paid once per batch
instead of once per certificate.
"""

import base64
import copy
import functools
import gc
import io
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
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, StreamObject

from attendance import certificate_selectors
from attendance.certificate_selectors import Signatory
from attendance.models import Certificate, Requirement
from groups.models import Scheme

# Certificates per WeasyPrint document, and per export chunk (one task each). Per page,
# 50 lays out as fast as 100 or faster: a document keeps all its pages' boxes alive, and
# past about 50 pages Python's garbage collector spends ever longer walking them. Smaller
# chunks also let the worker processes run out of work closer together.
BATCH_SIZE = 50
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


def _pdf(html: str) -> bytes:
    # Imported here: WeasyPrint takes a second to import and most processes never draw a PDF.
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    # The page needs only its own data: URIs; nothing from the network or the disk.
    document = HTML(
        string=html,
        base_url=str(settings.BASE_DIR),
        url_fetcher=URLFetcher(allowed_protocols={"data"}),
    )
    with _Fonts.lock:
        return document.write_pdf(font_config=_Fonts.config())


# --- Splitting a document into one-page files -----------------------------------------------
#
# Every page of a batch shares the fonts (and their subsets), so pypdf's page-by-page
# copying would read, copy and write the same objects once per page. Instead each object
# is written out once, with its references left open, and each one-page file is put
# together from those pieces with its own compact object numbers.

_DRAWN = re.compile(rb"/([^\s/\[\]()<>{}%]+)\s+Do\b")
_HEADER = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"


def _stream_body(stream: StreamObject) -> bytes:
    """`/Length n >> stream ... endstream`: the stream's bytes as they were, still encoded.

    pypdf's get_data() decodes them; its write_to_stream() writes them as they are, after
    the dictionary. A copy without the dictionary's entries (whose references the caller
    writes, renumbered) gives that part alone, after the copy's opening "<<".
    """
    body = copy.copy(stream)
    body.clear()
    written = io.BytesIO()
    body.write_to_stream(written)
    return written.getvalue().removeprefix(b"<<").lstrip()


@functools.cache
def _name(name: NameObject) -> bytes:
    """A name as PDF syntax. pypdf escapes it character by character each time it is
    written, and a batch writes the same few dozen names thousands of times."""
    return name.renumber()


def _pieces(obj) -> list[bytes | int]:
    """`obj` as PDF syntax: byte strings, with the object numbers it refers to between them."""
    pieces: list[bytes | int] = []
    buffer = io.BytesIO()

    def write(obj) -> None:
        if isinstance(obj, IndirectObject):
            pieces.append(buffer.getvalue())
            buffer.seek(0)
            buffer.truncate()
            pieces.append(obj.idnum)
        elif isinstance(obj, NameObject):
            buffer.write(_name(obj))
        elif isinstance(obj, DictionaryObject):
            stream = isinstance(obj, StreamObject)
            buffer.write(b"<<")
            for key, value in obj.items():
                if stream and key == "/Length":
                    continue
                buffer.write(b"\n")
                buffer.write(_name(key))
                buffer.write(b" ")
                write(value)
            if stream:
                buffer.write(b"\n")
                buffer.write(_stream_body(obj))
            else:
                buffer.write(b"\n>>")
        elif isinstance(obj, ArrayObject):
            buffer.write(b"[")
            for item in obj:
                buffer.write(b" ")
                write(item)
            buffer.write(b" ]")
        else:
            obj.write_to_stream(buffer)

    write(obj)
    pieces.append(buffer.getvalue())
    return pieces


def _joined(pieces: list[bytes | int], numbers: dict[int, int | None]) -> bytes:
    """The pieces with each reference renumbered, or null where it leads out of the file."""
    return b"".join(
        piece
        if isinstance(piece, bytes)
        else b"%d 0 R" % numbers[piece]
        if numbers[piece] is not None
        else b"null"
        for piece in pieces
    )


def _own_page(page) -> DictionaryObject:
    """The page with only the images it draws: WeasyPrint shares one image dictionary
    across a document's pages, or every split file would carry every QR code."""
    own = DictionaryObject(page)
    resources = page["/Resources"].get_object()
    images = resources.get("/XObject")
    if images:
        drawn = {"/" + name.decode() for name in _DRAWN.findall(page.get_contents().get_data())}
        resources = DictionaryObject(resources)
        resources[NameObject("/XObject")] = DictionaryObject(
            {k: v for k, v in images.get_object().items() if k in drawn}
        )
        own[NameObject("/Resources")] = resources
    return own


def _split(pdf: bytes) -> list[bytes]:
    reader = PdfReader(io.BytesIO(pdf))
    cache: dict[int, list[bytes | int]] = {}

    def pieces(number: int) -> list[bytes | int]:
        if number not in cache:
            cache[number] = _pieces(reader.get_object(number))
        return cache[number]

    pages = reader.pages
    page_numbers = {page.indirect_reference.idnum for page in pages}
    root = reader.trailer["/Root"].get_object()
    lang = _pieces(root["/Lang"]) if "/Lang" in root else None
    info = reader.trailer.get("/Info")
    files = []
    for page in pages:
        own = page.indirect_reference.idnum
        # 1 catalog, 2 page tree, 3 page; links to other pages of the batch become null.
        numbers: dict[int, int | None] = dict.fromkeys(page_numbers - {own})
        numbers[page.raw_get("/Parent").idnum] = 2
        numbers[own] = 3
        bodies = [_pieces(_own_page(page))]
        # Number what the page refers to, breadth first, then the document information.
        for start in (bodies[0], [info.idnum] if isinstance(info, IndirectObject) else []):
            queue = [piece for piece in start if isinstance(piece, int)]
            for number in queue:
                if number not in numbers:
                    numbers[number] = 3 + len(bodies)
                    bodies.append(pieces(number))
                    queue.extend(piece for piece in bodies[-1] if isinstance(piece, int))

        catalog = b"<<\n/Type /Catalog\n/Pages 2 0 R%s\n>>" % (
            b"\n/Lang " + _joined(lang, numbers) if lang else b""
        )
        objects = [catalog, b"<<\n/Type /Pages\n/Count 1\n/Kids [ 3 0 R ]\n>>"]
        objects += [_joined(pieces, numbers) for pieces in bodies]
        out = [_HEADER]
        offsets = []
        position = len(_HEADER)
        for number, content in enumerate(objects, 1):
            offsets.append(position)
            out.append(b"%d 0 obj\n%s\nendobj\n" % (number, content))
            position += len(out[-1])
        out.append(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
        out.extend(b"%010d 00000 n \n" % offset for offset in offsets)
        trailer = b"/Size %d\n/Root 1 0 R" % (len(objects) + 1)
        if isinstance(info, IndirectObject):
            trailer += b"\n/Info %d 0 R" % numbers[info.idnum]
        # No /ID: the same certificate gives the same bytes.
        out.append(b"trailer\n<<\n%s\n>>\nstartxref\n%d\n%%%%EOF\n" % (trailer, position))
        files.append(b"".join(out))
    return files


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
    return _split(_pdf(html))


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
    parsing, the template, the URL map, pypdf. The Celery worker calls this
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
    return _split(_pdf(_render_html(pages)))[0]

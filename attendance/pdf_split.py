"""A batch of certificates, rendered as one WeasyPrint document, split into one-page PDF
files: the fonts every page shares are turned into bytes once a batch, not once a page.

It reads the pydyf document WeasyPrint hands to a `finisher` before writing, through
pydyf's `_to_bytes` (how pydyf writes a plain value), so pydyf is pinned in pyproject.toml
to the range these tests ran with (tests/attendance/test_certificate_pdf.py reads every
file back with pypdf in strict mode).
"""

import re
import zlib

import pydyf

# WeasyPrint builds a batch as one pydyf document and hands it to a finisher before writing
# it. There each page becomes a file of its own: the objects the page refers to, renumbered
# compactly, each one that pages share (the fonts and their subsets) turned into bytes once
# a batch. The batch's own PDF is never written, nor parsed back (pypdf took 5 M
# instructions a certificate for that; bench/certificate_instructions.py).

_DRAWN = re.compile(rb"/([^\s/\[\]()<>{}%]+)\s+Do\b")
_REFERENCE = re.compile(rb"(\d+) 0 R")  # as pydyf writes one: a `.reference`
_HEADER = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"


def _pieces(obj) -> list[bytes | int]:
    """`obj` as PDF syntax, as pydyf would write it (its own `_to_bytes` writes the plain
    values): byte strings, with the numbers of the objects it refers to between them."""
    pieces: list[bytes | int] = []
    buffer: list[bytes] = []

    def write(value) -> None:
        if isinstance(value, bytes) and (reference := _REFERENCE.fullmatch(value)):
            pieces.append(b"".join(buffer))
            buffer.clear()
            pieces.append(int(reference[1]))
        elif isinstance(value, dict):
            buffer.append(b"<<")
            for key, item in value.items():
                buffer.append(b"/%s " % pydyf._to_bytes(key))
                write(item)
            buffer.append(b">>")
        elif isinstance(value, list | tuple):
            buffer.append(b"[")
            for index, item in enumerate(value):
                buffer.append(b" " if index else b"")
                write(item)
            buffer.append(b"]")
        else:
            buffer.append(pydyf._to_bytes(value))

    write(obj)
    pieces.append(b"".join(buffer))
    return pieces


def _content(stream: pydyf.Stream) -> bytes:
    return b"\n".join(map(pydyf._to_bytes, stream.stream))


def _object_pieces(obj) -> list[bytes | int]:
    """An indirect object's pieces; a stream compressed as pydyf does it."""
    if not isinstance(obj, pydyf.Stream):
        return _pieces(obj)
    data, extra = _content(obj), dict(obj.extra)
    if obj.compress:
        data, extra["Filter"] = zlib.compress(data, 9), "/FlateDecode"
    extra["Length"] = len(data)
    pieces = _pieces(extra)
    pieces[-1] += b"\nstream\n%s\nendstream" % data
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


def _own_page(page: dict, objects: list) -> dict:
    """The page with only the images it draws: WeasyPrint shares one resource dictionary
    across a document's pages, or every file would carry every QR code."""
    resources = objects[int(_REFERENCE.fullmatch(page["Resources"])[1])]
    images = resources.get("XObject")
    if not images:
        return page
    contents = objects[int(_REFERENCE.fullmatch(page["Contents"])[1])]
    drawn = set(_DRAWN.findall(_content(contents)))
    own = {name: image for name, image in images.items() if name.encode() in drawn}
    return {**page, "Resources": {**resources, "XObject": own}}


def _file(numbered: list[bytes], catalog: bytes, info: int | None) -> bytes:
    """A PDF of the catalog, a one-page tree and the numbered objects (3 on)."""
    objects = [catalog, b"<<\n/Type /Pages\n/Count 1\n/Kids [ 3 0 R ]\n>>", *numbered]
    out, offsets, position = [_HEADER], [], len(_HEADER)
    for number, content in enumerate(objects, 1):
        offsets.append(position)
        out.append(b"%d 0 obj\n%s\nendobj\n" % (number, content))
        position += len(out[-1])
    out.append(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.extend(b"%010d 00000 n \n" % offset for offset in offsets)
    trailer = b"/Size %d\n/Root 1 0 R" % (len(objects) + 1)
    if info is not None:
        trailer += b"\n/Info %d 0 R" % info
    # No /ID: the same certificate gives the same bytes.
    out.append(b"trailer\n<<\n%s\n>>\nstartxref\n%d\n%%%%EOF\n" % (trailer, position))
    return b"".join(out)


def split(pdf: pydyf.PDF) -> list[bytes]:
    """One file per page of `pdf`, the pydyf document WeasyPrint made of a batch."""
    objects, cache = pdf.objects, {}

    def pieces(number: int) -> list[bytes | int]:
        if number not in cache:
            cache[number] = _object_pieces(objects[number])
        return cache[number]

    page_numbers = pdf.pages["Kids"][::3]  # pydyf lists each as number, 0, "R"
    lang = _pieces(pdf.catalog["Lang"]) if "Lang" in pdf.catalog else None
    info = _pieces(pdf.info) if pdf.info else None
    files = []
    for own in page_numbers:
        # 1 catalog, 2 page tree, 3 page; links to other pages of the batch become null.
        numbers: dict[int, int | None] = dict.fromkeys(page_numbers)
        numbers[pdf.pages.number] = 2
        numbers[own] = 3
        bodies = [_pieces(_own_page(objects[own], objects))]
        # Number what the page refers to, breadth first, then the document information.
        for start in (bodies[0], info or []):
            queue = [piece for piece in start if isinstance(piece, int)]
            for number in queue:
                if number not in numbers:
                    numbers[number] = 3 + len(bodies)
                    bodies.append(pieces(number))
                    queue.extend(piece for piece in bodies[-1] if isinstance(piece, int))
        if info is not None:
            bodies.append(info)
        catalog = b"<</Type /Catalog/Pages 2 0 R%s>>" % (
            b"/Lang " + _joined(lang, numbers) if lang else b""
        )
        numbered = [_joined(body, numbers) for body in bodies]
        files.append(_file(numbered, catalog, 2 + len(bodies) if info is not None else None))
    return files


class Split(Exception):
    """Not an error: how the finisher hands a batch's files back instead of writing it."""

    def __init__(self, files: list[bytes]):
        self.files = files


def split_instead_of_writing(document, pdf: pydyf.PDF) -> None:
    """A WeasyPrint finisher: the batch's pages as files, raised (see Split)."""
    raise Split(split(pdf))

"""Statement of attendance PDFs, with the certificates' WeasyPrint setup (attendance.pdf):
the same typeface, QR codes and verification address.

One A4 page for a typical statement (up to about 85 sessions, in two columns); a longer
one runs on to further pages at the same size of type, each with the code at its foot.
"""

import io
import zipfile
from collections.abc import Iterator

from django.template.loader import render_to_string
from django.utils.text import slugify

from attendance.models import Statement
from attendance.pdf import ZIP_TIMESTAMP, _data_uri, _pdf, _qr_png, typographic, verify_url


def _context(statement: Statement) -> dict:
    url = verify_url(statement)  # /verify/<code>/, as for certificates
    counted, required = statement.sessions_counted, statement.sessions_required
    return {
        "statement": statement,
        "scheme": typographic(statement.scheme.name).upper(),
        "holder": typographic(statement.holder_name),
        "registration_number": statement.person.registration_number,
        "rows": [
            {"day": row.day, "group": typographic(row.group), "guest": row.guest}
            for row in statement.rows
        ],
        "met": counted >= required,
        "counted": counted,
        "required": required,
        # Completed assessments print their own section; none prints nothing. A statement
        # made without them (as some tests do) has none.
        "assessments": [
            {
                "day": row.day,
                "form": typographic(row.form),
                "group": typographic(row.group),
                "assessor": typographic(row.assessor),
            }
            for row in getattr(statement, "assessment_rows", [])
        ],
        "assessed": statement.assessments_completed,
        "verify_url": url,
        "qr": _data_uri(_qr_png(url)),
    }


def filename(statement: Statement) -> str:
    return f"statement-{slugify(statement.holder_name) or 'trainee'}-{statement.code}.pdf"


def render_statement(statement: Statement) -> bytes:
    """The PDF of a statement as statement_services issued it (with its `rows`)."""
    return _pdf(render_to_string("attendance/statement_pdf.html", _context(statement)))


def render_statements(statements: list[Statement]) -> Iterator[tuple[Statement, bytes]]:
    """(statement, PDF) for each, one document at a time: a statement may run to more
    than one page, so they are not laid out as one document and split as certificates are."""
    for statement in statements:
        yield statement, render_statement(statement)


class _Pipe(io.RawIOBase):
    """A write-only stream whose bytes are taken out as they come: zipfile writes a ZIP
    to it (with data descriptors, as it cannot seek back) and the response sends each
    file's bytes as soon as it is written."""

    def __init__(self):
        self.written: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.written.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        data = b"".join(self.written)
        self.written.clear()
        return data


def statements_zip(statements: list[Statement]) -> Iterator[bytes]:
    """A ZIP of the statements' PDFs, in pieces as each is rendered: a few hundred
    statements are sent as they are made, never held in memory together."""
    pipe = _Pipe()
    with zipfile.ZipFile(pipe, "w", zipfile.ZIP_STORED) as archive:
        for statement, body in render_statements(statements):
            # WeasyPrint's PDFs are compressed already: deflating again buys nothing.
            archive.writestr(zipfile.ZipInfo(filename(statement), date_time=ZIP_TIMESTAMP), body)
            yield pipe.take()
    yield pipe.take()  # the archive's directory, written as it closed

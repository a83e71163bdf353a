"""Statement of attendance PDFs, with the certificates' WeasyPrint setup (attendance.pdf):
the same typeface, QR codes and verification address.

One A4 page for a typical statement (up to about 85 sessions, in two columns); a longer
one runs on to further pages at the same size of type, each with the code at its foot.
"""

from collections.abc import Iterator

from django.template.loader import render_to_string
from django.utils.text import slugify

from attendance.models import Statement
from attendance.pdf import _data_uri, _pdf, _qr_png, typographic, verify_url


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

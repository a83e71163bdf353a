"""The signed-in leader's own record of sessions led and co-led, as CSV or PDF, for their
accreditation. Only ever their own (no one else's is reachable here); someone who has led
nothing gets an empty record: the CSV's headers, a PDF saying so."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.template.loader import render_to_string
from django.utils import timezone

from attendance import exports, leader_record_selectors, pdf
from groups.models import User


class LeaderRecordExporter(exports.Exporter):
    headers = ["Date", "Scheme", "Group", "Role", "Members present"]

    def __init__(self, person: User):
        self.person = person
        self.name = f"{person.full_name} leading record"

    def rows(self):
        sessions = leader_record_selectors.led_sessions(self.person)
        for row in sessions.iterator(chunk_size=exports.CHUNK_ROWS):
            yield [row.day.isoformat(), row.scheme, row.group, row.led_as, row.present]


def _csv_response(exporter: LeaderRecordExporter) -> HttpResponse:
    # Through the exporters' writer: every cell made inert before a spreadsheet reads it.
    response = StreamingHttpResponse(exports.csv_chunks(exporter))
    response["Content-Type"] = "text/csv; charset=utf-8"
    return response


def _pdf_response(exporter: LeaderRecordExporter) -> HttpResponse:
    record = leader_record_selectors.leader_record(exporter.person)
    html = render_to_string(
        "attendance/leader_record_pdf.html",
        {"record": record, "generated_on": timezone.localdate()},
    )
    return HttpResponse(pdf._pdf(html), content_type="application/pdf")


FORMATS = {"csv": _csv_response, "pdf": _pdf_response}


@login_required
def leading_record(request, fmt):
    """The signed-in person's sessions led and co-led, in every scheme, newest first."""
    if fmt not in FORMATS:
        raise Http404
    exporter = LeaderRecordExporter(request.user)
    response = FORMATS[fmt](exporter)
    # The asker's own data: nothing for the access log (tests/balint/test_access_log.py).
    response["Content-Disposition"] = f'attachment; filename="{exporter.filename(fmt)}"'
    return response

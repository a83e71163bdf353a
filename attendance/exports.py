"""Exporters: small classes that yield rows, rendered to CSV or XLSX by one function each.

Cells a spreadsheet would run as a formula are made inert: in CSV a cell that starts
with a formula trigger (= + - @ | %, or a tab or carriage return, also after leading
spaces) gets a leading apostrophe and its | escaped (as defusedcsv does), and XLSX cells
are written as plain strings, never formulas. XLSX cannot hold control characters
(openpyxl refuses them), so they are left out of its cells.

CSV streams in pieces of rows: a 5,000-row overview starts downloading at once and is
never held whole in memory.
"""

import csv
import io
import re
from collections.abc import Iterable, Iterator
from zoneinfo import ZoneInfo

from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.text import slugify

from attendance import progress, selectors
from attendance.assessments.selectors import required_per_year
from attendance.models import Attendance, Requirement
from groups.models import BalintGroup, Scheme
from sessions.models import Session

CHUNK_ROWS = 500  # rows per database fetch and per piece of a streamed CSV


class Exporter:
    name = "export"
    headers: list[str] = []

    def rows(self) -> Iterator[list]:
        raise NotImplementedError

    def filename(self, extension: str) -> str:
        return f"{slugify(self.name)[:80] or 'export'}-{timezone.localdate():%Y-%m-%d}.{extension}"


class SchemeOverviewExporter(Exporter):
    headers = [
        "Name",
        "Email",
        "Registration",
        "Sessions counted",
        "Required",
        "Attendance rate",
        "Last attended",
        "Status",
        "Status reason",
        "Group",
        "Track",
        "Assessments this training year",
        "Assessments required a year",
    ]

    def __init__(self, scheme: Scheme, **filters):
        self.scheme = scheme
        self.filters = filters
        self.name = f"{scheme.name} overview"

    def rows(self):
        # Plain values, not model instances, and the local date made by the database:
        # 5,000 rows in a national scheme.
        zone = ZoneInfo(self.scheme.time_zone)
        columns = ["pk", "full_name", "email", "registration_number", "counted", "rate"]
        overview = (
            progress.scheme_overview(self.scheme, **self.filters)
            .annotate(last_day=TruncDate("last_attended", tzinfo=zone))
            .values_list(*columns, "last_day", "status", "status_reason", "assessments_done")
            .iterator(chunk_size=CHUNK_ROWS)
        )
        required = Requirement.for_scheme(self.scheme).sessions_required
        assessments_required = required_per_year(self.scheme)
        # The groups of every trainee of the scheme in one more query, not one per trainee.
        groups = progress.trainee_groups(self.scheme)
        for pk, name, email, registration, counted, rate, *rest in overview:
            last_day, status, reason, assessments = rest
            group, track = groups.get(pk, ("", ""))
            yield [
                name,
                email,
                registration,
                counted,
                required,
                round(rate * 100) if rate is not None else "",
                last_day.isoformat() if last_day else "",
                progress.STATUS_LABELS[status],
                reason,
                group,
                track,
                "" if assessments_required is None else assessments,
                "" if assessments_required is None else assessments_required,
            ]


class GroupRegisterExporter(Exporter):
    """Sessions down, members across: each cell the member's status at that session."""

    def __init__(self, group: BalintGroup):
        self.group = group
        self.name = f"{group.name} register"

    @cached_property
    def people(self) -> list:
        people = {m.person_id: m.person for m in self.group.memberships.select_related("person")}
        return sorted(people.values(), key=lambda p: p.full_name)

    @property
    def headers(self) -> list[str]:
        return ["Date", "Status", "Presenter"] + [p.full_name for p in self.people]

    def rows(self):
        # Plain values, not model instances: ten years of weekly sessions is 5,000 cells.
        labels = dict(Attendance.Status.choices)
        statuses = {
            (session_id, person_id): labels[status]
            for session_id, person_id, status in Attendance.objects.filter(
                session__group=self.group
            ).values_list("session_id", "person_id", "status")
        }
        session_labels = dict(Session.Status.choices)
        sessions = self.group.sessions.order_by("starts_at").values_list(
            "pk", "slot_date", "status", "presenter__full_name"
        )
        for pk, slot_date, status, presenter in sessions:
            yield [slot_date.isoformat(), session_labels[status], presenter or ""] + [
                statuses.get((pk, p.pk), "") for p in self.people
            ]


class LeaderLogExporter(Exporter):
    headers = ["Leader", "Registration", "Date", "Group", "Role"]

    def __init__(self, scheme: Scheme, person=None):
        self.scheme, self.person = scheme, person
        self.name = f"{scheme.name} leading log"

    def rows(self):
        for record in selectors.leading_log(self.scheme, self.person).iterator():
            yield [
                record.person.full_name,
                record.person.registration_number,
                record.session.slot_date.isoformat(),
                record.session.group.name,
                record.get_role_display(),
            ]


# What makes a spreadsheet read a cell as a formula. defusedcsv covers = + - @ | % but not
# a cell starting with a tab or carriage return, nor one where spaces come first.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "|", "%", "\t", "\r", "\n")
_TRIGGER_FIRST = frozenset("".join(FORMULA_TRIGGERS))
_NUMBER = re.compile(r"-?[0-9,.]+")
# What XML 1.0 (and so XLSX) cannot hold: control characters other than tab, line feed
# and carriage return (openpyxl's ILLEGAL_CHARACTERS_RE), surrogates, U+FFFE and U+FFFF.
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def inert(value):
    """A CSV cell no spreadsheet runs as a formula: an apostrophe before any trigger."""
    if not isinstance(value, str) or not value:
        return value
    if value[0] not in _TRIGGER_FIRST and not value[0].isspace():
        return value  # most cells: one look at the first character
    if _NUMBER.fullmatch(value):
        return value  # "-3" is a number, not a formula
    if value.startswith(FORMULA_TRIGGERS) or value.lstrip().startswith(FORMULA_TRIGGERS):
        return "'" + value.replace("|", "\\|")  # the | escaped too, as defusedcsv does
    return value


def xml_safe(value):
    """A string XLSX can hold: the characters it cannot are left out."""
    if isinstance(value, str):
        return _NOT_IN_XML.sub("", value)
    return value


def csv_chunks(exporter: Exporter) -> Iterator[bytes]:
    """The CSV in pieces of CHUNK_ROWS rows, for a streamed response."""
    buffer = io.StringIO()
    buffer.write("\ufeff")  # the BOM makes Excel read UTF-8
    writer = csv.writer(buffer)
    for number, row in enumerate(_with_headers(exporter)):
        writer.writerow([inert(value) for value in row])
        if number % CHUNK_ROWS == CHUNK_ROWS - 1:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode("utf-8")


def to_csv(exporter: Exporter) -> bytes:
    return b"".join(csv_chunks(exporter))


def to_xlsx(exporter: Exporter) -> bytes:
    # Imported here, as few processes write a workbook: openpyxl adds 0.2 s to every start.
    from openpyxl import Workbook
    from openpyxl.cell.cell import TYPE_STRING

    workbook = Workbook(write_only=False)
    sheet = workbook.active
    # A sheet title may not hold \ / ? * [ ] : (openpyxl refuses them) nor exceed 31 characters.
    title = re.sub(r"[\\/?*\[\]:]", "-", xml_safe(exporter.name))[:31].strip()
    sheet.title = title or "Export"
    for row in _with_headers(exporter):
        sheet.append([xml_safe(value) for value in row])
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = TYPE_STRING  # never a formula, whatever it starts with
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _with_headers(exporter: Exporter) -> Iterable[list]:
    yield exporter.headers
    yield from exporter.rows()

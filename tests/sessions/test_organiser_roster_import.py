"""An organiser's scheme-wide roster (CSV or XLSX): read, previewed, then applied as previewed."""

import io
import zipfile
from datetime import date, datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from openpyxl import Workbook

from balint.imports import ImportFailed
from sessions.models import OnCallShift, RosterSource, RosterUpload
from sessions.rosters import files as rosters
from sessions.rosters import selectors, services
from tests import factories
from tests.factories.rosters import (
    OnCallShiftFactory,
    RosterSourceFactory,
    SchemeRosterFactory,
    csv_file,
    dublin,
    utc,
)
from tests.factories.sessions import NOW

HEADER = "email,registration_number,start,end,shift_type"


pytestmark = pytest.mark.usefixtures("frozen_now")


@pytest.fixture
def aoife(group):
    person = factories.UserFactory(email="aoife@example.org", registration_number="IMC 400123")
    factories.MembershipFactory(group=group, person=person)
    return person


@pytest.fixture
def cian(group):
    person = factories.UserFactory(email="cian@example.org", registration_number="IMC 400124")
    factories.MembershipFactory(group=group, person=person)
    return person


def xlsx(rows: list[list], formats: dict[int, str] | None = None) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    for column, number_format in (formats or {}).items():
        for cells in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
            for cell in cells:
                cell.number_format = number_format
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def preview(organiser, scheme, raw, filename="rota.csv", **kwargs) -> RosterUpload:
    return services.roster_upload_preview(
        actor=organiser, scheme=scheme, raw=raw, filename=filename, **kwargs
    )


def apply(organiser, upload):
    digest = selectors.rows_digest(selectors.organiser_rows(upload))
    return services.roster_upload_apply(actor=organiser, upload=upload, digest=digest)


def problems_of(organiser, scheme, raw, filename="rota.csv"):
    with pytest.raises(ImportFailed) as refused:
        preview(organiser, scheme, raw, filename)
    assert not RosterUpload.objects.exists()
    assert not OnCallShift.objects.exists()
    return [(p.line, p.field, p.message) for p in refused.value.problems]


# --- Reading ---------------------------------------------------------------------------------


def test_people_by_email_or_registration_number(organiser, scheme, aoife, cian):
    raw = csv_file(
        "Aoife@Example.org,,2026-03-28 20:00,2026-03-29 09:00,Night",
        ",imc400124,2026-04-04,2026-04-05,Weekend",
        "aoife@example.org,IMC 400123,2026-04-10 08:00,2026-04-10 20:00,",
        header=HEADER,
    )

    rows = selectors.organiser_rows(preview(organiser, scheme, raw))

    assert [
        (r.person_id, r.starts_at, r.ends_at, r.all_day, r.shift_type, r.line) for r in rows
    ] == [
        (aoife.pk, utc(2026, 3, 28, 20), utc(2026, 3, 29, 8), False, "Night", 2),
        (cian.pk, dublin(2026, 4, 4), dublin(2026, 4, 6), True, "Weekend", 3),
        (aoife.pk, dublin(2026, 4, 10, 8), dublin(2026, 4, 10, 20), False, "", 4),
    ]


def test_an_excel_export(organiser, scheme, aoife, cian):
    raw = xlsx(
        [
            ["Email", "Start", "End", "Shift type"],
            ["aoife@example.org", datetime(2026, 3, 28, 20), datetime(2026, 3, 29, 9), "Night"],
            ["cian@example.org", datetime(2026, 4, 4), datetime(2026, 4, 5), "Weekend"],
            [None, None, None, None],
            ["cian@example.org", "2026-04-10 08:00", "2026-04-10 20:00", None],
        ],
        formats={2: "yyyy-mm-dd hh:mm", 3: "yyyy-mm-dd hh:mm"},
    )
    # The weekend row is formatted as plain dates: a whole-day shift.
    book_rows = selectors.organiser_rows(preview(organiser, scheme, raw, "rota.xlsx"))
    assert [(r.person_id, r.starts_at, r.ends_at, r.all_day) for r in book_rows] == [
        (aoife.pk, utc(2026, 3, 28, 20), utc(2026, 3, 29, 8), False),
        (cian.pk, dublin(2026, 4, 4), dublin(2026, 4, 5), False),
        (cian.pk, dublin(2026, 4, 10, 8), dublin(2026, 4, 10, 20), False),
    ]


def test_excel_date_cells_are_whole_days(organiser, scheme, cian):
    raw = xlsx(
        [
            ["registration_number", "start", "end"],
            ["IMC 400124", date(2026, 4, 4), date(2026, 4, 5)],
        ],
        formats={2: "yyyy-mm-dd", 3: "yyyy-mm-dd"},
    )
    (row,) = selectors.organiser_rows(preview(organiser, scheme, raw, "rota.xlsx"))
    assert (row.starts_at, row.ends_at, row.all_day) == (
        dublin(2026, 4, 4),
        dublin(2026, 4, 6),
        True,
    )


def test_unknown_and_ambiguous_people_are_named_by_line_and_field(
    organiser, scheme, group, aoife, cian
):
    outsider = factories.MembershipFactory(person__email="out@example.org").person  # other scheme
    twin = factories.UserFactory(email="twin@example.org", registration_number="imc 400124")
    factories.MembershipFactory(group=group, person=twin)
    raw = csv_file(
        "nobody@example.org,,2026-03-10 08:00,2026-03-10 20:00,",
        f"{outsider.email},,2026-03-10 08:00,2026-03-10 20:00,",
        ",IMC 999999,2026-03-10 08:00,2026-03-10 20:00,",
        ",IMC 400124,2026-03-10 08:00,2026-03-10 20:00,",
        "aoife@example.org,IMC 400123,2026-03-10 08:00,2026-03-10 20:00,",
        "aoife@example.org,IMC 400124,2026-03-10 08:00,2026-03-10 20:00,",
        ",,2026-03-10 08:00,2026-03-10 20:00,",
        header=HEADER,
    )

    found = problems_of(organiser, scheme, raw)

    assert found == [
        (2, "email", "No one in this scheme has the email address 'nobody@example.org'."),
        (3, "email", "No one in this scheme has the email address 'out@example.org'."),
        (4, "registration_number", "No one in this scheme has registration 'IMC 999999'."),
        (
            5,
            "registration_number",
            "Several people share registration 'IMC 400124'; give their email instead.",
        ),
        (7, "registration_number", "The email and registration number are of different people."),
        (8, "email", "Give the person's email or registration number."),
    ]


@pytest.mark.parametrize(
    ("raw", "filename", "expected"),
    [
        (b"", "rota.csv", [(None, None, "The file is empty.")]),
        (b"name,start,end\nA,2026-03-10,2026-03-10\n", "rota.csv", "Missing column(s): email or"),
        (
            csv_file(header=HEADER),
            "rota.csv",
            [(None, None, "The file has no shifts, only a header line.")],
        ),
        (
            csv_file("aoife@example.org,,2026-03-10 20:00,2026-03-10 08:00,", header=HEADER),
            "rota.csv",
            [(2, "end", "The shift ends before it starts.")],
        ),
        (
            csv_file("aoife@example.org,,31/02/2026 08:00,2026-03-10 20:00,", header=HEADER),
            "rota.csv",
            "is not a date or time",
        ),
        (b"PK\x03\x04 definitely not a workbook", "rota.xlsx", "not a readable Excel"),
        (b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "rota.ics", "This is an iCalendar file"),
        (b"a" * (rosters.MAX_ORGANISER_BYTES + 1), "rota.csv", "larger than 10 MB"),
    ],
)
def test_bad_scheme_files_are_refused_whole(organiser, scheme, aoife, raw, filename, expected):
    found = problems_of(organiser, scheme, raw, filename)
    if isinstance(expected, str):
        assert expected in found[0][2]
    else:
        assert found == expected


# --- Preview, then apply exactly what was previewed -------------------------------------------


def test_a_preview_saves_no_shifts(organiser, scheme, aoife):
    raw = csv_file("aoife@example.org,,2026-03-10 08:00,2026-03-10 20:00,", header=HEADER)

    upload = preview(organiser, scheme, raw)

    assert bytes(upload.content) == raw
    assert upload.applied_at is None
    assert not OnCallShift.objects.exists()
    assert not RosterSource.objects.exists()


def test_applying_saves_the_previewed_shifts_as_a_scheme_roster(organiser, scheme, aoife, cian):
    raw = csv_file(
        "aoife@example.org,,2026-03-10 08:00,2026-03-10 20:00,Day",
        "cian@example.org,,2026-03-11 08:00,2026-03-11 20:00,Day",
        header=HEADER,
    )
    upload = preview(organiser, scheme, raw)

    result = apply(organiser, upload)

    source = result.source
    assert (source.kind, source.scheme, source.person, source.name) == (
        RosterSource.Kind.ORGANISER_UPLOAD,
        scheme,
        None,
        "rota.csv",
    )
    assert sorted(OnCallShift.objects.values_list("person_id", "source_id")) == sorted(
        [(aoife.pk, source.pk), (cian.pk, source.pk)]
    )
    upload.refresh_from_db()
    assert upload.applied_at is not None
    assert upload.source == source


def test_an_upload_is_applied_once(organiser, scheme, aoife):
    upload = preview(
        organiser,
        scheme,
        csv_file("aoife@example.org,,2026-03-10 08:00,2026-03-10 20:00,", header=HEADER),
    )
    apply(organiser, upload)
    with pytest.raises(ValidationError, match="already been applied"):
        apply(organiser, upload)
    assert OnCallShift.objects.count() == 1


def test_a_file_that_reads_differently_since_its_preview_is_not_applied(
    organiser, scheme, aoife, cian
):
    raw = csv_file(",IMC 400123,2026-03-10 08:00,2026-03-10 20:00,", header=HEADER)
    upload = preview(organiser, scheme, raw)
    digest = selectors.rows_digest(selectors.organiser_rows(upload))
    # The registration number was a typo, now corrected: the file names someone else.
    aoife.registration_number, cian.registration_number = "IMC 400124", "IMC 400123"
    aoife.save()
    cian.save()

    with pytest.raises(ValidationError, match="reads differently"):
        services.roster_upload_apply(actor=organiser, upload=upload, digest=digest)
    cian.registration_number = ""
    cian.save()
    with pytest.raises(ImportFailed, match="IMC 400123"):
        services.roster_upload_apply(actor=organiser, upload=upload, digest=digest)
    assert not OnCallShift.objects.exists()


def test_replacing_a_scheme_roster_leaves_other_rosters_alone(organiser, scheme, aoife, cian):
    first = apply(
        organiser,
        preview(
            organiser,
            scheme,
            csv_file(
                "aoife@example.org,,2026-03-10 08:00,2026-03-10 20:00,Old",
                "cian@example.org,,2026-03-10 08:00,2026-03-10 20:00,Old",
                header=HEADER,
            ),
        ),
    ).source
    other = SchemeRosterFactory(scheme=scheme)
    OnCallShiftFactory(source=other, person=aoife, shift_type="Other roster")
    own = RosterSourceFactory(person=aoife)
    OnCallShiftFactory(source=own, shift_type="Her own")

    again = preview(
        organiser,
        scheme,
        csv_file("aoife@example.org,,2026-03-12 08:00,2026-03-12 20:00,New", header=HEADER),
        replace=first,
    )
    apply(organiser, again)

    assert sorted(OnCallShift.objects.values_list("shift_type", flat=True)) == [
        "Her own",
        "New",
        "Other roster",
    ]
    assert first.shifts.get().person == aoife


def test_only_the_schemes_organisers_upload(
    scheme, organiser, leader, other_scheme_organiser, aoife
):
    raw = csv_file("aoife@example.org,,2026-03-10 08:00,2026-03-10 20:00,", header=HEADER)
    for person in (leader, aoife, other_scheme_organiser):
        with pytest.raises(PermissionDenied):
            preview(person, scheme, raw)
    upload = preview(organiser, scheme, raw)
    with pytest.raises(PermissionDenied):
        apply(other_scheme_organiser, upload)
    assert not OnCallShift.objects.exists()


def test_another_schemes_roster_cannot_be_replaced(scheme, organiser, aoife):
    elsewhere = SchemeRosterFactory()
    raw = csv_file("aoife@example.org,,2026-03-10 08:00,2026-03-10 20:00,", header=HEADER)
    with pytest.raises(PermissionDenied):
        preview(organiser, scheme, raw, replace=elsewhere)


def test_kept_files_are_purged_after_a_week(organiser, scheme, aoife):
    upload = preview(
        organiser,
        scheme,
        csv_file("aoife@example.org,,2026-03-10 08:00,2026-03-10 20:00,", header=HEADER),
    )
    assert services.roster_uploads_purge(now=NOW) == 0
    RosterUpload.objects.filter(pk=upload.pk).update(
        created_at=datetime(2026, 2, 1, tzinfo=NOW.tzinfo)
    )
    assert services.roster_uploads_purge(now=NOW) == 1


# --- Hostile and broken scheme files ----------------------------------------------------------


def test_a_workbook_that_would_unpack_to_too_much_is_refused_unopened(organiser, scheme, aoife):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"<" * (rosters.MAX_XLSX_UNPACKED_BYTES + 1))
    raw = buffer.getvalue()
    assert len(raw) < 100_000

    ((_line, _field, message),) = problems_of(organiser, scheme, raw, "rota.xlsx")

    assert "would unpack to more than a roster can be" in message


def test_rows_too_far_in_the_future_or_past_are_named(organiser, scheme, aoife):
    raw = csv_file(
        "aoife@example.org,,9999-12-31,9999-12-31,",
        "aoife@example.org,,0001-01-01 08:00,0001-01-01 20:00,",
        header=HEADER,
    )
    assert problems_of(organiser, scheme, raw) == [
        (2, "start", "The year 9999 cannot be right for a shift."),
        (3, "start", "The year 1 cannot be right for a shift."),
    ]


def test_a_long_cell_is_cut_short_where_it_is_quoted(organiser, scheme, aoife):
    raw = csv_file(f"{'a' * 50_000}@example.org,,2026-03-10 08:00,2026-03-10 20:00,", header=HEADER)
    ((line, field, message),) = problems_of(organiser, scheme, raw)
    assert (line, field) == (2, "email")
    assert len(message) < 200


def test_a_roster_with_no_shift_in_the_span_kept_imports_nothing(organiser, scheme, aoife):
    raw = csv_file("aoife@example.org,,2024-03-10 08:00,2024-03-10 20:00,", header=HEADER)
    ((_line, _field, message),) = problems_of(organiser, scheme, raw)
    assert message.startswith("Nothing was imported: none of the shifts in the file falls")

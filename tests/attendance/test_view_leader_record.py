"""`/leading/record.csv` and `/leading/record.pdf`: the signed-in leader's own record of
sessions led and co-led, in every scheme, for their accreditation."""

import csv
import io
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from tests import factories
from tests.access import assert_sign_in_first
from tests.factories.attendance import attend, held_sessions, past_wednesdays
from tests.factories.certificates import require_weasyprint

CSV = "/leading/record.csv"
PDF = "/leading/record.pdf"
HEADERS = ["Date", "Scheme", "Group", "Role", "Members present"]
FORMULA = '=HYPERLINK("https://evil.example/","Click me")'

pytestmark = pytest.mark.usefixtures("frozen_now")


def read_csv(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(response.getvalue().decode("utf-8-sig"))))


def pdf_text(response) -> str:
    """All pages' text, with line breaks and runs of spaces made single spaces."""
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


@pytest.fixture
def sessions(group, leader, co_leader, trainee):
    """Four Wednesdays of February 2026; the leader missed the third (absent)."""
    group.name = "Wicklow"
    group.save(update_fields=["name"])
    sessions = held_sessions(group, past_wednesdays(4))
    attend(leader, sessions, ["present", "late", "absent", "present"], role="leader")
    # The co-leader was there each time, yet is no member: never in the count.
    attend(co_leader, sessions, ["present"] * 4, role="co_leader")
    member = factories.MembershipFactory(group=group).person
    attend(trainee, sessions, ["present"] * 4)
    attend(member, sessions, ["late", "absent", "present", "apologies"])
    guest = factories.UserFactory()
    attend(guest, sessions[:2], ["present", "apologies"], role="guest")
    return sessions


@pytest.fixture
def co_led(leader):
    """In another scheme the leader co-led a Thursday session with one member there."""
    group = factories.GroupFactory(scheme__name="Cork Scheme", name="Zeta")
    factories.MembershipFactory(group=group, person=leader, role="co_leader")
    [session] = held_sessions(group, [date(2026, 2, 19)])
    attend(leader, [session], ["present"], role="co_leader")
    attend(factories.UserFactory(), [session], ["present"])
    attend(factories.UserFactory(), [session], ["absent"])
    return session


def test_anonymous_is_sent_to_sign_in(client, db):
    for address in (CSV, PDF):
        assert_sign_in_first(client, address)


def test_an_unknown_format_is_not_found(client, leader):
    client.force_login(leader)

    assert client.get("/leading/record.xlsx").status_code == 404


def test_the_csv_lists_the_sessions_led_and_co_led_newest_first(
    client, scheme, leader, sessions, co_led
):
    client.force_login(leader)

    rows = read_csv(client.get(CSV))

    # Members present: members and guests present or late; not the leaders, not absent
    # or apologies. The third Wednesday, which the leader missed, is not theirs.
    assert rows == [
        HEADERS,
        ["2026-02-25", scheme.name, "Wicklow", "Led", "1"],
        ["2026-02-19", "Cork Scheme", "Zeta", "Co-led", "1"],
        ["2026-02-11", scheme.name, "Wicklow", "Led", "1"],
        ["2026-02-04", scheme.name, "Wicklow", "Led", "3"],
    ]


def test_sessions_not_held_are_left_out(client, group, leader):
    # Marked present, yet one session is still scheduled and the other was cancelled.
    scheduled, cancelled = held_sessions(group, past_wednesdays(2), status="scheduled")
    cancelled.status, cancelled.cancel_reason = "cancelled", "Snow"
    cancelled.save()
    attend(leader, [scheduled, cancelled], ["present", "present"], role="leader")
    [held] = held_sessions(group, [date(2026, 1, 28)])
    attend(leader, [held], ["present"], role="leader")
    client.force_login(leader)

    assert read_csv(client.get(CSV))[1:] == [
        ["2026-01-28", group.scheme.name, group.name, "Led", "0"]
    ]


def test_other_leaders_sessions_are_left_out(
    client, other_group, other_group_leader, co_leader, leader, sessions
):
    attend(
        other_group_leader,
        held_sessions(other_group, past_wednesdays(2)),
        ["present"] * 2,
        "leader",
    )
    client.force_login(co_leader)

    rows = read_csv(client.get(CSV))

    # The co-leader's own four, none of the leader's, none of the other group's.
    assert [row[0] for row in rows[1:]] == ["2026-02-25", "2026-02-18", "2026-02-11", "2026-02-04"]
    assert {row[3] for row in rows[1:]} == {"Co-led"}


def test_someone_who_never_led_gets_the_headers_alone(client, trainee, sessions):
    client.force_login(trainee)

    assert read_csv(client.get(CSV)) == [HEADERS]


def test_the_csv_keeps_a_formula_group_inert(client, group, leader, sessions):
    group.name = FORMULA
    group.save(update_fields=["name"])
    client.force_login(leader)

    rows = read_csv(client.get(CSV))

    assert {row[2] for row in rows[1:]} == {"'" + FORMULA}
    assert not any(cell.startswith("=") for row in rows for cell in row)


def test_the_csv_is_a_download_named_for_the_leader(client, leader, sessions):
    leader.full_name = "Máire O'Leary"
    leader.save(update_fields=["full_name"])
    client.force_login(leader)

    response = client.get(CSV)

    expected = 'attachment; filename="maire-oleary-leading-record-2026-03-02.csv"'
    assert response["Content-Disposition"] == expected


def lead(leader, count: int, last: date, prefix: str) -> None:
    """`count` more sessions led, in a new group of a new scheme, each with a member."""
    group = factories.GroupFactory(name=f"{prefix} group")
    factories.LeaderFactory(group=group, person=leader)
    sessions = held_sessions(group, past_wednesdays(count, last))
    attend(leader, sessions, ["present"] * count, role="leader")
    attend(factories.UserFactory(), sessions, ["present"] * count)


@pytest.mark.parametrize("address", [CSV, PDF])
def test_a_fixed_number_of_queries(client, leader, address):
    if address == PDF:
        require_weasyprint()
    client.force_login(leader)

    lead(leader, 1, date(2026, 2, 25), "small")
    with CaptureQueriesContext(connection) as few:
        assert client.get(address).getvalue()

    for n in range(4):
        lead(leader, 5, date(2026, 2, 18), f"large {n}")
    with CaptureQueriesContext(connection) as many:
        response = client.get(address)
        if address == CSV:
            assert len(read_csv(response)) == 1 + 21
        else:
            assert "All groups 21 0 21" in pdf_text(response)
    assert len(many) == len(few)


# --- The PDF ---------------------------------------------------------------------------


@pytest.fixture
def weasyprint():
    require_weasyprint()  # WeasyPrint needs Pango and its friends


@pytest.mark.usefixtures("weasyprint")
def test_the_pdf_names_the_leader_and_lists_the_sessions_and_totals(
    client, scheme, leader, sessions, co_led
):
    leader.full_name, leader.registration_number = "Dr Máire Leader", "IMC 424242"
    leader.save(update_fields=["full_name", "registration_number"])
    client.force_login(leader)

    response = client.get(PDF)

    text = pdf_text(response)
    expected = 'attachment; filename="dr-maire-leader-leading-record-2026-03-02.pdf"'
    assert response["Content-Disposition"] == expected
    assert "Dr Máire Leader · Registration number IMC 424242" in text
    # Totals per group (by scheme, then group) and overall: led, co-led, total.
    assert "Cork Scheme Zeta 0 1 1" in text
    assert f"{scheme.name} Wicklow 3 0 3" in text
    assert "All groups 3 1 4" in text
    # The sessions, newest first, with the members present.
    assert (
        f"25 Feb 2026 {scheme.name} Wicklow Led 1 19 Feb 2026 Cork Scheme Zeta Co-led 1 "
        f"11 Feb 2026 {scheme.name} Wicklow Led 1 4 Feb 2026 {scheme.name} Wicklow Led 3"
    ) in text
    assert "18 Feb 2026" not in text  # the leader was absent
    assert "Generated on 2 March 2026 by Balint" in text


@pytest.mark.usefixtures("weasyprint")
def test_the_pdf_is_a4_portrait_in_the_certificates_typeface(client, leader, sessions):
    client.force_login(leader)

    reader = PdfReader(io.BytesIO(client.get(PDF).content))

    page = reader.pages[0]
    assert (round(page.mediabox.width), round(page.mediabox.height)) == (595, 842)
    fonts = {font.get_object()["/BaseFont"] for font in page["/Resources"]["/Font"].values()}
    assert fonts and all("Spectral" in name for name in fonts), fonts


@pytest.mark.usefixtures("weasyprint")
def test_a_long_record_runs_on_over_more_pages(client, leader):
    lead(leader, 60, date(2026, 2, 25), "weekly")
    client.force_login(leader)

    reader = PdfReader(io.BytesIO(client.get(PDF).content))

    assert len(reader.pages) > 1
    last = " ".join(reader.pages[-1].extract_text().split())
    assert "Generated on 2 March 2026 by Balint" in last
    assert f"Page {len(reader.pages)} of {len(reader.pages)}" in last


@pytest.mark.usefixtures("weasyprint")
def test_someone_who_never_led_gets_a_pdf_saying_so(client, trainee, sessions):
    trainee.full_name = "Dr Seán Trainee"
    trainee.save(update_fields=["full_name"])
    client.force_login(trainee)

    text = pdf_text(client.get(PDF))

    assert "Dr Seán Trainee" in text
    assert "No sessions led or co-led are recorded." in text
    assert "Wicklow" not in text


# --- The link ---------------------------------------------------------------------------


def test_the_leading_log_links_to_the_downloads(client, leader, sessions):
    client.force_login(leader)

    content = client.get("/leading/").content.decode()

    assert f'href="{CSV}"' in content and f'href="{PDF}"' in content


def test_no_links_for_someone_who_never_led(client, trainee):
    client.force_login(trainee)

    content = client.get("/leading/").content.decode()

    assert CSV not in content and PDF not in content

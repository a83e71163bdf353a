"""CSV and XLSX exports: the scheme overview, a group's register and the leading log.

Each file is opened back (csv module, openpyxl) and compared with the page it exports.
"""

import csv
import io
import re
from datetime import date, datetime
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from attendance import exports
from attendance.selectors import register_lines
from tests import factories
from tests.access import GROUP_LEADERS_AND_ORGANISERS, ORGANISERS_ONLY, access, assert_sign_in_first
from tests.factories.attendance import attend, held_sessions, past_wednesdays
from tests.factories.sessions import SessionFactory

FORMULA = '=HYPERLINK("https://evil.example/","Click me")'
SAFE_DISPOSITION = re.compile(r'attachment; filename="[a-z0-9-]+-2026-03-02\.(csv|xlsx)"')


pytestmark = pytest.mark.usefixtures("frozen_now")


def overview_url(scheme, fmt):
    return f"/schemes/{scheme.pk}/overview.{fmt}"


def register_url(group, fmt):
    return f"/groups/{group.pk}/register.{fmt}"


def leading_url(scheme, fmt):
    return f"/schemes/{scheme.pk}/leading.{fmt}"


def read_csv(response) -> list[list[str]]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(response.getvalue().decode("utf-8-sig"))))


def read_xlsx(response):
    """The first sheet's cells, as openpyxl reads them back."""
    workbook = load_workbook(io.BytesIO(response.content))
    return [list(row) for row in workbook.active.iter_rows()]


def xlsx_values(response) -> list[list]:
    return [[cell.value for cell in row] for row in read_xlsx(response)]


class _Table(HTMLParser):
    """The text of each body row's cells in the page's first table."""

    def __init__(self):
        super().__init__()
        self.rows, self.in_body, self.cell = [], False, None

    def handle_starttag(self, tag, attrs):
        if tag == "tbody":
            self.in_body = True
        elif self.in_body and tag == "tr":
            self.rows.append([])
        elif self.in_body and tag == "td":
            self.cell = ""

    def handle_endtag(self, tag):
        if tag == "tbody":
            self.in_body = False
        elif tag == "td" and self.cell is not None:
            self.rows[-1].append(self.cell.strip())
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data


def page_rows(response) -> list[list[str]]:
    parser = _Table()
    parser.feed(response.content.decode())
    return parser.rows


@pytest.fixture
def sessions(group):
    return held_sessions(group, past_wednesdays(4))


@pytest.fixture
def people(group, trainee, sessions):
    """The trainee and three classmates, one of whom has a name a spreadsheet would run."""
    sneaky = factories.MembershipFactory(group=group, person__full_name=FORMULA).person
    steady = factories.MembershipFactory(group=group).person
    newcomer = factories.MembershipFactory(group=group).person
    attend(trainee, sessions, ["present", "late", "absent", "present"])
    attend(sneaky, sessions, ["apologies", "present", "present", "absent"])
    attend(steady, sessions, ["present"] * 4)
    return [trainee, sneaky, steady, newcomer]


# --- Who may export -----------------------------------------------------------------------

LEADERS_OF_THE_SCHEME = access(
    leader=200,
    other_group_leader=200,  # their own log
    organiser=200,
)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize(("role", "status"), ORGANISERS_ONLY)
def test_who_may_export_the_overview(scheme, fmt, status, signed_in):
    assert signed_in.get(overview_url(scheme, fmt)).status_code == status


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize(("role", "status"), GROUP_LEADERS_AND_ORGANISERS)
def test_who_may_export_a_groups_register(group, fmt, status, signed_in):
    assert signed_in.get(register_url(group, fmt)).status_code == status


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize(("role", "status"), LEADERS_OF_THE_SCHEME)
def test_who_may_export_a_leading_log(scheme, fmt, status, signed_in):
    assert signed_in.get(leading_url(scheme, fmt)).status_code == status


def test_anonymous_is_sent_to_sign_in(client, scheme, group):
    for page in (
        overview_url(scheme, "csv"),
        register_url(group, "xlsx"),
        leading_url(scheme, "csv"),
    ):
        assert_sign_in_first(client, page)


def test_an_unknown_format_is_not_found(client, scheme, group, organiser):
    client.force_login(organiser)
    for page in (overview_url(scheme, "pdf"), register_url(group, "exe"), leading_url(scheme, "")):
        assert client.get(page).status_code == 404


# --- The scheme overview ------------------------------------------------------------------


def _page_as_export(row):
    """An overview page row in the export's terms: counted, required, rate, last, status
    and its reason (the page shows the reason under the status)."""
    _, counted, required, rate, last, status = row
    last = "" if last == "—" else datetime.strptime(last, "%d %b %Y").date().isoformat()
    label, _, reason = (line.strip() for line in status.partition("\n"))
    return [counted, required, rate.rstrip("%").replace("—", ""), last, label, reason]


def test_the_overview_csv_matches_the_page(client, scheme, group, organiser, people):
    client.force_login(organiser)

    page = page_rows(client.get(f"/schemes/{scheme.pk}/overview/"))
    exported = read_csv(client.get(overview_url(scheme, "csv")))

    header, *body = exported
    assert header[:4] == ["Name", "Email", "Registration", "Sessions counted"]
    assert [row[3:9] for row in body] == [_page_as_export(row) for row in page]
    assert len(body) == 4
    by_email = {row[1]: row for row in body}
    assert by_email[people[0].email][3:] == [
        *("3", "30", "75", "2026-02-25", "On track", ""),
        *(group.name, "Psychiatry", "", ""),  # no assessment form in use: blank
    ]
    assert by_email[people[1].email][7:9] == ["At risk", "Attended 2 of 4 recorded sessions (50%)"]
    assert by_email[people[3].email][3:] == [
        *("0", "30", "", "", "On track", ""),
        *(group.name, "Psychiatry", "", ""),
    ]


def test_the_overview_xlsx_matches_the_page(client, scheme, organiser, people):
    client.force_login(organiser)

    page = page_rows(client.get(f"/schemes/{scheme.pk}/overview/?sort=count"))
    header, *body = xlsx_values(client.get(overview_url(scheme, "xlsx") + "?sort=count"))

    assert header[3:] == [
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
    as_text = [["" if v is None else str(v) for v in row[3:9]] for row in body]
    assert as_text == [_page_as_export(row) for row in page]
    assert [row[3] for row in body] == [4, 3, 2, 0]  # numbers stay numbers


def test_the_overview_names_each_trainees_group_today_or_their_last(
    client, scheme, group, other_group, organiser, trainee, django_assert_num_queries
):
    group.name, other_group.name = "Wicklow", "Kerry"
    group.save(update_fields=["name"])
    other_group.save(update_fields=["name"])
    factories.MembershipFactory(group=other_group, person=trainee)  # in two groups today
    left = factories.MembershipFactory(
        group=other_group, start_date=date(2025, 9, 1), end_date=date(2026, 1, 31)
    ).person
    joining = factories.MembershipFactory(group=group, start_date=date(2026, 4, 1)).person
    moving = factories.MembershipFactory(
        group=other_group, start_date=date(2025, 9, 1), end_date=date(2026, 1, 31)
    ).person
    factories.MembershipFactory(
        group=group, person=moving, start_date=date(2026, 5, 6), track="general_practice"
    )
    client.force_login(organiser)

    with CaptureQueriesContext(connection) as few:
        body = read_csv(client.get(overview_url(scheme, "csv")))[1:]

    groups = {row[1]: row[9] for row in body}
    assert groups == {
        trainee.email: "Kerry; Wicklow",
        left.email: "Kerry (until 2026-01-31)",
        joining.email: "Wicklow (from 2026-04-01)",
        moving.email: "Wicklow (from 2026-05-06)",  # where they go, not where they were
    }
    tracks = {row[1]: row[10] for row in body}
    assert tracks == {
        trainee.email: "Psychiatry",  # one track named once
        left.email: "Psychiatry",
        joining.email: "Psychiatry",
        moving.email: "General practice",  # the track of the group they join
    }
    # One query for the groups of a fetch, whatever the number of trainees in it.
    factories.MembershipFactory.create_batch(5, group=group)
    with django_assert_num_queries(len(few)):
        assert len(read_csv(client.get(overview_url(scheme, "csv")))) == 10


def test_the_overview_export_keeps_the_filters(client, scheme, other_group, organiser, people):
    other_group.name = "Kerry"
    other_group.save(update_fields=["name"])
    elsewhere = factories.MembershipFactory(group=other_group).person
    client.force_login(organiser)

    body = read_csv(client.get(overview_url(scheme, "csv") + "?group=kerry"))[1:]

    assert [row[1] for row in body] == [elsewhere.email]


def test_last_attended_is_the_schemes_local_date(client, db):
    # 09:00 on Wednesday 25 February in Auckland is still Tuesday evening in Dublin and UTC.
    scheme = factories.SchemeFactory(time_zone="Pacific/Auckland", holiday_country="NZ")
    group = factories.GroupFactory(scheme=scheme)
    person = factories.MembershipFactory(group=group).person
    attend(person, held_sessions(group, past_wednesdays(1)), ["present"])
    client.force_login(factories.OrganiserFactory(scheme=scheme).person)

    [row] = page_rows(client.get(f"/schemes/{scheme.pk}/overview/"))
    [exported] = read_csv(client.get(overview_url(scheme, "csv")))[1:]
    [from_xlsx] = xlsx_values(client.get(overview_url(scheme, "xlsx")))[1:]

    assert row[4] == "25 Feb 2026"
    assert exported[6] == from_xlsx[6] == "2026-02-25"


# --- A group's register -------------------------------------------------------------------


def test_the_register_export_matches_the_registers(client, group, leader, people, sessions):
    SessionFactory(group=group, slot_date=date(2026, 3, 4))  # still to come: no marks
    client.force_login(leader)

    header, *body = read_csv(client.get(register_url(group, "csv")))
    xlsx_header, *xlsx_body = xlsx_values(client.get(register_url(group, "xlsx")))

    assert header[:3] == ["Date", "Status", "Presenter"]
    names = [name.removeprefix("'") for name in header[3:]]  # the CSV defuses the formula
    assert sorted(names) == sorted([leader.full_name] + [p.full_name for p in people])
    assert len(body) == 5
    for session, row in zip(sessions, body[:4], strict=True):
        assert row[:2] == [session.slot_date.isoformat(), "Held"]
        marks = {line.person.full_name: line.recorded for line in register_lines(session)}
        assert row[3:] == [marks[name].capitalize() for name in names]
    assert body[4][:2] == ["2026-03-04", "Scheduled"]
    assert set(body[4][3:]) == {""}
    assert xlsx_header[3:] == names
    assert [["" if v is None else v for v in row[3:]] for row in xlsx_body] == [
        row[3:] for row in body
    ]


# --- Formulas and file names --------------------------------------------------------------


def test_a_name_starting_with_equals_is_inert_in_csv(client, scheme, group, organiser, people):
    client.force_login(organiser)

    overview = read_csv(client.get(overview_url(scheme, "csv")))
    register = read_csv(client.get(register_url(group, "csv")))

    [cell] = [row[0] for row in overview if FORMULA in row[0]]
    assert cell == "'" + FORMULA
    [header] = [name for name in register[0] if FORMULA in name]
    assert header == "'" + FORMULA
    for row in overview + register:
        assert not any(str(value).startswith("=") for value in row)


def test_a_name_starting_with_equals_is_inert_in_xlsx(client, scheme, group, organiser, people):
    client.force_login(organiser)

    overview = read_xlsx(client.get(overview_url(scheme, "xlsx")))
    register = read_xlsx(client.get(register_url(group, "xlsx")))

    [cell] = [row[0] for row in overview if row[0].value == FORMULA]
    assert cell.data_type == "s"
    [header] = [c for c in register[0] if c.value == FORMULA]
    assert header.data_type == "s"
    for row in overview + register:
        assert all(c.data_type != "f" for c in row)


def test_a_leading_log_keeps_a_formula_leader_inert(client, scheme, group, organiser, sessions):
    sneaky = factories.LeaderFactory(group=group, person__full_name=FORMULA).person
    attend(sneaky, sessions[:1], ["present"], role="leader")
    client.force_login(organiser)

    csv_rows = read_csv(client.get(leading_url(scheme, "csv")))
    xlsx_rows = read_xlsx(client.get(leading_url(scheme, "xlsx")))

    assert csv_rows[1][0] == "'" + FORMULA
    assert (xlsx_rows[1][0].value, xlsx_rows[1][0].data_type) == (FORMULA, "s")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_file_names_are_safe_whatever_the_names(client, fmt, db):
    scheme = factories.SchemeFactory(name='St. Mary\'s "North"/South \\ [A*]: Ωmega?')
    group = factories.GroupFactory(scheme=scheme, name='Wed "9am" / Room 2\\3 ; x=1')
    organiser = factories.OrganiserFactory(scheme=scheme).person
    client.force_login(organiser)

    for page, stem in [
        (overview_url(scheme, fmt), "st-marys-northsouth-a-mega-overview"),
        (register_url(group, fmt), "wed-9am-room-23-x1-register"),
        (leading_url(scheme, fmt), "st-marys-northsouth-a-mega-leading-log"),
    ]:
        response = client.get(page)
        assert response.status_code == 200
        disposition = response["Content-Disposition"]
        assert SAFE_DISPOSITION.fullmatch(disposition), disposition
        assert disposition == f'attachment; filename="{stem}-2026-03-02.{fmt}"'
        if fmt == "xlsx":
            assert read_xlsx(response)[0][0].value in ("Name", "Date", "Leader")


def test_leading_log_export_for_a_leader_is_their_own(
    client, scheme, other_group, leader, other_group_leader, organiser, sessions
):
    attend(leader, sessions[:2], ["present", "late"], role="leader")
    other_sessions = held_sessions(other_group, past_wednesdays(1))
    attend(other_group_leader, other_sessions, ["present"], role="leader")

    client.force_login(leader)
    mine = read_csv(client.get(leading_url(scheme, "csv")))
    client.force_login(organiser)
    everyone = read_csv(client.get(leading_url(scheme, "csv")))

    assert mine[0] == ["Leader", "Registration", "Date", "Group", "Role"]
    assert [(r[0], r[2], r[4]) for r in mine[1:]] == [
        (leader.full_name, "2026-02-11", "Leader"),
        (leader.full_name, "2026-02-04", "Leader"),
    ]
    assert {r[0] for r in everyone[1:]} == {leader.full_name, other_group_leader.full_name}
    assert len(everyone) == 4


# --- Hostile names ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "\t=HYPERLINK(1)",  # defusedcsv lets a leading tab through
        "\r=HYPERLINK(1)",  # and a carriage return
        "  =HYPERLINK(1)",  # spaces before the formula
        "@SUM(A1:A9)",
        "-2+3",
    ],
)
def test_a_name_with_any_formula_trigger_is_inert_in_csv(client, scheme, group, organiser, name):
    factories.MembershipFactory(group=group, person__full_name=name)
    client.force_login(organiser)

    overview = read_csv(client.get(overview_url(scheme, "csv")))
    register = read_csv(client.get(register_url(group, "csv")))

    assert [row[0] for row in overview[1:]] == ["'" + name]
    assert "'" + name in register[0]


def test_a_pipe_in_a_defused_cell_is_escaped_as_defusedcsv_does(client, scheme, group, organiser):
    """A DDE payload (=cmd|' /C calc'!A0) loses its | as well as its formula."""
    factories.MembershipFactory(group=group, person__full_name="=cmd|' /C calc'!A0")
    factories.MembershipFactory(group=group, person__full_name="Ann | Lee")  # no trigger
    client.force_login(organiser)

    overview = read_csv(client.get(overview_url(scheme, "csv")))

    assert sorted(row[0] for row in overview[1:]) == ["'=cmd\\|' /C calc'!A0", "Ann | Lee"]


def test_the_overview_csv_streams_in_pieces_of_whole_rows(
    client, scheme, group, organiser, monkeypatch
):
    monkeypatch.setattr(exports, "CHUNK_ROWS", 2)
    names = [f"Trainee {n}" for n in range(5)]
    for name in names:
        factories.MembershipFactory(group=group, person__full_name=name)
    client.force_login(organiser)

    response = client.get(overview_url(scheme, "csv"))

    assert response.streaming
    pieces = list(response.streaming_content)
    assert len(pieces) == 3  # the header and five rows, two lines a piece
    assert all(piece.endswith(b"\r\n") for piece in pieces)
    rows = list(csv.reader(io.StringIO(b"".join(pieces).decode("utf-8-sig"))))
    assert [row[0] for row in rows] == ["Name", *names]


def test_the_overview_csv_runs_the_same_queries_however_many_pieces(
    client, scheme, group, organiser, monkeypatch
):
    """The trainees' groups come in one query for the whole file, not one per piece."""
    monkeypatch.setattr(exports, "CHUNK_ROWS", 2)
    client.force_login(organiser)

    def queries_for_the_csv() -> int:
        with CaptureQueriesContext(connection) as queries:
            b"".join(client.get(overview_url(scheme, "csv")).streaming_content)
        return len(queries)

    factories.MembershipFactory(group=group)
    one_piece = queries_for_the_csv()
    for _ in range(5):
        factories.MembershipFactory(group=group)

    assert queries_for_the_csv() == one_piece


def test_a_name_with_a_control_character_still_exports(client, scheme, group, organiser, sessions):
    person = factories.MembershipFactory(group=group, person__full_name="Ann\x0bLee").person
    attend(person, sessions[:1], ["present"])
    leading = factories.LeaderFactory(group=group, person__full_name="Bo\x1fYd\x0c").person
    attend(leading, sessions[1:2], ["present"], role="leader")
    client.force_login(organiser)

    for page in (overview_url(scheme, "xlsx"), register_url(group, "xlsx")):
        response = client.get(page)
        assert response.status_code == 200, page
        assert "AnnLee" in {cell for row in xlsx_values(response) for cell in row}, page
    leading = client.get(leading_url(scheme, "xlsx"))
    assert leading.status_code == 200
    assert xlsx_values(leading)[1][0] == "BoYd"
    assert read_csv(client.get(overview_url(scheme, "csv")))[1][0] == "Ann\x0bLee"

"""The incoming cohort's CSV of a changeover (attendance.changeover.imports): the
invitations file, whose role and dates may be left out; bad rows refused by their line
and nothing applied. Built as real bytes, as a spreadsheet saves them."""

from datetime import date

import pytest

from attendance.changeover import services
from attendance.changeover.imports import parse_joiners_csv
from balint.imports import ImportFailed
from groups.models import Invitation, Membership
from tests.attendance.changeover import DAY, EVE, GP, PSYCHIATRY, build, csv_bytes

pytestmark = pytest.mark.usefixtures("frozen_now")


@pytest.fixture
def world(scheme):
    return build(scheme)


def parse(world, raw: bytes):
    return parse_joiners_csv(scheme=world.scheme, day=DAY, raw=raw, filename="cohort.csv")


def refusals(world, raw: bytes) -> list[tuple]:
    with pytest.raises(ImportFailed) as failed:
        parse(world, raw)
    return [(p.line, p.field) for p in failed.value.problems]


def test_a_cohort_list_joins_from_the_day_as_members(world):
    raw = csv_bytes(
        f"Dr New,new@example.org,{world.b.name},gp",
        f"{world.returning.full_name},{world.returning.email},{world.a.name},psychiatry",
    )

    joiners = parse(world, raw)

    assert [(j.line, j.email, j.group, j.track) for j in joiners] == [
        (2, "new@example.org", world.b, GP),
        (3, world.returning.email, world.a, PSYCHIATRY),
    ]


@pytest.mark.parametrize(("bom", "crlf"), [(True, True), (False, True), (True, False)])
def test_a_file_excel_saved_reads_the_same(world, bom, crlf):
    rows = (f"Dr New,new@example.org,{world.b.name},gp", f"Dr Two,two@example.org,{world.a.name},")
    plain = parse(world, csv_bytes(*rows))

    assert parse(world, csv_bytes(*rows, bom=bom, crlf=crlf)) == plain


def test_bad_rows_are_refused_with_their_line_numbers(world):
    raw = csv_bytes(
        f"Dr Good,good@example.org,{world.b.name},gp",
        "Dr Lost,lost@example.org,No such group,gp",
        f"Dr Typo,not-an-email,{world.b.name},gp",
        "",
        f"Dr Lead,lead@example.org,{world.b.name},gp,leader,",
        f"Dr Late,late@example.org,{world.b.name},gp,,2026-04-08",
        header="name,email,group,track,role,start_date",
    )

    assert refusals(world, raw) == [
        (3, "group"),
        (4, "email"),
        (6, "role"),
        (7, "start_date"),
    ]


def test_a_bom_and_windows_line_ends_keep_the_line_numbers(world):
    raw = csv_bytes(
        f"Dr Good,good@example.org,{world.b.name},gp",
        '"Dr ""Two\r\nLines""",two@example.org,' + world.b.name + ",gp",  # a cell of 2 lines
        "Dr Lost,lost@example.org,No such group,gp",
        bom=True,
        crlf=True,
    )

    assert refusals(world, raw) == [(5, "group")]


def test_a_file_without_the_needed_columns_is_refused_at_its_first_line(world):
    assert refusals(world, csv_bytes("Dr New,gp", header="name,track")) == [(1, None)]


def test_an_end_date_given_is_kept_and_the_start_may_be_the_day(world):
    raw = csv_bytes(
        f"Dr New,new@example.org,{world.b.name},gp,member,{DAY},2026-06-30",
        header="name,email,group,track,role,start_date,end_date",
    )
    assert parse(world, raw)[0].end_date == date(2026, 6, 30)


def test_applying_the_file_invites_the_new_and_adds_the_schemes_people(world, organiser):
    raw = csv_bytes(
        f"Dr New,new@example.org,{world.b.name},gp",
        f"{world.returning.full_name},{world.returning.email.upper()},{world.a.name},gp",
    )

    services.changeover_apply(
        actor=organiser, scheme=world.scheme, day=DAY, joiners=parse(world, raw)
    )

    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.group, invitation.start_date) == (
        "new@example.org",
        world.b,
        DAY,
    )
    assert Membership.objects.get(person=world.returning, start_date=DAY).group == world.a
    assert Membership.objects.filter(end_date=EVE).count() == 2  # the GP trainees left

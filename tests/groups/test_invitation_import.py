"""Inviting many people from a CSV file: all rows or nothing, problems named by line and field."""

import html

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from groups import imports
from groups.models import Invitation, Membership
from tests import factories

HEADER = "name,email,role,group,start_date,end_date,track"


@pytest.fixture
def upload(client, scheme, organiser, django_capture_on_commit_callbacks):
    """Upload a file as the scheme's organiser; returns the response."""
    client.force_login(organiser)

    def upload(content: str | bytes, filename: str = "people.csv"):
        raw = content.encode() if isinstance(content, str) else content
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                f"/schemes/{scheme.pk}/invitations/import/",
                {"file": SimpleUploadedFile(filename, raw, "text/csv")},
            )

    return upload


def csv(*rows: str, header: str = HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


def problems(response) -> list[tuple[int | None, str | None]]:
    return [(p.line, p.field) for p in response.context["problems"]]


def page_text(response) -> str:
    return html.unescape(response.content.decode())


def assert_nothing_saved(response, mailoutbox):
    assert response.status_code == 400
    assert not Invitation.objects.exists()
    assert mailoutbox == []
    assert "Nothing was saved." in page_text(response)


def assert_refused(response, mailoutbox, where, said: str = ""):
    """Nothing saved, the problems at `where` (line, field), and `said` on the page."""
    assert_nothing_saved(response, mailoutbox)
    assert problems(response) == where
    assert said in page_text(response)


# --- A good file ----------------------------------------------------------


def test_good_file_creates_every_invitation_and_email(
    upload, scheme, group, other_group, organiser, mailoutbox
):
    response = upload(
        csv(
            f"Aoife Byrne,Aoife@Example.org,member,{group.name},2026-08-01,2026-11-30,gp",
            f"Cian Murphy,cian@example.org,co-leader,{other_group.name.upper()},2026-08-01,,other",
            "Maeve Ryan,maeve@example.org,organiser,,,,",
            f"Niamh Kelly,niamh@example.org,trainee,{group.name},2026-08-01,,",
        )
    )

    assert response.status_code == 302
    assert response["Location"] == f"/schemes/{scheme.pk}/"
    by_email = {i.email: i for i in Invitation.objects.all()}
    assert set(by_email) == {
        "aoife@example.org",
        "cian@example.org",
        "maeve@example.org",
        "niamh@example.org",
    }
    aoife = by_email["aoife@example.org"]
    assert (aoife.full_name, aoife.role, aoife.group, aoife.track) == (
        "Aoife Byrne",
        Invitation.Role.MEMBER,
        group,
        Membership.Track.GENERAL_PRACTICE,
    )
    assert str(aoife.start_date) == "2026-08-01"
    assert str(aoife.end_date) == "2026-11-30"
    cian = by_email["cian@example.org"]
    assert (cian.role, cian.group, cian.end_date) == (Invitation.Role.CO_LEADER, other_group, None)
    maeve = by_email["maeve@example.org"]
    assert (maeve.role, maeve.group) == (Invitation.Role.ORGANISER, None)
    niamh = by_email["niamh@example.org"]
    assert (niamh.role, niamh.track) == (Invitation.Role.MEMBER, Membership.Track.PSYCHIATRY)
    assert all(i.invited_by == organiser and i.scheme == scheme for i in by_email.values())
    assert sorted(m.to[0] for m in mailoutbox) == sorted(by_email)


def test_spreadsheet_export_with_bom_crlf_and_capitalised_header_is_read(upload, group, mailoutbox):
    content = (
        "\ufeffName,Email,Role,Group,Start_Date,End_Date\r\n"
        f'"Byrne, Aoife",aoife@example.org,Member,{group.name},2026-08-01,\r\n'
    )
    response = upload(content.encode("utf-8"))

    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.full_name == "Byrne, Aoife"
    assert len(mailoutbox) == 1


def test_same_person_may_be_invited_to_two_groups(upload, group, other_group):
    response = upload(
        csv(
            f"Aoife Byrne,aoife@example.org,member,{group.name},2026-08-01,,",
            f"Aoife Byrne,aoife@example.org,member,{other_group.name},2026-08-01,,",
        )
    )
    assert response.status_code == 302
    assert Invitation.objects.count() == 2


# --- Bad files: nothing saved, the page names the line and field ----------


def test_one_bad_row_among_good_rows_saves_nothing_and_names_that_row(upload, group, mailoutbox):
    response = upload(
        csv(
            f"Aoife Byrne,aoife@example.org,member,{group.name},2026-08-01,,",
            f"Cian Murphy,cian@example.org,member,{group.name},2026-08-01,,",
            f"Niamh Kelly,niamh@example,member,{group.name},2026-08-01,,",
            f"Eoin Ryan,eoin@example.org,member,{group.name},2026-08-01,,",
        )
    )

    assert_refused(response, mailoutbox, [(4, "email")])
    assert "people.csv, line 4, field 'email': 'niamh@example' is not a valid email address." in (
        page_text(response)
    )


def test_every_problem_in_the_file_is_listed(upload, group, mailoutbox):
    response = upload(
        csv(
            f"Aoife Byrne,aoife@example.org,boss,{group.name},2026-08-01,,",
            f"Cian Murphy,cian@example.org,member,{group.name},01/08/2026,,",
        )
    )

    assert_refused(response, mailoutbox, [(2, "role"), (3, "start_date")])


def test_file_of_only_blank_lines_is_empty(upload, mailoutbox):
    response = upload("\n\n  \n")
    assert_refused(response, mailoutbox, [(None, None)], "people.csv: The file is empty.")


def test_zero_byte_file_is_refused(upload, mailoutbox):
    response = upload(b"")
    assert response.status_code == 400
    assert response.context["form"].errors["file"] == ["The submitted file is empty."]
    assert not Invitation.objects.exists()
    assert mailoutbox == []


def test_header_without_rows_has_no_invitations(upload, mailoutbox):
    response = upload(csv())
    assert_nothing_saved(response, mailoutbox)
    assert "people.csv: The file has no invitations." in page_text(response)


def test_binary_file_is_refused(upload, mailoutbox):
    response = upload(b"PK\x03\x04\x00\x00\x08\x00binary", filename="people.xlsx")
    assert_nothing_saved(response, mailoutbox)
    assert "people.xlsx: This is not a CSV text file." in page_text(response)


def test_file_not_in_utf8_is_refused(upload, group, mailoutbox):
    content = csv(f"Róisín Doyle,roisin@example.org,member,{group.name},2026-08-01,,")
    response = upload(content.encode("latin-1"))
    assert_nothing_saved(response, mailoutbox)
    assert "The file is not UTF-8 text; save it as CSV UTF-8." in page_text(response)


def test_missing_column_is_named(upload, group, mailoutbox):
    response = upload(
        csv(
            f"Aoife Byrne,aoife@example.org,member,{group.name},2026-08-01",
            header="name,email,role,group,start_date",
        )
    )
    assert_refused(
        response, mailoutbox, [(1, None)], "people.csv, line 1: Missing column(s): end_date."
    )


@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        (
            "Aoife Byrne,aoife@,member,{group},2026-08-01,,",
            "email",
            "'aoife@' is not a valid email address.",
        ),
        ("Aoife Byrne,,member,{group},2026-08-01,,", "email", "An email is required."),
        (",aoife@example.org,member,{group},2026-08-01,,", "name", "A name is required."),
        (
            "Aoife Byrne,aoife@example.org,consultant,{group},2026-08-01,,",
            "role",
            "'consultant' is not a role; use member, leader, co-leader or organiser.",
        ),
        (
            "Aoife Byrne,aoife@example.org,member,Friday Group,2026-08-01,,",
            "group",
            "There is no group called 'Friday Group' in this scheme.",
        ),
        (
            "Aoife Byrne,aoife@example.org,member,,2026-08-01,,",
            "group",
            "A group is required for a member, leader or co-leader.",
        ),
        (
            "Aoife Byrne,aoife@example.org,member,{group},2026-13-01,,",
            "start_date",
            "'2026-13-01' is not a date; write it as YYYY-MM-DD.",
        ),
        (
            "Aoife Byrne,aoife@example.org,member,{group},,,",
            "start_date",
            "A start date is required for a group role.",
        ),
        (
            "Aoife Byrne,aoife@example.org,member,{group},2026-08-01,next week,",
            "end_date",
            "'next week' is not a date; write it as YYYY-MM-DD.",
        ),
        (
            "Aoife Byrne,aoife@example.org,member,{group},2026-08-01,2026-07-31,",
            "end_date",
            "The end date is before the start date.",
        ),
        (
            "Aoife Byrne,aoife@example.org,member,{group},2026-08-01,,surgery",
            "track",
            "'surgery' is not a track; use one of psychiatry, general_practice, other.",
        ),
    ],
    ids=[
        "bad-email",
        "no-email",
        "no-name",
        "unknown-role",
        "unknown-group",
        "no-group",
        "bad-date",
        "no-start",
        "bad-end-date",
        "end-before-start",
        "unknown-track",
    ],
)
def test_bad_field_is_named_with_its_line(upload, group, mailoutbox, row, field, message):
    good = f"Cian Murphy,cian@example.org,member,{group.name},2026-08-01,,"
    response = upload(csv(good, row.format(group=group.name)))

    assert_refused(response, mailoutbox, [(3, field)])
    assert f"people.csv, line 3, field '{field}': {message}" in page_text(response)


def test_group_of_another_scheme_is_unknown_here(upload, mailoutbox):
    elsewhere = factories.GroupFactory(name="Elsewhere Group")
    response = upload(csv(f"Aoife Byrne,aoife@example.org,member,{elsewhere.name},2026-08-01,,"))

    assert_refused(
        response,
        mailoutbox,
        [(2, "group")],
        "There is no group called 'Elsewhere Group' in this scheme.",
    )


def test_duplicate_row_is_named_with_the_first_line(upload, group, mailoutbox):
    response = upload(
        csv(
            f"Aoife Byrne,aoife@example.org,member,{group.name},2026-08-01,,",
            f"Cian Murphy,cian@example.org,member,{group.name},2026-08-01,,",
            f"Aoife Byrne,AOIFE@example.org,leader,{group.name},2026-09-01,,",
        )
    )

    assert_refused(response, mailoutbox, [(4, "email")])
    assert "line 4, field 'email': aoife@example.org is already invited on line 2." in (
        page_text(response)
    )


def test_existing_member_invited_into_an_overlap_is_refused(upload, group, trainee, mailoutbox):
    response = upload(csv(f"{trainee.full_name},{trainee.email},member,{group.name},2026-08-01,,"))

    assert_refused(response, mailoutbox, [(2, "start_date")])


def test_row_with_too_many_cells_is_refused(upload, group, mailoutbox):
    response = upload(
        csv(
            f"Aoife Byrne,aoife@example.org,member,{group.name},2026-08-01,,gp",
            f"Cian Murphy,cian@example.org,member,{group.name},2026-08-01,,gp,extra",
        )
    )

    assert_refused(
        response, mailoutbox, [(3, None)], "people.csv, line 3: This row has too many cells."
    )


def test_file_too_large_is_refused(upload, group, mailoutbox):
    row = f"Aoife Byrne,aoife@example.org,member,{group.name},2026-08-01,,"
    content = csv(row) + " " * imports.MAX_BYTES
    response = upload(content)

    assert_nothing_saved(response, mailoutbox)
    assert "people.csv: The file is larger than 1000 kB." in page_text(response)


def test_too_many_rows_are_refused(upload, group, mailoutbox, monkeypatch):
    monkeypatch.setattr(imports, "MAX_ROWS", 2)
    rows = [f"Person {n},person{n}@example.org,member,{group.name},2026-08-01,," for n in range(3)]
    response = upload(csv(*rows))

    assert_refused(response, mailoutbox, [(4, None)], "line 4: More than 2 rows.")


def test_rows_spanning_lines_are_named_by_where_they_end(upload, group, mailoutbox):
    response = upload(
        csv(
            f'"Aoife\nByrne",aoife@example.org,member,{group.name},2026-08-01,,',
            f"Cian Murphy,cian@,member,{group.name},2026-08-01,,",
        )
    )

    assert_refused(response, mailoutbox, [(4, "email")])


# --- Hostile files ----------------------------------------------------------------------------


def test_a_file_too_large_is_refused_before_it_is_read(upload, group, mailoutbox, monkeypatch):
    """The upload's size is checked first; a large file is never read into memory."""
    from django.core.files.uploadedfile import InMemoryUploadedFile, TemporaryUploadedFile

    reads = []

    def spy(self):
        if not isinstance(self, SimpleUploadedFile):  # the test client reads what it sends
            reads.append(self.name)
        return self.file.read

    for kind in (InMemoryUploadedFile, TemporaryUploadedFile):  # what the view receives
        monkeypatch.setattr(kind, "read", property(spy), raising=False)
    content = csv(f"Aoife Byrne,aoife@example.org,member,{group.name},2026-08-01,,") + " " * (
        imports.MAX_BYTES
    )

    response = upload(content)

    assert_nothing_saved(response, mailoutbox)
    assert "people.csv: The file is larger than 1000 kB." in page_text(response)
    assert reads == []


def test_a_file_is_read_no_further_than_the_limit():
    class Lying:
        """An upload that claims to be small: the reader still stops after the limit."""

        name, size = "people.csv", 10

        def __init__(self):
            self.asked = []

        def read(self, size=-1):
            self.asked.append(size)
            return b"x" * (imports.MAX_BYTES * 2 if size < 0 else size)

    lying = Lying()
    assert len(imports.read_upload(lying)) == imports.MAX_BYTES + 1
    assert lying.asked == [imports.MAX_BYTES + 1]


def test_an_unclosed_quote_before_many_rows_names_the_line_it_opens(upload, group, mailoutbox):
    good = f"Cian Murphy,cian@example.org,member,{group.name},2026-08-01,,"
    rows = [good.replace("cian@", f"cian{n}@") for n in range(2500)]
    response = upload(
        csv(f'"Aoife Byrne,aoife@example.org,member,{group.name},2026-08-01,,', *rows)
    )

    assert_refused(response, mailoutbox, [(2, None)], "people.csv, line 2: A quote is not closed")


def test_a_huge_field_is_refused_with_its_line(upload, group, mailoutbox):
    response = upload(
        csv(
            f"Aoife Byrne,aoife@example.org,member,{group.name},2026-08-01,,",
            f"{'x' * 200_000},cian@example.org,member,{group.name},2026-08-01,,",
        )
    )

    assert_refused(
        response,
        mailoutbox,
        [(3, None)],
        "people.csv, line 3: A field is longer than 131,072 characters.",
    )


def test_a_long_cell_is_quoted_cut_short(upload, group, mailoutbox):
    response = upload(csv(f"Aoife Byrne,{'y' * 5000}@,member,{group.name},2026-08-01,,"))

    assert_nothing_saved(response, mailoutbox)
    [problem] = response.context["problems"]
    assert problem.field == "email"
    assert problem.message == f"'{'y' * 80}…' is not a valid email address."


def test_anything_unforeseen_is_an_import_problem_and_logged(
    upload, group, mailoutbox, monkeypatch, caplog
):
    def broken(*args, **kwargs):
        raise RuntimeError("something nobody expected")

    monkeypatch.setattr(imports, "people_by_email", broken)
    response = upload(csv(f"Aoife Byrne,aoife@example.org,member,{group.name},2026-08-01,,"))

    assert_nothing_saved(response, mailoutbox)
    assert "people.csv: The file could not be read." in page_text(response)
    assert "something nobody expected" not in page_text(response)
    [record] = [r for r in caplog.records if r.name == "groups.imports"]
    assert record.exc_info is not None

"""Whatever a person types or uploads, the answer is a result or a sentence, never a 500.

Property tests (Hypothesis) over the three ways text from outside comes in: the
invitation CSV import, names in the exports, and roster feed addresses. The feed
tests never touch the network: every connection is refused before it is made.
"""

import csv
import io
import re
import socket
from urllib.parse import urlsplit

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given
from hypothesis import settings as examples
from hypothesis import strategies as st
from openpyxl import load_workbook

from attendance.exports import inert, xml_safe
from balint.imports import ImportFailed
from groups.imports import parse_invitations_csv
from groups.models import User
from sessions.rosters import feeds, services
from tests import factories

FIXTURES_REUSED = examples(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

# --- Invitation CSV -----------------------------------------------------------------------------

HEADER = b"name,email,role,group,start_date,end_date,track\n"
GOOD_ROW = b"Aoife Byrne,aoife@example.org,member,Wednesday,2026-08-01,2026-11-30,gp\n"
PIECES = [b'"', b",", b"\n", b"\r", b"\r\n", b"\x00", b"\xff", b"\xef\xbb\xbf", b"x" * 1000, b" "]


@st.composite
def mutated_csv(draw) -> bytes:
    """A good file with a few bytes cut, doubled or replaced by something awkward."""
    data = bytearray(HEADER + GOOD_ROW * draw(st.integers(0, 5)))
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["insert", "delete", "replace"]))
        piece = draw(st.sampled_from(PIECES) | st.binary(max_size=8))
        if action == "insert":
            data[at:at] = piece
        elif action == "delete":
            del data[at : at + draw(st.integers(1, 20))]
        else:
            data[at : at + len(piece)] = piece
    return bytes(data)


@pytest.fixture
def wednesday(scheme):
    return factories.GroupFactory(scheme=scheme, name="Wednesday")


@FIXTURES_REUSED
@given(raw=st.binary(max_size=2000) | mutated_csv())
def test_any_bytes_give_invitations_or_import_problems(scheme, wednesday, raw):
    try:
        items = parse_invitations_csv(scheme=scheme, raw=raw, filename="people.csv")
    except ImportFailed as exc:
        assert exc.problems
        for problem in exc.problems:
            assert problem.filename == "people.csv"
            assert len(problem.message) < 400
    else:
        assert items


# --- Exports ------------------------------------------------------------------------------------

NAMES = st.text(min_size=1, max_size=150) | st.sampled_from(
    ["\t=1+2", "\r=1+2", " =1+2", "@A1", "-1+2", "+1", "Ann\x0bLee", "=cmd|' /C calc'!A0"]
).map(lambda formula: formula + "x")


# What makes a spreadsheet run a cell (OWASP's list, and defusedcsv's | and %).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "|", "%", "\t", "\r", "\n")


def _starts_with_a_trigger(cell: str) -> bool:
    if cell[:1].isdigit() or cell.replace("-", "", 1).replace(",", "").replace(".", "").isdigit():
        return False  # "-3" is a number, as defusedcsv leaves it
    return cell.startswith(FORMULA_TRIGGERS) or cell.lstrip().startswith(FORMULA_TRIGGERS)


def _fits_in_xml(character: str) -> bool:
    code = ord(character)
    return (
        character in "\t\n\r" or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or code > 0xFFFF
    )


@given(value=NAMES)
@examples(max_examples=2000, deadline=None)
def test_any_cell_is_written_inert_and_fit_for_xml(value):
    """The cell rules alone, over many values; the test below takes them through the views."""
    written = inert(value)
    assert not _starts_with_a_trigger(written) or re.fullmatch(r"-?[0-9,.]+", value)
    assert written in (value, "'" + value.replace("|", "\\|"))  # nothing else changes
    assert xml_safe(value) == "".join(c for c in value if _fits_in_xml(c))


# Each example builds four exports through the views: fewer, the cell rules above take many.
@examples(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(name=NAMES)
def test_any_name_exports_to_a_valid_xlsx_and_an_inert_csv(client, scheme, group, organiser, name):
    name = name.replace("\x00", "")  # no database keeps a NUL in text
    person = factories.MembershipFactory(group=group).person
    User.objects.filter(pk=person.pk).update(full_name=name)
    client.force_login(organiser)
    try:
        for url in (f"/schemes/{scheme.pk}/overview", f"/groups/{group.pk}/register"):
            cache.clear()  # exports are cached; each example has a new name
            xlsx = client.get(url + ".xlsx")
            assert xlsx.status_code == 200
            sheet = load_workbook(io.BytesIO(xlsx.content)).active
            assert sheet.max_row >= 1

            exported = client.get(url + ".csv")
            assert exported.status_code == 200
            text = exported.getvalue().decode("utf-8-sig")
            rows = list(csv.reader(io.StringIO(text, newline="")))
            for row in rows:
                for cell in row:
                    assert not _starts_with_a_trigger(cell), (url, cell)
    finally:
        person.memberships.all().delete()


# --- Feed addresses -----------------------------------------------------------------------------

URL_TEXT = st.text(max_size=80) | st.builds(
    lambda scheme, rest: scheme + rest,
    st.sampled_from(["http://", "https://", "webcal://", "HTTP://", "http://[", "ftp://"]),
    st.text(max_size=60),
)


@pytest.fixture
def no_network(monkeypatch, settings):
    """Every host "resolves" to a public address and every connection is refused before it
    is made: no DNS lookup, no packet leaves the machine."""
    settings.ROSTER_FEED_ALLOWED_NETWORKS = []
    lookups = []

    def public(host, port, *args, **kwargs):
        lookups.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", port))]

    def refuse(*args, **kwargs):
        raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setattr(feeds.socket, "getaddrinfo", public)
    monkeypatch.setattr(feeds.socket, "create_connection", refuse)
    return lookups


@examples(max_examples=300, deadline=None)
@given(url=URL_TEXT)
def test_any_text_normalises_to_an_ascii_address_or_is_refused(url):
    try:
        normal = feeds.normalise_url(url)
    except ImportFailed as exc:
        assert len(exc.problems) == 1
        return
    assert normal.isascii()
    assert not any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in normal)
    urlsplit(normal)
    assert feeds.normalise_url(normal) == normal


@FIXTURES_REUSED
@given(url=URL_TEXT)
def test_any_text_as_a_feed_address_fails_with_a_sentence(no_network, url):
    with pytest.raises(ImportFailed) as refused:
        feeds.fetch(url)
    assert "\x00" not in str(refused.value)


@FIXTURES_REUSED
@given(url=URL_TEXT)
def test_any_text_subscribed_to_fails_with_a_sentence(no_network, trainee, url):
    with pytest.raises((ImportFailed, ValidationError)):
        services.roster_feed_subscribe(actor=trainee, url=url)


def test_the_fake_network_answers_every_host(no_network):
    assert feeds.resolve("rota.example.org", 443) == ["93.184.215.14"]
    assert no_network == ["rota.example.org"]
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("93.184.215.14", 443))


# --- A very long file name ----------------------------------------------------------------------


def _multipart(filename: str, content: bytes) -> tuple[bytes, str]:
    """What a browser sends: the file name whole (the test client would cut it to 255)."""
    boundary = "----balint-test"
    body = (
        (
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="file"; filename="{filename}"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


@pytest.mark.parametrize("page", ["invitations", "roster"])
def test_a_very_long_file_name_gets_a_sentence_not_a_bare_400(client, scheme, organiser, page):
    url = {
        "invitations": f"/schemes/{scheme.pk}/invitations/import/",
        "roster": "/rosters/upload/",
    }[page]
    client.force_login(organiser)
    body, content_type = _multipart("Rota " * 220 + ".csv", b"start,end\n")

    response = client.generic("POST", url, body, content_type=content_type)

    # Django's parser refuses part headers over 1,024 bytes before any view runs.
    assert response.status_code == 400
    assert "<title>Bad Request (400)</title>" not in response.content.decode()
    assert "file name is too long" in response.content.decode()

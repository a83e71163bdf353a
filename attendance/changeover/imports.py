"""The incoming cohort's CSV: the invitations file (groups.imports), read for a changeover.

A cohort list from a training body holds names, emails, groups and tracks; the role and
the dates follow from the changeover. So the columns role, start_date and end_date may be
left out, and their empty cells are filled in (member; the changeover day; the end from
the rotation dates, later) before the invitations parser reads the file and refuses
every bad row by its line. A row must join as a member from the changeover day: the
rows that do not are refused with the parser's problems, all at once.
"""

import csv
import io
from dataclasses import dataclass, field
from datetime import date

from attendance.changeover.plan import Joiner
from balint.imports import ImportFailed, ImportProblem
from groups.imports import MAX_BYTES, ROLE_ALIASES, parse_invitations_csv
from groups.models import Invitation, Scheme

FILLED = ("role", "start_date", "end_date")
NOT_A_MEMBER = (
    "A joiner joins as a member (trainee): leave the role empty or write member. "
    "Add leaders on the group's page."
)


@dataclass
class _Prepared:
    raw: bytes  # the file to parse: with the defaults filled in, when it reads as CSV
    lines: list[int] = field(default_factory=list)  # of each data row, as the parser counts
    problems: list[ImportProblem] = field(default_factory=list)


def _records(text: str) -> list[tuple[int, list[str]]]:
    """(last line, cells) of each record, blank lines included (as []); csv.Error if the
    text is not CSV."""
    reader = csv.reader(io.StringIO(text, newline=""))
    return [(reader.line_num, row) for row in reader]


def _cell_problems(filename: str, line: int, role: str, start: str, day: date) -> list:
    """A role other than member, or another start day. What is not a role or a date at
    all the parser says."""
    problems = []
    role = ROLE_ALIASES.get(role.strip().lower(), role.strip().lower())
    if role and role != Invitation.Role.MEMBER and role in Invitation.Role.values:
        problems.append(ImportProblem(filename, line, "role", NOT_A_MEMBER))
    try:
        other_day = bool(start.strip()) and date.fromisoformat(start.strip()) != day
    except ValueError:
        other_day = False
    if other_day:
        message = (
            f"Joiners start on the changeover day, {day.isoformat()}: leave the start "
            "date empty or write that date."
        )
        problems.append(ImportProblem(filename, line, "start_date", message))
    return problems


def _prepare(raw: bytes, day: date, filename: str) -> _Prepared:
    """Fill in the role and start date where they are missing. Every record keeps its
    lines, so a problem names the line of the file as sent. A file that does not read as
    CSV text (or would grow past the limit) is parsed as it is, for the parser to say why."""
    if len(raw) > MAX_BYTES or b"\x00" in raw:
        return _Prepared(raw)
    try:
        records = _records(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, csv.Error):
        return _Prepared(raw)
    if not records:
        return _Prepared(raw)
    header = [cell.strip().lower() for cell in records[0][1]]
    missing = [column for column in FILLED if column not in header]
    columns = header + missing
    role, start = columns.index("role"), columns.index("start_date")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(records[0][1] + missing)
    prepared = _Prepared(raw)
    for line, row in records[1:]:
        if row:  # blank lines stay blank: the parser skips them too
            prepared.lines.append(line)
            if len(row) <= len(header):
                row = row + [""] * (len(columns) - len(row))
                prepared.problems += _cell_problems(filename, line, row[role], row[start], day)
                row[role] = row[role].strip() or Invitation.Role.MEMBER
                row[start] = row[start].strip() or day.isoformat()
            else:  # still too many cells, for the parser to say so
                row = row + [""] * len(missing)
        writer.writerow(row)
    filled = out.getvalue().encode()
    if len(filled) <= MAX_BYTES:
        prepared.raw = filled
    return prepared


def parse_joiners_csv(*, scheme: Scheme, day: date, raw: bytes, filename: str) -> list[Joiner]:
    """Every row as a Joiner of the changeover on `day`, or ImportFailed listing every
    problem by its line; nothing else is raised."""
    prepared = _prepare(raw, day, filename)
    try:
        items = parse_invitations_csv(scheme=scheme, raw=prepared.raw, filename=filename)
    except ImportFailed as exc:
        problems = exc.problems + prepared.problems
        raise ImportFailed(sorted(problems, key=lambda p: p.line or 0)) from None
    if prepared.problems:
        raise ImportFailed(prepared.problems)
    return [
        Joiner(
            group=item.group,
            track=item.track,
            email=item.email,
            full_name=item.full_name,
            end_date=item.end_date,
            line=line,
        )
        for line, item in zip(prepared.lines, items, strict=True)
    ]

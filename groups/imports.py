"""Reading invitations from a CSV file.

Every problem is collected with its line and column so the organiser can fix
the whole file at once; nothing is saved unless every row is good.
"""

import csv
import io
from datetime import date

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from balint.imports import ImportFailed, ImportProblem, guarded
from groups.models import BalintGroup, Invitation, Membership, Scheme
from groups.selectors import people_by_email
from groups.validation import InvitationData, echo, validate_invitation

MAX_BYTES = 1_000_000
MAX_ROWS = 2_000
UNCLOSED_QUOTE = 'A quote is not closed: a cell starts with " but never ends.'
REQUIRED_COLUMNS = ("name", "email", "role", "group", "start_date", "end_date")
ROLE_ALIASES = {"co-leader": "co_leader", "coleader": "co_leader", "trainee": "member"}
TRACK_ALIASES = {"gp": "general_practice", "general practice": "general_practice"}


def _decode(raw: bytes, filename: str) -> str:
    if not raw.strip():
        raise ImportFailed([ImportProblem(filename, None, None, "The file is empty.")])
    if b"\x00" in raw:
        raise ImportFailed([ImportProblem(filename, None, None, "This is not a CSV text file.")])
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFailed(
            [
                ImportProblem(
                    filename, None, None, "The file is not UTF-8 text; save it as CSV UTF-8."
                )
            ]
        ) from None


def too_large(filename: str) -> ImportFailed:
    return ImportFailed(
        [ImportProblem(filename, None, None, f"The file is larger than {MAX_BYTES // 1000} kB.")]
    )


def read_upload(upload) -> bytes:
    """The uploaded file's bytes, refusing one over MAX_BYTES before reading it whole."""
    if upload.size is not None and upload.size > MAX_BYTES:
        raise too_large(upload.name)
    return upload.read(MAX_BYTES + 1)


def _row_to_data(row: dict, groups: dict[str, BalintGroup]) -> tuple[InvitationData | None, dict]:
    errors: dict[str, str] = {}
    email = (row.get("email") or "").strip().lower()
    name = (row.get("name") or "").strip()
    role = (row.get("role") or "").strip().lower()
    role = ROLE_ALIASES.get(role, role)
    track = (row.get("track") or "").strip().lower() or Membership.Track.PSYCHIATRY
    track = TRACK_ALIASES.get(track, track)
    group_name = (row.get("group") or "").strip()
    dates: dict[str, date | None] = {}

    if not name:
        errors["name"] = "A name is required."
    elif len(name) > 150:
        errors["name"] = "The name is longer than 150 characters."
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = (
            f"{echo(email)} is not a valid email address." if email else "An email is required."
        )
    if role not in Invitation.Role.values:
        errors["role"] = f"{echo(role)} is not a role; use member, leader, co-leader or organiser."
    group = None
    if group_name:
        group = groups.get(group_name.casefold())
        if group is None:
            errors["group"] = f"There is no group called {echo(group_name)} in this scheme."
    for field in ("start_date", "end_date"):
        value = (row.get(field) or "").strip()
        dates[field] = None
        if value:
            try:
                dates[field] = date.fromisoformat(value)
            except ValueError:
                errors[field] = f"{echo(value)} is not a date; write it as YYYY-MM-DD."
    if errors:
        return None, errors
    data = InvitationData(
        email=email,
        full_name=name,
        role=role,
        group=group,
        track=track,
        start_date=dates["start_date"],
        end_date=dates["end_date"],
    )
    return data, {}


class _Reader:
    """csv.DictReader whose csv.Error becomes ImportFailed naming the line."""

    def __init__(self, text: str, filename: str):
        self.filename = filename
        self.reader = csv.DictReader(io.StringIO(text, newline=""))
        self.line_num = 0

    def header(self) -> list[str]:
        return self._guard(lambda: self.reader.fieldnames) or []

    def __iter__(self):
        return self

    def __next__(self) -> dict:
        return self._guard(lambda: next(self.reader))

    def _guard(self, step):
        # The csv reader's own count: DictReader's lags behind when a row fails.
        starts = self.reader.reader.line_num + 1
        try:
            return step()
        except csv.Error as exc:
            raise self._failed(exc, starts) from None
        finally:
            self.line_num = self.reader.reader.line_num

    def _failed(self, exc: csv.Error, starts: int) -> ImportFailed:
        detail, line = str(exc), self.reader.reader.line_num or 1
        if "field larger than field limit" in detail:
            if line > starts:
                # A quote left open swallows every line after it into one cell.
                line, message = starts, UNCLOSED_QUOTE
            else:
                message = f"A field is longer than {csv.field_size_limit():,} characters."
        elif "unexpected end of data" in detail or "EOF" in detail:
            line, message = starts, UNCLOSED_QUOTE
        else:
            message = "This line is not valid CSV; check its quotes and save it again as CSV."
        return ImportFailed([ImportProblem(self.filename, line, None, message)])


@guarded(
    "The file could not be read. Check that it is a CSV file saved from a "
    "spreadsheet, or send it to us."
)
def parse_invitations_csv(*, scheme: Scheme, raw: bytes, filename: str) -> list[InvitationData]:
    """Every row as InvitationData, or ImportFailed listing every problem; never another error."""
    if len(raw) > MAX_BYTES:
        raise too_large(filename)
    text = _decode(raw, filename)
    reader = _Reader(text, filename)
    header = [h.strip().lower() for h in reader.header()]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        message = (
            f"Missing column(s): {', '.join(missing)}. Expected: {', '.join(REQUIRED_COLUMNS)}."
        )
        raise ImportFailed([ImportProblem(filename, 1, None, message)])
    reader.reader.fieldnames = header

    groups = {g.name.casefold(): g for g in scheme.groups.all()}
    problems: list[ImportProblem] = []
    items: list[InvitationData] = []
    seen: dict[tuple, int] = {}
    parsed: list[tuple[int, InvitationData | None, dict]] = []
    for row in reader:
        line = reader.line_num
        if len(parsed) + len(problems) >= MAX_ROWS:
            problems.append(ImportProblem(filename, line, None, f"More than {MAX_ROWS} rows."))
            break
        if None in row:
            problems.append(ImportProblem(filename, line, None, "This row has too many cells."))
            continue
        parsed.append((line, *_row_to_data(row, groups)))

    # Accounts that already exist, in one query rather than one per row.
    people = people_by_email(data.email for _, data, _ in parsed if data is not None)
    for line, data, errors in parsed:
        if data is not None:
            errors = validate_invitation(scheme=scheme, data=data, people=people)
            # The same person may be invited to several groups, but once per group.
            key = (data.email, data.group.pk if data.group else data.role)
            if key in seen and "email" not in errors:
                errors["email"] = f"{data.email} is already invited on line {seen[key]}."
            seen.setdefault(key, line)
        problems.extend(ImportProblem(filename, line, f, m) for f, m in errors.items())
        if data is not None and not errors:
            items.append(data)
    if problems:
        raise ImportFailed(sorted(problems, key=lambda problem: problem.line or 0))
    if not items:
        raise ImportFailed([ImportProblem(filename, None, None, "The file has no invitations.")])
    return items

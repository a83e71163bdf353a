"""Reading invitations from a CSV file.

Every problem is collected with its line and column so the organiser can fix
the whole file at once; nothing is saved unless every row is good.
"""

import csv
import io
from datetime import date

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from balint.imports import ImportFailed, ImportProblem
from groups.models import BalintGroup, Invitation, Membership, Scheme
from groups.services import InvitationData, people_by_email, validate_invitation

MAX_BYTES = 1_000_000
MAX_ROWS = 2_000
REQUIRED_COLUMNS = ("name", "email", "role", "group", "start_date", "end_date")
OPTIONAL_COLUMNS = ("track",)
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


def _parse_date(value: str) -> date:
    return date.fromisoformat(value)


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
            f"{email!r} is not a valid email address." if email else "An email is required."
        )
    if role not in Invitation.Role.values:
        errors["role"] = f"{role!r} is not a role; use member, leader, co-leader or organiser."
    group = None
    if group_name:
        group = groups.get(group_name.casefold())
        if group is None:
            errors["group"] = f"There is no group called {group_name!r} in this scheme."
    for field in ("start_date", "end_date"):
        value = (row.get(field) or "").strip()
        dates[field] = None
        if value:
            try:
                dates[field] = _parse_date(value)
            except ValueError:
                errors[field] = f"{value!r} is not a date; write it as YYYY-MM-DD."
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


def parse_invitations_csv(*, scheme: Scheme, raw: bytes, filename: str) -> list[InvitationData]:
    if len(raw) > MAX_BYTES:
        raise ImportFailed(
            [
                ImportProblem(
                    filename, None, None, f"The file is larger than {MAX_BYTES // 1000} kB."
                )
            ]
        )
    text = _decode(raw, filename)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        message = (
            f"Missing column(s): {', '.join(missing)}. Expected: {', '.join(REQUIRED_COLUMNS)}."
        )
        raise ImportFailed([ImportProblem(filename, 1, None, message)])
    reader.fieldnames = header

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

"""Reads for statements of attendance: the sessions and the assessments a statement lists,
the trainees a bulk download covers, and a statement by its code for the public
verification page."""

from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet
from django.utils import timezone

from attendance.models import Assessment, Attendance, Requirement, Statement
from attendance.progress import recorded_q
from groups.models import BalintGroup, Membership, Scheme, User


@dataclass(frozen=True)
class StatementRow:
    """One counted session: its day, the group whose register holds it, and whether the
    trainee came as a guest of that group."""

    day: date
    group: str
    guest: bool


def counted_records(scheme: Scheme, people: list[int]) -> QuerySet[Attendance]:
    """The records that count toward the scheme's requirement, by progress_for's rule
    (recorded_q and the counted statuses)."""
    requirement = Requirement.for_scheme(scheme)
    return Attendance.objects.filter(
        recorded_q(requirement),
        person__in=people,
        status__in=requirement.counted_statuses,
    )


def statement_rows(scheme: Scheme, people: list[int]) -> dict[int, list[StatementRow]]:
    """Each person's counted sessions, oldest first, by person id (none: no key).
    One query, however many people."""
    rows: dict[int, list[StatementRow]] = {}
    records = (
        counted_records(scheme, people)
        .order_by("person_id", "session__starts_at", "session_id")
        .values_list("person_id", "session__slot_date", "session__group__name", "role")
    )
    for person_id, day, group, role in records:
        row = StatementRow(day=day, group=group, guest=role == Attendance.Role.GUEST)
        rows.setdefault(person_id, []).append(row)
    return rows


@dataclass(frozen=True)
class AssessmentRow:
    """One completed assessment: the day of its session, the form, the session's group
    and who completed it."""

    day: date
    form: str
    group: str
    assessor: str


def statement_assessments(scheme: Scheme, people: list[int]) -> dict[int, list[AssessmentRow]]:
    """Each person's completed (or acknowledged) assessments in the scheme, oldest session
    first, by person id (none: no key). One query, however many people."""
    rows: dict[int, list[AssessmentRow]] = {}
    done = (
        Assessment.objects.filter(
            trainee__in=people, form__scheme=scheme, status__in=Assessment.DONE
        )
        .order_by("trainee_id", "session__starts_at", "pk")
        .values_list(
            "trainee_id",
            "session__slot_date",
            "form__name",
            "session__group__name",
            "assessor__full_name",
        )
    )
    for person_id, day, form, group, assessor in done:
        rows.setdefault(person_id, []).append(AssessmentRow(day, form, group, assessor))
    return rows


def statement_people(scheme: Scheme, group: BalintGroup | None = None) -> QuerySet[User]:
    """The scheme's trainees today (of one group, with `group`), by name: whom a bulk
    download gives a statement."""
    today = timezone.localdate()
    current = Membership.objects.current(today).filter(
        group__scheme=scheme, role=Membership.Role.MEMBER
    )
    if group is not None:
        current = current.filter(group=group)
    return User.objects.filter(pk__in=current.values("person")).order_by("full_name", "pk")


def statement_by_code(code: str) -> Statement | None:
    """The statement with the (normalised) verification code, for the public page."""
    return Statement.objects.select_related("scheme").filter(code=code).first()

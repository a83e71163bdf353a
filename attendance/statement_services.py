"""Writes for statements of attendance: every download issues a new statement, with its own
code and the count of that day, so the public verification page can say what was true
when it was printed.

The statements come back with `rows`, the counted sessions their count was taken from
(attendance.statement_selectors.StatementRow), and `assessment_rows`, the completed
assessments their `assessments_completed` counts (AssessmentRow), for the PDF printed
with them: the lists and the totals on the page are one reading of the records.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from attendance.models import Certificate, Requirement, Statement, new_verification_code
from attendance.progress import trainees_of
from attendance.statement_selectors import statement_assessments, statement_rows
from groups import permissions as group_permissions
from groups.models import Scheme, User

# The most statements one bulk download holds: a group, or a scheme of a few hundred
# trainees. The worker renders them (a tenth of a second each) and joins them in memory.
STATEMENTS_AT_ONCE = 300


def _trainees(scheme: Scheme, people: list[User]) -> dict[int, bool]:
    """Which of the people are trainees of the scheme (at any time), each with whether
    their record was erased. One query."""
    found = trainees_of(scheme).filter(pk__in=[p.pk for p in people])
    return {pk: erased is not None for pk, erased in found.values_list("pk", "erasure__pk")}


def _free_codes(count: int) -> list[str]:
    """New codes that no certificate or statement holds: both are checked at the same
    address (/verify/<code>/). One query."""
    while True:
        codes = {new_verification_code() for _ in range(count)}
        held = [
            model.objects.filter(code__in=codes).order_by().values_list("code", flat=True)
            for model in (Certificate, Statement)
        ]
        taken = set(held[0].union(held[1]))
        if len(codes) == count and not taken:
            return list(codes)


def _issue(*, actor: User, scheme: Scheme, people: list[User]) -> list[Statement]:
    ids = [p.pk for p in people]
    rows, assessments = statement_rows(scheme, ids), statement_assessments(scheme, ids)
    issued_at = timezone.now()
    required = Requirement.for_scheme(scheme).sessions_required
    statements = [
        Statement(
            scheme=scheme,
            person=person,
            holder_name=person.full_name,
            sessions_counted=len(rows.get(person.pk, [])),
            sessions_required=required,
            assessments_completed=len(assessments.get(person.pk, [])),
            issued_by=actor,
            issued_at=issued_at,
            code=code,
        )
        for person, code in zip(people, _free_codes(len(people)), strict=True)
    ]
    Statement.objects.bulk_create(statements)  # atomic by itself
    for statement in statements:
        statement.rows = rows.get(statement.person_id, [])
        statement.assessment_rows = assessments.get(statement.person_id, [])
    return statements


def statement_issue(*, actor: User, scheme: Scheme, person: User) -> Statement:
    """A statement of `person`'s attendance in `scheme`, today: asked for by the trainee
    themselves (in a scheme they are or were a trainee of) or by one of its organisers."""
    if actor.pk != person.pk and not group_permissions.is_organiser(actor, scheme):
        raise PermissionDenied("Only the trainee and the scheme's organisers can do this.")
    trainees = _trainees(scheme, [person])
    if person.pk not in trainees:
        raise PermissionDenied(f"{person} is not a trainee of {scheme}.")
    if trainees[person.pk]:
        raise ValidationError("This person's record was erased: there is no one to print for.")
    return _issue(actor=actor, scheme=scheme, people=[person])[0]


def statements_check(*, actor: User, scheme: Scheme, people: list[User]) -> None:
    """Raise unless `actor` may have statements issued together for `people`: when the
    bulk download is asked for, and again as the worker issues each batch of it."""
    group_permissions.require_organiser(actor, scheme)
    if len(people) > STATEMENTS_AT_ONCE:
        raise ValidationError(
            f"At most {STATEMENTS_AT_ONCE} statements at once: pick one group at a time."
        )
    trainees = _trainees(scheme, people)
    if any(p.pk not in trainees for p in people):
        raise PermissionDenied(f"Statements are for trainees of {scheme} only.")
    if any(trainees.values()):
        raise ValidationError("A person's record was erased: there is no one to print for.")


def statements_issue(*, actor: User, scheme: Scheme, people: list[User]) -> list[Statement]:
    """A statement for each of the scheme's trainees in `people`, issued together by one
    of its organisers (a batch of the bulk download, attendance.statement_exports)."""
    statements_check(actor=actor, scheme=scheme, people=people)
    return _issue(actor=actor, scheme=scheme, people=people)

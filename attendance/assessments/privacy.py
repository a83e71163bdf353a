"""Assessments' share of a person's data: the assessments they asked for and received,
and those they completed as a leader. The registry finds one part per app, so the
attendance app's part (attendance.privacy) takes its covers, lines, export and erasure
from here.

The export holds the person's own assessments whole (ratings with their labels, the
judgement, the assessor's strengths and suggestions, their reflection) and, of those
they completed, what they wrote; other people appear by number only, as everywhere in
the archive.

Erasure of a trainee keeps each completed or acknowledged assessment, with its form,
session, dates, ratings and judgement: like a register record, it is counted in the
scheme's figures (TraineeFigure.assessments), and without a name it says nothing about
anyone. Its free text goes (strengths, suggestions, reflection): written about the
person, it could identify them whatever name it carries. Requests still open or
withdrawn are deleted: no figure counts them, and no leader should be asked to assess
an erased person. Erasure of an assessor keeps the assessments they completed (each is
the trainee's evidence) and the link to them; the person is anonymised as every user is.
Either way, mentions of the erased in anyone's assessment text become "[erased]".
"""

from collections.abc import Sequence
from datetime import datetime

from attendance.models import Assessment
from balint.privacy import mentions_of, row, scrub_mentions
from groups.models import User

COVERS = frozenset({(Assessment, "trainee"), (Assessment, "assessor")})
HELD = (
    "Workplace assessments you asked for: the form, the session and its group, the "
    "assessor (by number), each domain's rating, the global judgement, the assessor's "
    "strengths and suggestions, your reflection, and when each step happened.",
    "Assessments you completed as a leader: the form, the session, the trainee (by "
    "number), your ratings and judgement, and what you wrote.",
)


def _with_ratings(assessments):
    return assessments.select_related("form__scheme", "session__group").prefetch_related(
        "ratings__domain"
    )


def _about(a: Assessment) -> dict:
    return {
        "assessment_id": a.pk,
        "form": a.form.name,
        "scheme": a.form.scheme.name,
        "session_id": a.session_id,
        "group": a.session.group.name,
        "date": a.session.slot_date,
        "status": a.get_status_display(),
    }


def _ratings(assessments: list[Assessment]) -> list[dict]:
    return [
        row(assessment_id=a.pk, domain=r.domain.name, rating=r.label)
        for a in assessments
        for r in a.ratings.all()
    ]


def export(person: User) -> dict[str, list[dict]]:
    held = list(_with_ratings(Assessment.objects.filter(trainee=person)))
    given = list(_with_ratings(Assessment.objects.filter(assessor=person)))
    return {
        "assessments": [
            row(
                **_about(a),
                requested_at=a.requested_at,
                due_on=a.due_on,
                assessor_id=a.assessor_id,
                completed_at=a.completed_at,
                judgement=a.judgement_label,
                strengths=a.strengths,
                suggestions=a.suggestions,
                acknowledged_at=a.acknowledged_at,
                reflection=a.reflection,
            )
            for a in held
        ],
        # Their ratings and those the person gave, by the assessment's number above.
        "assessment_ratings": _ratings(held) + _ratings(given),
        # Actions taken: their own writing, the trainee by number, not the reflection.
        "assessments_you_completed": [
            row(
                **_about(a),
                trainee_id=a.trainee_id,
                completed_at=a.completed_at,
                judgement=a.judgement_label,
                strengths=a.strengths,
                suggestions=a.suggestions,
            )
            for a in given
        ],
    }


def erase_many(people: Sequence[User], *, when: datetime) -> None:
    """The rule in the module's docstring, for a batch of people at once."""
    held = Assessment.objects.filter(trainee__in=[person.pk for person in people])
    held.exclude(status__in=Assessment.DONE).delete()
    held.update(**dict.fromkeys(Assessment.TEXT_FIELDS, ""))
    words = mentions_of(people)
    for field in Assessment.TEXT_FIELDS:
        scrub_mentions(Assessment.objects.all(), field, words)
    # Kept, pointing at the anonymised person: completed assessments of the trainee
    # (nameless and wordless) and those the assessor completed for others.

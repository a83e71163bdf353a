"""Emails about assessments, queued in the outbox inside the change's transaction and
keyed so each piece of news reaches a person once."""

from attendance.models import Assessment
from balint.outbox import email_queue
from groups.models import Membership, User
from groups.selectors import scheme_organisers


def _assessors(assessment: Assessment) -> list[User]:
    """The group's leaders today who may complete the form."""
    memberships = (
        Membership.objects.current()
        .filter(group=assessment.session.group_id, role__in=assessment.form.assessor_roles)
        .exclude(person=assessment.trainee_id)
        .select_related("person")
        .order_by("person__email")
    )
    return [m.person for m in memberships]


def _tell(people: list[User], assessment: Assessment, kind: str) -> int:
    scheme = assessment.session.group.scheme
    return sum(
        bool(
            email_queue(
                kind=kind,
                object_key=f"assessment:{assessment.pk}",
                to=person.email,
                person=person,
                scheme=scheme,
                template=kind,
                context={"assessment": assessment, "session": assessment.session},
                named=[assessment.trainee, assessment.assessor],
            )
        )
        for person in people
    )


def _tell_who_may_complete(assessment: Assessment, kind: str) -> int:
    """To those who may complete it; with no one in the group today, to the scheme's
    organisers (once per request), who can give the group a leader."""
    assessors = _assessors(assessment)
    if assessors:
        return _tell(assessors, assessment, kind)
    organisers = scheme_organisers(assessment.session.group.scheme_id)
    return _tell(organisers, assessment, "assessment_unassigned")


def assessment_requested(assessment: Assessment) -> int:
    return _tell_who_may_complete(assessment, "assessment_requested")


def assessment_overdue(assessment: Assessment) -> int:
    return _tell_who_may_complete(assessment, "assessment_overdue")


def assessment_completed(assessment: Assessment) -> int:
    return _tell([assessment.trainee], assessment, "assessment_completed")

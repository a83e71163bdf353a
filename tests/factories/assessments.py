"""Test data for assessments: a scheme's form, and a trainee's request at a session they
attended (tests.factories.attendance's held Wednesdays, before NOW, 2 March 2026)."""

from dataclasses import replace

from attendance.assessments import services
from attendance.assessments.starting_form import starting_form
from attendance.models import Assessment, AssessmentForm, Attendance
from sessions.models import Session
from tests import factories
from tests.factories.attendance import AttendanceFactory, HeldSessionFactory, past_wednesdays


def form_of(scheme, **changes) -> AssessmentForm:
    """The shipped starting form in `scheme` (made by an organiser of it), with `changes`
    written past the services."""
    role = scheme.organisers.first() or factories.OrganiserFactory(scheme=scheme)
    definition = replace(starting_form(), name=changes.pop("name", starting_form().name))
    form = services.assessment_form_create(actor=role.person, scheme=scheme, definition=definition)
    if changes:
        AssessmentForm.objects.filter(pk=form.pk).update(**changes)
        form.refresh_from_db()
    return form


def attended(trainee, group, **session) -> Attendance:
    """A held session of `group` the trainee was present at: by default the latest
    Wednesday before NOW for which the group has no session yet."""
    if "slot_date" not in session:
        taken = set(Session.objects.filter(group=group).values_list("slot_date", flat=True))
        session["slot_date"] = next(d for d in reversed(past_wednesdays(12)) if d not in taken)
    held = HeldSessionFactory(group=group, **session)
    return AttendanceFactory(session=held, person=trainee, status=Attendance.Status.PRESENT)


def requested(trainee, group, form=None, **session) -> Assessment:
    """A request by `trainee` for an assessment of a session of `group` they attended."""
    form = form or form_of(group.scheme)
    record = attended(trainee, group, **session)
    return services.assessment_request(trainee=trainee, session=record.session, form=form)


def completed(assessment: Assessment, assessor, *, level: int = 2, judgement: int = 1, **text):
    ratings = {domain.pk: level for domain in assessment.form.domains.all()}
    return services.assessment_complete(
        assessor=assessor,
        assessment=assessment,
        ratings=ratings,
        judgement=judgement,
        strengths=text.get("strengths", "Listens well and says what the case stirs in them."),
        suggestions=text.get("suggestions", "Present again this term."),
    )

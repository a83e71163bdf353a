"""The assessments part of the demo: the scheme uses the shipped starting form, and the
demo trainee has three assessments of the first group's sessions they attended: one
completed by the group's leader and acknowledged with a reflection, one completed and
not yet read, and one request waiting for the demo leader, due in two weeks.

Called by `manage.py seed_demo` after the registers (attendance.demo) and before the
statement (attendance.statement_demo), which then counts the two completed; idempotent:
nothing is added once the demo trainee has an assessment in the scheme.
"""

from datetime import datetime, timedelta

from django.utils import timezone

from attendance.assessments import selectors, services
from attendance.models import Assessment, AssessmentForm
from groups.demo import DemoGroups

REFLECTION = (
    "I noticed how quickly I moved to advice when the case made me anxious. Next time I "
    "want to stay with what it stirs in me a little longer before I answer."
)


def _form(people: DemoGroups) -> AssessmentForm:
    in_use = selectors.forms_in_use(people.scheme).first()
    return in_use or services.assessment_form_start(actor=people.organiser, scheme=people.scheme)


def _backdated(assessment: Assessment, *, completed_after: int, read_after: int | None) -> None:
    """Asked the day after the session, completed and read some days later, as a trainee
    and a leader would: the demo is seeded in one moment. Never later than now."""
    now = timezone.now()

    def after(start: datetime, days: int) -> datetime:
        return min(start + timedelta(days=days), now)

    asked = after(assessment.session.ends_at, 1)
    done = after(asked, completed_after)
    Assessment.objects.filter(pk=assessment.pk).update(
        requested_at=asked,
        due_on=timezone.localdate(asked) + timedelta(days=assessment.form.days_to_complete),
        completed_at=done,
        acknowledged_at=None if read_after is None else after(done, read_after),
    )


def _complete(people: DemoGroups, assessment: Assessment, *, judgement: int, **text) -> Assessment:
    ratings = {domain.pk: 2 for domain in assessment.form.domains.all()}
    ratings[min(ratings)] = 3  # attendance and commitment: above the standard
    return services.assessment_complete(
        assessor=people.leader,
        assessment=assessment,
        ratings=ratings,
        judgement=judgement,
        **text,
    )


def seed(people: DemoGroups) -> None:
    form = _form(people)
    trainee = people.trainee
    if Assessment.objects.filter(trainee=trainee, form__scheme=people.scheme).exists():
        return
    attended = [
        record.session
        for record in selectors.attended_for_request(trainee).filter(
            session__group=people.groups[0]
        )
    ]  # the latest first
    if len(attended) < 3:
        return
    oldest, older, latest = attended[-1], attended[-2], attended[0]

    def ask(session):
        return services.assessment_request(trainee=trainee, session=session, form=form)

    read = _complete(
        people,
        ask(oldest),
        judgement=1,
        strengths="Brought a case that clearly troubled them and let the group work with it.",
        suggestions="Notice the pull to give advice; stay with the feelings a little longer.",
    )
    services.assessment_acknowledge(trainee=trainee, assessment=read, reflection=REFLECTION)
    _backdated(read, completed_after=4, read_after=2)
    unread = _complete(
        people,
        ask(older),
        judgement=1,
        strengths="Listened closely and offered what the case made them feel, not only facts.",
        suggestions="Try presenting again this term.",
    )
    _backdated(unread, completed_after=5, read_after=None)
    ask(latest)  # waiting for the demo leader, due in the form's fourteen days

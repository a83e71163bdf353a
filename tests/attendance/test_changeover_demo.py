"""attendance/changeover/demo.py: the scheme's rotation dates and the next GP changeover,
with leavers and a joiner, ready for the organiser to preview and apply."""

from datetime import timedelta

from django.utils import timezone

from attendance.changeover import demo, services
from attendance.changeover.selectors import changeover_preview, next_rotation_day
from attendance.models import RotationDate
from groups import demo as groups_demo


def test_the_demo_has_an_upcoming_changeover_with_leavers_and_a_joiner(db):
    people = groups_demo.seed()
    demo.seed(people)
    demo.seed(people)  # idempotent

    day = next_rotation_day(people.scheme, timezone.localdate())
    plan = changeover_preview(people.scheme, day)

    assert day == timezone.localdate() + timedelta(days=61)
    assert RotationDate.objects.filter(scheme=people.scheme).count() == (
        demo.GP_DATES + demo.PSYCHIATRY_DATES
    )
    assert plan.problems == [] and plan.changes
    # Their four months end the day before; the sixth GP trainee leaves sooner.
    assert {r.membership.group for r in plan.leaving} == {people.groups[2]}
    assert len(plan.leaving) == 5 and all(r.ends_already for r in plan.leaving)
    assert [(r.email, r.how) for r in plan.joiners] == [(demo.JOINER[0], "arranged")]
    applied = services.changeover_apply(
        actor=people.organiser, scheme=people.scheme, day=day, joiners=[]
    )
    assert applied.told == 6

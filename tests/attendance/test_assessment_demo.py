"""The assessments part of the demo (attendance.assessments.demo, run by `seed_demo`): the
starting form, the demo trainee's three assessments, the demo leader's waiting request,
the statement that counts them, and a second run that changes nothing."""

import pytest
from django.utils import timezone

from attendance.assessments import demo, selectors
from attendance.assessments.starting_form import starting_form
from attendance.models import Assessment, AssessmentForm, AssessmentRating, Statement
from balint.models import OutboundEmail
from groups import demo as groups_demo
from groups.models import Membership, Scheme, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_people(seeded_demo):
    return {
        "trainee": User.objects.get(email="trainee@example.com"),
        "leader": User.objects.get(email="leader@example.com"),
        "scheme": Scheme.objects.get(name=groups_demo.SCHEME_NAME),
    }


def of_trainee(demo_people, status):
    return Assessment.objects.select_related("session__group", "assessor").get(
        trainee=demo_people["trainee"], status=status
    )


def test_the_demo_scheme_uses_the_starting_form(demo_people):
    (form,) = selectors.forms_in_use(demo_people["scheme"])

    assert form.name == starting_form().name
    assert form.domains.count() == len(starting_form().domains)


def test_the_trainee_has_one_read_one_unread_and_one_waiting(demo_people):
    trainee = demo_people["trainee"]

    statuses = sorted(Assessment.objects.filter(trainee=trainee).values_list("status", flat=True))

    assert statuses == ["acknowledged", "completed", "requested"]


def test_the_acknowledged_one_is_by_their_groups_leader_with_a_reflection(demo_people):
    read = of_trainee(demo_people, Assessment.Status.ACKNOWLEDGED)

    assert read.assessor == demo_people["leader"]
    assert Membership.objects.filter(
        person=read.assessor, group=read.session.group, role=Membership.Role.LEADER
    ).exists()
    assert read.session.attendance.filter(
        person=demo_people["trainee"], status__in=selectors.ATTENDED
    ).exists()
    assert read.reflection and read.strengths and read.suggestions
    assert read.requested_at < read.completed_at < read.acknowledged_at <= timezone.now()
    assert read.ratings.count() == len(starting_form().domains)


def test_the_completed_one_waits_to_be_read(demo_people):
    unread = of_trainee(demo_people, Assessment.Status.COMPLETED)

    assert unread.assessor == demo_people["leader"]
    assert (unread.acknowledged_at, unread.reflection) == (None, "")


def test_the_demo_leader_has_a_request_waiting_due_in_the_future(demo_people):
    (waiting,) = selectors.requests_to(demo_people["leader"])

    assert waiting.trainee == demo_people["trainee"]
    assert waiting.due_on > timezone.localdate()


def test_the_demo_statement_counts_the_completed_two(demo_people):
    statement = Statement.objects.get(person=demo_people["trainee"], scheme=demo_people["scheme"])

    assert statement.assessments_completed == 2


def everything() -> list:
    return [
        list(AssessmentForm.objects.order_by("pk").values()),
        list(Assessment.objects.order_by("pk").values()),
        list(AssessmentRating.objects.order_by("pk").values()),
        OutboundEmail.objects.count(),
    ]


def test_running_it_again_changes_nothing(demo_people):
    before = everything()

    demo.seed(groups_demo.seed())

    assert everything() == before

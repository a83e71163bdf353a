"""Assessments in a person's data (attendance.assessments.privacy, through the attendance
app's part): the download holds them, and erasure keeps a trainee's completed assessments
without their text, deletes their open requests, and keeps an assessor's work."""

import io
import json
import zipfile
from datetime import date

import pytest
from django.db import transaction
from django.utils import timezone

from attendance.assessments import services as assessment_services
from attendance.models import Assessment, AssessmentRating
from attendance.privacy import part
from balint import privacy
from balint.privacy import ERASED_MENTION
from groups import services as group_services
from groups.models import ERASED_NAME, Membership
from tests import factories
from tests.factories.assessments import completed, form_of, requested
from tests.factories.attendance import past_wednesdays

pytestmark = pytest.mark.usefixtures("frozen_now")

EARLIER, *DAYS = past_wednesdays(5)  # 28 January, then 4 to 25 February 2026


@pytest.fixture
def form(scheme, organiser):
    return form_of(scheme)


@pytest.fixture
def acknowledged(trainee, group, form, leader):
    """The trainee's assessment of 4 February, completed by the leader and acknowledged."""
    assessment = completed(
        requested(trainee, group, form, slot_date=DAYS[0]),
        leader,
        level=2,
        judgement=1,
        strengths="Brought a case that troubled them.",
        suggestions="Say more about your own feelings.",
    )
    return assessment_services.assessment_acknowledge(
        trainee=trainee, assessment=assessment, reflection="I will try to say more."
    )


@pytest.fixture
def every_state(acknowledged, trainee, group, form, leader):
    """Beside the acknowledged one: completed, requested and withdrawn."""
    done = completed(requested(trainee, group, form, slot_date=DAYS[1]), leader)
    waiting = requested(trainee, group, form, slot_date=DAYS[2])
    withdrawn = assessment_services.assessment_withdraw(
        trainee=trainee, assessment=requested(trainee, group, form, slot_date=DAYS[3])
    )
    return acknowledged, done, waiting, withdrawn


@pytest.fixture
def other_trainee(group):
    return factories.MembershipFactory(group=group, person__full_name="Dr Ottilie Other").person


def erase(*people):
    part.erase_many(list(people), when=timezone.now())


# --- The download -----------------------------------------------------------------------


def test_the_download_holds_the_trainees_assessment_whole(acknowledged, trainee, leader, group):
    exported = privacy.personal_data(trainee)["attendance"]

    (held,) = exported["assessments"]
    assert held == {
        "assessment_id": acknowledged.pk,
        "form": "Case-based discussion group assessment",
        "scheme": group.scheme.name,
        "session_id": acknowledged.session_id,
        "group": group.name,
        "date": "2026-02-04",
        "status": "Acknowledged",
        "requested_at": acknowledged.requested_at.isoformat(),
        "due_on": "2026-03-16",
        "assessor_id": leader.pk,
        "completed_at": acknowledged.completed_at.isoformat(),
        "judgement": "At the standard for this stage of training",
        "strengths": "Brought a case that troubled them.",
        "suggestions": "Say more about your own feelings.",
        "acknowledged_at": acknowledged.acknowledged_at.isoformat(),
        "reflection": "I will try to say more.",
    }
    ratings = exported["assessment_ratings"]
    assert len(ratings) == 5
    assert ratings[0] == {
        "assessment_id": acknowledged.pk,
        "domain": "Attendance and commitment",
        "rating": "Meets the standard expected",
    }
    assert exported["assessments_you_completed"] == []


def test_the_zip_has_the_assessments_as_a_spreadsheet_too(acknowledged, trainee):
    archive = zipfile.ZipFile(io.BytesIO(privacy.personal_data_zip(trainee)))

    assert "I will try to say more." in archive.read("attendance/assessments.csv").decode()
    assert "Not observed" not in archive.read("attendance/assessment_ratings.csv").decode()


def test_the_assessors_download_holds_what_they_wrote_and_no_one_elses_name(
    acknowledged, trainee, leader
):
    exported = part.export(leader)

    (given,) = exported["assessments_you_completed"]
    assert (given["assessment_id"], given["trainee_id"]) == (acknowledged.pk, trainee.pk)
    assert given["strengths"] == "Brought a case that troubled them."
    assert given["judgement"] == "At the standard for this stage of training"
    assert "reflection" not in given  # the trainee's writing, not theirs
    assert len(exported["assessment_ratings"]) == 5
    assert exported["assessments"] == []
    # Other people by number only, both ways round.
    assert trainee.full_name not in json.dumps(exported)
    assert leader.full_name not in json.dumps(part.export(trainee))


def test_a_request_is_in_the_trainees_download_and_not_the_leaders(trainee, group, form, leader):
    waiting = requested(trainee, group, form)

    (held,) = part.export(trainee)["assessments"]
    assert (held["assessment_id"], held["status"], held["assessor_id"]) == (
        waiting.pk,
        "Requested",
        None,
    )
    assert part.export(leader)["assessments_you_completed"] == []


# --- Erasure ------------------------------------------------------------------------------


def test_erasing_the_trainee_keeps_their_completed_assessments_without_text(every_state, trainee):
    acknowledged, done, waiting, withdrawn = every_state
    ratings = list(AssessmentRating.objects.order_by("pk").values_list("assessment", "level"))

    erase(trainee)

    kept = Assessment.objects.order_by("pk")
    assert list(kept) == [acknowledged, done]
    assert not Assessment.objects.filter(pk__in=[waiting.pk, withdrawn.pk]).exists()
    for assessment in kept:
        assert (assessment.strengths, assessment.suggestions, assessment.reflection) == ("", "", "")
        assert assessment.judgement == 1 and assessment.assessor_id is not None
    assert kept[0].status == Assessment.Status.ACKNOWLEDGED
    assert kept[0].acknowledged_at == acknowledged.acknowledged_at
    # The ratings stay: the figures count these assessments, and no name is left on them.
    assert list(AssessmentRating.objects.order_by("pk").values_list("assessment", "level")) == (
        ratings
    )


def test_erasing_a_trainee_leaves_another_trainees_alone(
    acknowledged, other_trainee, group, form, leader
):
    theirs = completed(
        requested(other_trainee, group, form, slot_date=DAYS[1]), leader, strengths="Curious."
    )

    erase(acknowledged.trainee)

    theirs.refresh_from_db()
    assert theirs.strengths == "Curious."


def test_erasing_the_assessor_keeps_their_assessments_and_scrubs_their_name(
    acknowledged, trainee, leader
):
    leader.full_name = "Dr Lorcan Ballantyne"
    leader.save()
    Assessment.objects.filter(pk=acknowledged.pk).update(
        reflection="Dr Lorcan Ballantyne asked the right question."
    )

    erase(leader)

    acknowledged.refresh_from_db()
    assert acknowledged.status == Assessment.Status.ACKNOWLEDGED
    assert acknowledged.assessor_id == leader.pk  # the trainee's evidence, still theirs
    assert acknowledged.strengths == "Brought a case that troubled them."
    assert acknowledged.reflection == f"{ERASED_MENTION} asked the right question."


def test_the_whole_erasure_leaves_the_assessment_to_an_anonymised_assessor(
    acknowledged, trainee, leader, organiser, scheme
):
    Membership.objects.filter(person=leader).update(end_date=date(2026, 2, 28))

    group_services.person_erase(actor=organiser, person=leader, scheme=scheme)

    acknowledged = Assessment.objects.select_related("assessor").get(pk=acknowledged.pk)
    assert acknowledged.assessor.full_name == ERASED_NAME
    assert acknowledged.is_done
    assert part.export(trainee)["assessments"][0]["assessor_id"] == leader.pk


def after(erasure) -> list[dict]:
    """The assessments and ratings an erasure leaves, the erasure then undone."""
    point = transaction.savepoint()
    erasure()
    state = [
        *Assessment.objects.order_by("pk").values(),
        *AssessmentRating.objects.order_by("pk").values(),
    ]
    transaction.savepoint_rollback(point)
    return state


def test_erasing_many_at_once_is_erasing_each_in_turn(
    every_state, trainee, other_trainee, group, form, leader
):
    trainee.full_name = "Dr Zebedee Quintessa"
    trainee.save()
    theirs = completed(
        requested(other_trainee, group, form, slot_date=EARLIER),
        leader,
        strengths="Picked up what Dr Zebedee Quintessa said.",
    )
    Assessment.objects.filter(pk=every_state[0].pk).update(
        reflection="Dr Ottilie Other helped me see it."
    )
    when = timezone.now()

    together = after(lambda: part.erase_many([trainee, other_trainee], when=when))
    in_turn = after(lambda: [part.erase(person, when=when) for person in (trainee, other_trainee)])

    assert together == in_turn
    kept = {row["id"]: row for row in together if "form_id" in row}
    assert kept[theirs.pk]["strengths"] == ""  # Otto's own assessment: blanked
    assert set(kept) == {every_state[0].pk, every_state[1].pk, theirs.pk}

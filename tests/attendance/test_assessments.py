"""attendance.assessments.services: the request → complete → acknowledge flow, who may do
each step, the identifier guard on free text, and the one overdue reminder."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError

from attendance.assessments import selectors, services
from attendance.assessments.tasks import remind_overdue_assessments
from attendance.models import Assessment, AssessmentForm, AssessmentRating, Attendance
from balint.models import OutboundEmail
from groups.models import Membership
from tests import factories
from tests.factories.assessments import attended, completed, form_of, requested

pytestmark = pytest.mark.usefixtures("frozen_now")


@pytest.fixture
def form(scheme, organiser):
    return form_of(scheme)


@pytest.fixture
def waiting(trainee, group, form, leader):
    return requested(trainee, group, form)


def kinds(**filters) -> list[str]:
    return sorted(OutboundEmail.objects.filter(**filters).values_list("kind", flat=True))


def test_a_request_is_due_after_the_forms_days_and_tells_the_leaders(
    leader, co_leader, waiting, trainee
):
    assert waiting.status == Assessment.Status.REQUESTED
    assert waiting.due_on == date(2026, 3, 16)  # 2 March + 14 days
    assert kinds(to=leader.email) == ["assessment_requested"]
    assert kinds(to=co_leader.email) == ["assessment_requested"]
    assert kinds(to=trainee.email) == []


def test_only_the_leader_is_told_when_the_form_asks_for_the_leader(
    trainee, group, scheme, organiser, leader, co_leader
):
    form = form_of(scheme, assessor=AssessmentForm.Assessor.LEADER)
    requested(trainee, group, form)
    assert kinds(to=leader.email) == ["assessment_requested"]
    assert kinds(to=co_leader.email) == []


def test_with_no_one_to_complete_it_the_schemes_organisers_are_told(
    trainee, group, form, organiser
):
    """Else the request would wait unseen. Once the group has a leader, they find it."""
    factories.OrganiserFactory()  # another scheme's

    assessment = requested(trainee, group, form)

    assert sorted(OutboundEmail.objects.values_list("to", "kind")) == [
        (organiser.email, "assessment_unassigned")
    ]
    email = OutboundEmail.objects.get()
    assert trainee.full_name in email.subject
    assert f"/groups/{group.pk}/" in email.body_text
    leader = factories.LeaderFactory(group=group).person
    assert list(selectors.requests_to(leader)) == [assessment]


@pytest.mark.parametrize("status", [Attendance.Status.ABSENT, Attendance.Status.APOLOGIES])
def test_a_session_not_attended_cannot_be_assessed(trainee, group, form, status):
    record = attended(trainee, group)
    Attendance.objects.filter(pk=record.pk).update(status=status)
    with pytest.raises(PermissionDenied):
        services.assessment_request(trainee=trainee, session=record.session, form=form)


def test_a_session_older_than_90_days_cannot_be_assessed(trainee, group, form):
    record = attended(trainee, group, slot_date=date(2025, 11, 26))
    with pytest.raises(PermissionDenied):
        services.assessment_request(trainee=trainee, session=record.session, form=form)


def test_another_schemes_or_a_retired_form_is_refused(trainee, group, form, organiser):
    record = attended(trainee, group)
    elsewhere = form_of(factories.SchemeFactory())
    with pytest.raises(ValidationError):
        services.assessment_request(trainee=trainee, session=record.session, form=elsewhere)
    form_of(form.scheme, name="Still in use")
    services.assessment_form_retire(actor=organiser, form=form)
    with pytest.raises(ValidationError, match="not in use"):
        services.assessment_request(trainee=trainee, session=record.session, form=form)


def test_no_form_in_use_means_nothing_to_ask_for(trainee, group, form, organiser):
    record = attended(trainee, group)
    services.assessment_form_retire(actor=organiser, form=form)
    assert not selectors.attended_for_request(trainee).exists()
    with pytest.raises(PermissionDenied):
        services.assessment_request(trainee=trainee, session=record.session, form=form)


def test_the_same_request_twice_is_refused_and_allowed_again_after_withdrawing(waiting, trainee):
    with pytest.raises(ValidationError, match="asked"):
        services.assessment_request(trainee=trainee, session=waiting.session, form=waiting.form)
    services.assessment_withdraw(trainee=trainee, assessment=waiting)
    again = services.assessment_request(trainee=trainee, session=waiting.session, form=waiting.form)
    assert again.status == Assessment.Status.REQUESTED


def test_only_the_trainee_withdraws_and_only_while_waiting(waiting, trainee, leader):
    with pytest.raises(PermissionDenied):
        services.assessment_withdraw(trainee=leader, assessment=waiting)
    completed(waiting, leader)
    with pytest.raises(ValidationError):
        services.assessment_withdraw(trainee=trainee, assessment=waiting)


def test_the_leader_completes_and_the_trainee_is_told(waiting, leader, trainee):
    done = completed(waiting, leader, level=3, judgement=2)
    assert done.status == Assessment.Status.COMPLETED
    assert done.assessor == leader
    assert done.judgement_label == done.form.judgements[2]
    assert [r.level for r in done.ratings.all()] == [3] * done.form.domains.count()
    assert kinds(to=trainee.email) == ["assessment_completed"]


def test_not_observed_is_a_rating(waiting, leader):
    domains = list(waiting.form.domains.all())
    ratings = {d.pk: None for d in domains} | {domains[0].pk: 1}
    services.assessment_complete(
        assessor=leader,
        assessment=waiting,
        ratings=ratings,
        judgement=1,
        strengths="",
        suggestions="",
    )
    labels = [r.label for r in AssessmentRating.objects.filter(assessment=waiting)]
    assert labels[0] == waiting.form.scale[1]
    assert labels[1:] == ["Not observed"] * (len(domains) - 1)


@pytest.mark.parametrize(
    "who", ["trainee", "organiser", "other_group_leader", "stranger", "former_leader"]
)
def test_no_one_but_the_groups_leaders_completes(waiting, request, who):
    with pytest.raises(PermissionDenied):
        completed(waiting, request.getfixturevalue(who))
    assert Assessment.objects.get(pk=waiting.pk).status == Assessment.Status.REQUESTED


def test_a_co_leader_completes_only_when_the_form_allows(
    trainee, group, scheme, organiser, leader, co_leader
):
    either = requested(trainee, group, form_of(scheme))
    completed(either, co_leader)
    leader_only = requested(trainee, group, form_of(scheme, name="Leader only", assessor="leader"))
    with pytest.raises(PermissionDenied):
        completed(leader_only, co_leader)


def test_a_leader_who_is_also_the_trainee_cannot_assess_themselves(group, form, leader):
    record = attended(leader, group)
    mine = services.assessment_request(trainee=leader, session=record.session, form=form)
    with pytest.raises(PermissionDenied):
        completed(mine, leader)
    assert not kinds(to=leader.email, kind="assessment_requested")


@pytest.mark.parametrize(
    ("field", "text"),
    [
        ("strengths", "Presented Mr Murphy with great care."),
        ("suggestions", "The patient (DOB 01/02/1960) raised much."),
        ("strengths", "Spoke of MRN 1234567 case."),
    ],
)
def test_free_text_passes_the_identifier_guard(waiting, leader, field, text):
    with pytest.raises(ValidationError) as refused:
        completed(waiting, leader, **{field: text})
    assert field in refused.value.message_dict
    assert "could identify a patient" in refused.value.message_dict[field][0]
    waiting.refresh_from_db()
    assert waiting.status == Assessment.Status.REQUESTED
    assert not AssessmentRating.objects.exists()


def test_every_domain_needs_a_rating_from_the_scale(waiting, leader):
    domains = list(waiting.form.domains.all())
    for ratings, judgement in (
        ({d.pk: 1 for d in domains[1:]}, 1),  # one domain left out
        ({d.pk: len(waiting.form.scale) for d in domains}, 1),  # past the scale
        ({d.pk: 1 for d in domains}, len(waiting.form.judgements)),  # past the judgements
    ):
        with pytest.raises(ValidationError):
            services.assessment_complete(
                assessor=leader,
                assessment=waiting,
                ratings=ratings,
                judgement=judgement,
                strengths="",
                suggestions="",
            )
    assert Assessment.objects.get(pk=waiting.pk).status == Assessment.Status.REQUESTED


def test_completing_twice_is_refused(waiting, leader):
    completed(waiting, leader)
    with pytest.raises(PermissionDenied):  # no longer waiting on anyone
        completed(waiting, leader)


def test_the_trainee_acknowledges_with_a_guarded_reflection(waiting, leader, trainee):
    with pytest.raises(ValidationError):  # not completed yet
        services.assessment_acknowledge(trainee=trainee, assessment=waiting, reflection="")
    completed(waiting, leader)
    with pytest.raises(PermissionDenied):
        services.assessment_acknowledge(trainee=leader, assessment=waiting, reflection="")
    with pytest.raises(ValidationError):
        services.assessment_acknowledge(
            trainee=trainee, assessment=waiting, reflection="Ms O'Brien reminded me of home."
        )
    done = services.assessment_acknowledge(
        trainee=trainee, assessment=waiting, reflection="I notice I rush to fix things."
    )
    assert done.status == Assessment.Status.ACKNOWLEDGED
    assert done.acknowledged_at is not None


def test_the_database_refuses_a_completed_assessment_without_a_judgement(waiting, leader):
    with pytest.raises(IntegrityError):
        Assessment.objects.filter(pk=waiting.pk).update(status=Assessment.Status.COMPLETED)


def test_the_database_refuses_two_open_requests_for_one_session(waiting):
    with pytest.raises(IntegrityError):
        Assessment.objects.create(
            form=waiting.form,
            trainee=waiting.trainee,
            session=waiting.session,
            requested_at=waiting.requested_at,
            due_on=waiting.due_on,
        )


def test_overdue_requests_remind_the_leaders_once(waiting, leader, frozen_now):
    assert services.assessments_remind_overdue(today=waiting.due_on) == 0  # due today: not late
    day_after = waiting.due_on + timedelta(days=1)
    assert services.assessments_remind_overdue(today=day_after) == 1
    assert services.assessments_remind_overdue(today=day_after + timedelta(days=3)) == 0
    assert kinds(to=leader.email) == ["assessment_overdue", "assessment_requested"]


def test_a_request_whose_leaders_have_gone_when_it_falls_due_tells_the_organisers(
    waiting, leader, organiser, frozen_now
):
    late = waiting.due_on + timedelta(days=1)
    Membership.objects.filter(person=leader).update(end_date=waiting.due_on)
    frozen_now.move_to(datetime.combine(late, time(12), tzinfo=UTC))

    assert services.assessments_remind_overdue(today=late) == 1

    assert kinds(to=organiser.email) == ["assessment_unassigned"]
    assert kinds(to=leader.email) == ["assessment_requested"]


def test_a_completed_or_withdrawn_request_is_not_reminded(waiting, leader, trainee, group, form):
    other = requested(trainee, group, form)
    completed(waiting, leader)
    services.assessment_withdraw(trainee=trainee, assessment=other)
    late = waiting.due_on + timedelta(days=5)
    assert services.assessments_remind_overdue(today=late) == 0


def test_year_counts_count_completed_assessments_in_the_training_year(
    scheme, group, form, trainee, leader
):
    # Training years start in July by default: 2025-07-01 to 2026-06-30 holds NOW.
    completed(requested(trainee, group, form), leader)
    requested(trainee, group, form)  # waiting: not counted
    counts = selectors.year_counts(trainee, scheme)
    assert (counts.first, counts.last) == (date(2025, 7, 1), date(2026, 6, 30))
    assert (counts.done, counts.required, counts.met) == (1, 1, True)


def test_year_counts_leave_out_other_years(scheme, group, form, trainee, leader):
    scheme.requirement.training_year_starts = 3  # the year now starts on 1 March 2026
    scheme.requirement.save()
    completed(requested(trainee, group, form), leader)  # a February session
    counts = selectors.year_counts(trainee, scheme)
    assert counts.first == date(2026, 3, 1)
    assert (counts.done, counts.met) == (0, False)


@pytest.mark.parametrize(
    ("day", "month", "first"),
    [
        (date(2026, 7, 1), 7, date(2026, 7, 1)),
        (date(2026, 6, 30), 7, date(2025, 7, 1)),
        (date(2026, 1, 1), 1, date(2026, 1, 1)),
        (date(2026, 12, 31), 8, date(2026, 8, 1)),
    ],
)
def test_training_year_bounds(day, month, first):
    start, end = selectors.training_year(day, month)
    assert start == first
    assert end == date(first.year + 1, first.month, 1) - timedelta(days=1)


def test_requests_to_lists_only_what_waits_on_the_user(
    leader, co_leader, other_group_leader, waiting, trainee
):
    assert list(selectors.requests_to(leader)) == [waiting]
    assert list(selectors.requests_to(co_leader)) == [waiting]
    assert list(selectors.requests_to(other_group_leader)) == []
    assert list(selectors.requests_to(trainee)) == []
    Membership.objects.filter(person=leader).update(end_date=date(2026, 3, 1))
    assert list(selectors.requests_to(leader)) == []


def test_the_daily_task_reminds_once_and_beat_runs_it_every_morning(waiting, leader, frozen_now):
    frozen_now.shift(timedelta(days=15))  # past the due day (16 March)
    assert remind_overdue_assessments() == 1
    assert remind_overdue_assessments() == 0
    entries = [
        e
        for e in settings.CELERY_BEAT_SCHEDULE.values()
        if e["task"] == remind_overdue_assessments.name
    ]
    assert len(entries) == 1
    assert (entries[0]["schedule"].hour, entries[0]["schedule"].minute) == ({8}, {0})


def test_the_emails_name_the_form_the_session_and_the_page(waiting, leader, trainee):
    asked = OutboundEmail.objects.get(to=leader.email, kind="assessment_requested")
    assert trainee.full_name in asked.subject
    assert waiting.form.name in asked.body_text
    assert f"/assessments/{waiting.pk}/complete/" in asked.body_text
    assert "16 March 2026" in asked.body_text  # the day it is due
    completed(waiting, leader)
    told = OutboundEmail.objects.get(to=trainee.email, kind="assessment_completed")
    assert leader.full_name in told.body_text
    assert f"/assessments/{waiting.pk}/" in told.body_text

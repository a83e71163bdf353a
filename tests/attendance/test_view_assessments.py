"""`/assessments/` (the trainee's own, and asking for one), `/assessments/request/`,
`/assessments/<pk>/withdraw/` and `/assessments/to-complete/` (the leader's waiting
requests); and the whole flow through the pages: request, complete, acknowledge."""

from datetime import date

import pytest
from django.utils.html import escape

from attendance.assessments import services
from attendance.models import Assessment, AssessmentForm, Attendance
from balint.models import OutboundEmail
from tests import factories
from tests.access import access, assert_sign_in_first
from tests.attendance.test_view_assessment_complete import answers, messages_of
from tests.factories.assessments import attended, completed, form_of, requested
from tests.factories.attendance import AttendanceFactory, HeldSessionFactory, past_wednesdays

pytestmark = pytest.mark.usefixtures("frozen_now")

MINE = "/assessments/"
REQUEST = "/assessments/request/"
TO_COMPLETE = "/assessments/to-complete/"


def withdraw_url(assessment) -> str:
    return f"/assessments/{assessment.pk}/withdraw/"


@pytest.fixture
def form(scheme, organiser):
    return form_of(scheme)


@pytest.fixture
def record(group, trainee, leader, form):
    """The trainee was at the group's session of Wednesday 25 February."""
    group.name = "Wicklow"
    group.save(update_fields=["name"])
    return attended(trainee, group)


def test_signed_out_is_sent_to_sign_in(client, db):
    for address in (MINE, TO_COMPLETE):
        assert_sign_in_first(client, address)
    for address in (REQUEST, "/assessments/1/withdraw/"):
        assert_sign_in_first(client, address, method="post")


# --- The trainee's page ----------------------------------------------------------------


@pytest.mark.parametrize(("role", "status"), access(default=200))
def test_everyone_signed_in_has_a_page_of_their_own(record, role, status, signed_in):
    response = signed_in.get(MINE)

    assert response.status_code == status
    # Only the trainee attended a session: only they are offered one.
    assert ("Wicklow — Wed 25 Feb 2026" in response.content.decode()) is (role == "trainee")


def test_the_session_presented_at_is_marked_and_chosen(client, group, trainee, form, record):
    presented = HeldSessionFactory(group=group, slot_date=date(2026, 2, 18), presenter=trainee)
    AttendanceFactory(session=presented, person=trainee)
    client.force_login(trainee)

    page = client.get(MINE).content.decode()

    assert f'<option value="{record.session_id}">Wicklow — Wed 25 Feb 2026</option>' in page
    assert (
        f'<option value="{presented.pk}" selected>Wicklow — Wed 18 Feb 2026 · you presented' in page
    )
    # One form in the scheme: named, not chosen.
    assert 'name="assessment_form"' not in page
    assert f"Assessment: {form.name}" in page


def test_with_two_forms_in_use_the_trainee_chooses(client, scheme, trainee, form, record):
    other = form_of(scheme, name="Reflective writing")
    client.force_login(trainee)

    page = client.get(MINE).content.decode()

    assert 'name="assessment_form"' in page
    assert f'<option value="{other.pk}">Reflective writing</option>' in page


def test_no_form_in_use_is_said(client, group, trainee, form):
    AssessmentForm.objects.update(retired_at=form.created_at)
    attended(trainee, group)
    client.force_login(trainee)

    page = client.get(MINE).content.decode()

    assert "Your scheme has no assessment forms in use" in page
    assert 'name="session"' not in page


def test_nothing_attended_in_90_days_is_said(client, group, trainee, form):
    attended(trainee, group, slot_date=date(2025, 11, 26))  # 96 days before
    client.force_login(trainee)

    page = client.get(MINE).content.decode()

    assert "You can ask about a session you attended in the last 90 days" in page
    assert 'name="session"' not in page


def test_the_list_shows_waiting_completed_and_acknowledged_not_withdrawn(
    client, group, trainee, leader, form
):
    days = past_wednesdays(4)
    waiting, done, read, gone = (requested(trainee, group, form, slot_date=d) for d in days)
    completed(done, leader)
    completed(read, leader)
    services.assessment_acknowledge(trainee=trainee, assessment=read, reflection="")
    services.assessment_withdraw(trainee=trainee, assessment=gone)
    client.force_login(trainee)

    page = client.get(MINE).content.decode()

    assert "Waiting for the group’s leaders, due 16 Mar 2026" in page
    assert f'action="{withdraw_url(waiting)}"' in page
    assert "Completed: read and acknowledge it" in page
    assert f'href="/assessments/{done.pk}/"' in page
    assert f'href="/assessments/{read.pk}/"' in page
    assert "Acknowledged 2 Mar 2026" in page
    assert f"— {days[3]:%a %-d %b %Y}" not in page.split("Your assessments")[1]


# --- Asking ----------------------------------------------------------------------------


def test_asking_tells_the_groups_leaders(client, trainee, leader, co_leader, form, record):
    client.force_login(trainee)

    response = client.post(REQUEST, {"session": record.session_id})

    assert response.status_code == 302
    assert response["Location"] == MINE
    assert "Asked: Wicklow’s leaders are told by email." in messages_of(response)
    assessment = Assessment.objects.get()
    assert (assessment.trainee, assessment.session, assessment.form) == (
        trainee,
        record.session,
        form,
    )
    told = OutboundEmail.objects.filter(kind="assessment_requested")
    assert set(told.values_list("to", flat=True)) == {leader.email, co_leader.email}


def test_a_session_not_attended_is_refused(client, group, trainee, form, record):
    missed = HeldSessionFactory(group=group, slot_date=date(2026, 2, 18))
    AttendanceFactory(session=missed, person=trainee, status=Attendance.Status.ABSENT)
    client.force_login(trainee)

    response = client.post(REQUEST, {"session": missed.pk})

    assert "Choose a session you attended in the last 90 days." in messages_of(response)
    assert not Assessment.objects.exists()


@pytest.mark.parametrize(("role", "status"), access(default=302))
def test_only_the_one_who_attended_can_ask(record, role, status, signed_in):
    response = signed_in.post(REQUEST, {"session": record.session_id})

    assert response.status_code == status
    assert Assessment.objects.exists() is (role == "trainee")


def test_asking_twice_is_refused(client, trainee, form, record):
    client.force_login(trainee)
    client.post(REQUEST, {"session": record.session_id})

    response = client.post(REQUEST, {"session": record.session_id})

    assert "You have asked for this assessment of that session." in messages_of(response)
    assert Assessment.objects.count() == 1


def test_a_form_of_another_scheme_is_refused(client, scheme, trainee, form, record):
    form_of(scheme, name="Reflective writing")  # two forms: the trainee chooses
    elsewhere = form_of(factories.SchemeFactory())
    client.force_login(trainee)

    response = client.post(REQUEST, {"session": record.session_id, "assessment_form": elsewhere.pk})

    assert "Choose one of the assessments in use." in messages_of(response)
    assert not Assessment.objects.exists()


# --- Withdrawing -----------------------------------------------------------------------


@pytest.mark.parametrize(("role", "status"), access(trainee=302))
def test_only_the_trainee_withdraws_their_request(group, trainee, form, role, status, signed_in):
    waiting = requested(trainee, group, form)

    response = signed_in.post(withdraw_url(waiting))

    assert response.status_code == status
    waiting.refresh_from_db()
    assert (waiting.status == Assessment.Status.WITHDRAWN) is (role == "trainee")


def test_withdrawn_it_leaves_the_leaders_list_and_can_be_asked_again(
    client, group, trainee, leader, form
):
    waiting = requested(trainee, group, form)
    client.force_login(trainee)

    response = client.post(withdraw_url(waiting))

    assert f"Withdrawn: your request for a {form.name}." in messages_of(response)
    client.force_login(leader)
    assert client.get(f"/assessments/{waiting.pk}/complete/").status_code == 404
    client.force_login(trainee)
    client.post(REQUEST, {"session": waiting.session_id})
    assert Assessment.objects.filter(status=Assessment.Status.REQUESTED).count() == 1


def test_a_completed_assessment_cannot_be_withdrawn(client, group, trainee, leader, form):
    done = completed(requested(trainee, group, form), leader)
    client.force_login(trainee)

    response = client.post(withdraw_url(done))

    assert "That assessment is no longer waiting." in messages_of(response)
    done.refresh_from_db()
    assert done.status == Assessment.Status.COMPLETED


# --- The leader's list -----------------------------------------------------------------


@pytest.mark.parametrize(("role", "status"), access(default=200, co_leader=200))
def test_the_list_to_complete_holds_only_what_waits_on_you(
    group, trainee, leader, form, role, status, signed_in
):
    trainee.full_name = "Dr Aoife Byrne"
    trainee.save()
    requested(trainee, group, form)

    response = signed_in.get(TO_COMPLETE)

    assert response.status_code == status
    assert ('<th scope="row">Dr Aoife Byrne</th>' in response.content.decode()) is (
        role in ("leader", "co_leader")
    )


def test_an_overdue_request_is_marked(client, group, trainee, leader, form):
    late = requested(trainee, group, form, slot_date=date(2026, 2, 18))
    Assessment.objects.filter(pk=late.pk).update(due_on=date(2026, 2, 27))
    requested(trainee, group, form)
    client.force_login(leader)

    page = client.get(TO_COMPLETE).content.decode()

    assert page.count("Overdue") == 1
    assert "27 Feb 2026 <strong>Overdue</strong>" in page
    assert "16 Mar 2026</td>" in page


# --- Through the pages -----------------------------------------------------------------


def test_request_complete_acknowledge_through_the_pages(
    client, trainee, leader, organiser, form, record
):
    client.force_login(trainee)
    client.post(REQUEST, {"session": record.session_id})
    assessment = Assessment.objects.get()
    assert OutboundEmail.objects.get(kind="assessment_requested").to == leader.email

    client.force_login(leader)
    assert escape(trainee.full_name) in client.get(TO_COMPLETE).content.decode()
    complete_url = f"/assessments/{assessment.pk}/complete/"
    assert client.post(complete_url, answers(assessment)).status_code == 302
    assert OutboundEmail.objects.get(kind="assessment_completed").to == trainee.email
    assert client.get(f"/assessments/{assessment.pk}/").status_code == 404

    client.force_login(trainee)
    assert "Completed: read and acknowledge it" in client.get(MINE).content.decode()
    client.post(f"/assessments/{assessment.pk}/acknowledge/", {"reflection": "To listen."})

    client.force_login(organiser)
    page = client.get(f"/assessments/{assessment.pk}/").content.decode()
    assert "To listen." in page
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.ACKNOWLEDGED


# --- Queries ---------------------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 6])
def test_my_page_queries_do_not_grow_with_assessments(
    client, group, trainee, leader, form, count, django_assert_max_num_queries
):
    for day in past_wednesdays(count):
        completed(requested(trainee, group, form, slot_date=day), leader)
    client.force_login(trainee)

    # Session, user, roles (navigation); sessions attended, forms, assessments.
    with django_assert_max_num_queries(6):
        client.get(MINE)


@pytest.mark.parametrize("count", [1, 6])
def test_the_list_to_complete_queries_do_not_grow(
    client, group, leader, form, count, django_assert_max_num_queries
):
    for day in past_wednesdays(count):
        requested(factories.MembershipFactory(group=group).person, group, form, slot_date=day)
    client.force_login(leader)

    # Session, user, roles (navigation); the requests.
    with django_assert_max_num_queries(4):
        client.get(TO_COMPLETE)

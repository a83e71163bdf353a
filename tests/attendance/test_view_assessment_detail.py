"""`/assessments/<pk>/` and its acknowledge form: only the trainee and the scheme's
organisers read an assessment, not even the leader who wrote it; the trainee acknowledges
it with a reflection the identifier guard checks."""

import pytest
from django.utils.html import escape

from attendance.models import Assessment, AssessmentRating
from groups.models import AccessLogEntry
from tests.access import access, assert_sign_in_first
from tests.attendance.test_view_assessment_complete import messages_of
from tests.factories.assessments import completed, requested

pytestmark = pytest.mark.usefixtures("frozen_now")


def url(assessment) -> str:
    return f"/assessments/{assessment.pk}/"


def acknowledge_url(assessment) -> str:
    return f"/assessments/{assessment.pk}/acknowledge/"


@pytest.fixture
def done(group, trainee, leader, organiser):
    """The trainee's assessment, completed by the leader: the first domain not observed."""
    assessment = completed(
        requested(trainee, group), leader, strengths="Notices what the case stirs in them."
    )
    first = assessment.form.domains.first()
    AssessmentRating.objects.filter(assessment=assessment, domain=first).update(level=None)
    return assessment


@pytest.mark.parametrize(("role", "status"), access(trainee=200, organiser=200))
def test_only_the_trainee_and_the_schemes_organisers_read_it(done, role, status, signed_in):
    assert signed_in.get(url(done)).status_code == status


@pytest.mark.parametrize(("role", "status"), access(trainee=302))
def test_only_the_trainee_acknowledges_it(done, role, status, signed_in):
    response = signed_in.post(acknowledge_url(done), {"reflection": ""})

    assert response.status_code == status
    done.refresh_from_db()
    assert (done.status == Assessment.Status.ACKNOWLEDGED) is (role == "trainee")


def test_signed_out_is_sent_to_sign_in(client, done):
    assert_sign_in_first(client, url(done))
    assert_sign_in_first(client, acknowledge_url(done), method="post")


def test_the_page_shows_each_domain_its_rating_and_the_judgement(client, done, trainee, leader):
    client.force_login(trainee)

    page = client.get(url(done)).content.decode()

    assert f'<h1 class="h3">{done.form.name}</h1>' in page
    assert escape(leader.full_name) in page
    assert f"{escape(done.session.group.name)} — Wed 25 Feb 2026" in page
    for domain in done.form.domains.all():
        assert escape(domain.name) in page
        assert escape(domain.descriptor) in page
    assert page.count("Meets the standard expected") == done.form.domains.count() - 1
    assert page.count("Not observed") == 1
    assert "At the standard for this stage of training" in page
    assert "Notices what the case stirs in them." in page
    assert "Present again this term." in page
    assert "About you and your learning, never about a patient" in page
    assert ">Acknowledge</button>" in page


def test_an_organiser_reads_it_without_the_acknowledge_form_and_is_logged(
    client, done, organiser, trainee
):
    client.force_login(organiser)

    page = client.get(url(done)).content.decode()

    assert escape(trainee.full_name) in page
    assert "Meets the standard expected" in page
    assert ">Acknowledge</button>" not in page
    entry = AccessLogEntry.objects.get(actor=organiser)
    assert (entry.subject, entry.action) == (trainee, AccessLogEntry.Action.PROGRESS_VIEW)


def test_acknowledging_keeps_the_reflection_for_the_organisers(client, done, trainee, organiser):
    client.force_login(trainee)

    response = client.post(acknowledge_url(done), {"reflection": "To stay with not knowing."})

    assert response.status_code == 302
    assert response["Location"] == url(done)
    assert "Acknowledged" in messages_of(response)
    done.refresh_from_db()
    assert (done.status, done.reflection) == ("acknowledged", "To stay with not knowing.")
    client.force_login(organiser)
    page = client.get(url(done)).content.decode()
    assert "To stay with not knowing." in page
    assert ">Acknowledge</button>" not in page


@pytest.mark.parametrize(
    ("text", "found"), [("Like Mr Murphy, I froze.", "Mr Murphy"), ("DOB 01/02/1960", "DOB")]
)
def test_a_reflection_naming_a_patient_is_refused_on_its_field(client, done, trainee, text, found):
    client.force_login(trainee)

    response = client.post(acknowledge_url(done), {"reflection": text})

    assert response.status_code == 200
    [error] = response.context["acknowledge_form"].errors["reflection"]
    assert f"“{found}” looks like" in error
    assert escape(error) in response.content.decode()
    done.refresh_from_db()
    assert (done.status, done.reflection) == ("completed", "")


def test_a_waiting_request_shows_no_ratings_and_no_acknowledge_form(client, group, trainee):
    waiting = requested(trainee, group)
    client.force_login(trainee)

    page = client.get(url(waiting)).content.decode()

    assert "waiting for the group’s leaders, due 16 Mar 2026" in page
    assert "Global judgement" not in page
    assert ">Acknowledge</button>" not in page
    response = client.post(acknowledge_url(waiting), {"reflection": ""})
    assert "Only a completed assessment can be acknowledged." in messages_of(response)
    waiting.refresh_from_db()
    assert waiting.status == Assessment.Status.REQUESTED

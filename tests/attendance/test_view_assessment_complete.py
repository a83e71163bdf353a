"""`/assessments/<pk>/complete/`: a leader the request waits on completes it on a phone,
one fieldset per domain; the patient-identifier guard refuses free text on its field."""

import pytest
from django.contrib.messages import get_messages

from attendance.models import Assessment, AssessmentForm, AssessmentRating
from balint.models import OutboundEmail
from tests.access import access, assert_sign_in_first
from tests.factories.assessments import completed, form_of, requested

pytestmark = pytest.mark.usefixtures("frozen_now")


def url(assessment) -> str:
    return f"/assessments/{assessment.pk}/complete/"


def answers(assessment, *, level="2", judgement="1", **text) -> dict[str, str]:
    """What the page posts: the same rating for every domain, a judgement, free text."""
    data = {f"domain_{d.pk}": level for d in assessment.form.domains.all()}
    return {
        **data,
        "judgement": judgement,
        "strengths": text.get("strengths", "Stays with the feeling the case leaves."),
        "suggestions": text.get("suggestions", "Bring a case from the practice."),
    }


def messages_of(response) -> str:
    return " ".join(str(message) for message in get_messages(response.wsgi_request))


@pytest.fixture
def waiting(group, trainee, leader, co_leader, organiser, other_group_leader):
    """A request from the trainee, to the group's leaders (and co-leader: form "leading")."""
    return requested(trainee, group)


@pytest.mark.parametrize(("role", "status"), access(leader=200, co_leader=200))
def test_whoever_the_request_waits_on_completes_it(waiting, role, status, signed_in):
    assert signed_in.get(url(waiting)).status_code == status


@pytest.mark.parametrize(("role", "status"), access(leader=200, co_leader=404))
def test_a_form_for_the_leader_alone_is_not_the_co_leaders(
    group, trainee, leader, co_leader, organiser, other_group_leader, role, status, signed_in
):
    form = form_of(group.scheme, assessor=AssessmentForm.Assessor.LEADER)
    assessment = requested(trainee, group, form=form)

    assert signed_in.get(url(assessment)).status_code == status


def test_a_post_from_someone_it_does_not_wait_on_is_not_found(client, waiting, organiser, leader):
    client.force_login(organiser)

    assert client.post(url(waiting), answers(waiting)).status_code == 404
    assert Assessment.objects.get().status == Assessment.Status.REQUESTED
    client.force_login(leader)
    assert client.post(url(waiting), answers(waiting)).status_code == 302
    assert Assessment.objects.get().status == Assessment.Status.COMPLETED


def test_signed_out_is_sent_to_sign_in(client, waiting):
    assert_sign_in_first(client, url(waiting))
    assert_sign_in_first(client, url(waiting), method="post", data=answers(waiting))


def test_each_domain_is_a_fieldset_of_its_scale_and_not_observed(client, waiting, leader):
    client.force_login(leader)

    page = client.get(url(waiting)).content.decode()

    for domain in waiting.form.domains.all():
        assert f'<legend class="fs-6 fw-semibold mb-1">{domain.name}</legend>' in page
        assert f'id="id_domain_{domain.pk}_helptext">{domain.descriptor}</p>' in page
    # Each domain's scale and "Not observed", and the judgements: radios with labels.
    assert page.count("Not observed</label>") == waiting.form.domains.count()
    for label in (*waiting.form.scale, *waiting.form.judgements):
        assert f">{label}</label>" in page
    assert "About the doctor, never the patient: no names, dates of birth" in page
    assert page.count("btn-primary") == 1
    assert ">Complete assessment</button>" in page


def test_completing_saves_the_ratings_and_tells_the_trainee(client, waiting, leader, trainee):
    client.force_login(leader)
    data = answers(waiting, level="3", judgement="2")
    first = waiting.form.domains.first()
    data[f"domain_{first.pk}"] = "not_observed"

    response = client.post(url(waiting), data)

    assert response.status_code == 302
    assert response["Location"] == "/assessments/to-complete/"
    assert f"Completed: {trainee.full_name} is told by email." in messages_of(response)
    waiting.refresh_from_db()
    assert (waiting.status, waiting.assessor, waiting.judgement) == ("completed", leader, 2)
    levels = dict(AssessmentRating.objects.values_list("domain", "level"))
    assert levels.pop(first.pk) is None
    assert set(levels.values()) == {3}
    assert OutboundEmail.objects.filter(kind="assessment_completed", to=trainee.email).exists()


@pytest.mark.parametrize(
    ("field", "text", "found"),
    [
        ("strengths", "Spoke warmly of Mr Murphy.", "Mr Murphy"),
        ("suggestions", "DOB 01/02/1960", "DOB"),
    ],
)
def test_an_identifier_is_refused_on_its_field_and_nothing_is_saved(
    client, waiting, leader, field, text, found
):
    client.force_login(leader)

    response = client.post(url(waiting), answers(waiting, **{field: text}))

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == [field]
    assert f"“{found}” looks like" in errors[field][0]
    assert "could identify a patient" in response.content.decode()
    assert not AssessmentRating.objects.exists()
    assert Assessment.objects.get().status == Assessment.Status.REQUESTED
    assert not OutboundEmail.objects.filter(kind="assessment_completed").exists()


def test_a_domain_left_unrated_is_asked_for_and_nothing_is_saved(client, waiting, leader):
    client.force_login(leader)
    data = answers(waiting)
    first = waiting.form.domains.first()
    del data[f"domain_{first.pk}"]

    response = client.post(url(waiting), data)

    assert response.context["form"].errors == {
        f"domain_{first.pk}": ["Choose a rating, or Not observed."]
    }
    assert not AssessmentRating.objects.exists()


def test_a_rating_off_the_scale_is_refused(client, waiting, leader):
    client.force_login(leader)

    response = client.post(url(waiting), answers(waiting, level="9", judgement="7"))

    assert response.status_code == 200
    assert set(response.context["form"].errors) == {
        *(f"domain_{d.pk}" for d in waiting.form.domains.all()),
        "judgement",
    }
    assert Assessment.objects.get().status == Assessment.Status.REQUESTED


def test_a_completed_request_cannot_be_completed_again(client, waiting, leader, co_leader):
    client.force_login(co_leader)
    assert client.get(url(waiting)).status_code == 200
    completed(waiting, leader)

    assert client.get(url(waiting)).status_code == 404
    assert client.post(url(waiting), answers(waiting, judgement="0")).status_code == 404
    waiting.refresh_from_db()
    assert (waiting.assessor, waiting.judgement) == (leader, 1)
    assert AssessmentRating.objects.count() == waiting.form.domains.count()

"""`/evaluations/<pk>/answer/`: a member answers once, anonymously."""

import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from feedback import services
from feedback.models import EvaluationAnswer, EvaluationReceipt
from tests import factories
from tests.access import access, assert_sign_in_first
from tests.conftest import skip_or_fail
from tests.factories.feedback import TermEvaluationFactory

ANSWER = {
    "safe_group": "5",
    "leadership": "4",
    "understanding": "4",
    "recommend": "3",
    "comment": "More time for the second half.",
}


@pytest.fixture
def evaluation(group):
    return TermEvaluationFactory(group=group)


def url(evaluation):
    return f"/evaluations/{evaluation.pk}/answer/"


def test_anonymous_is_sent_to_sign_in(client, evaluation):
    assert_sign_in_first(client, url(evaluation))


@pytest.mark.parametrize(("role", "status"), access(trainee=200, leader=403, organiser=403))
def test_access_by_role(evaluation, status, signed_in):
    assert signed_in.get(url(evaluation)).status_code == status


def test_a_member_answers_and_no_row_names_them(client, evaluation, trainee):
    client.force_login(trainee)

    response = client.post(url(evaluation), ANSWER, follow=True)

    assert response.redirect_chain == [("/feedback/", 302)]
    assert "recorded, without your name" in response.content.decode()
    answer = EvaluationAnswer.objects.get()
    assert (answer.safe_group, answer.leadership, answer.understanding, answer.recommend) == (
        5,
        4,
        4,
        3,
    )
    assert answer.comment == "More time for the second half."
    # The receipt says that they answered; nothing on the answer says who.
    assert list(EvaluationReceipt.objects.values_list("person", flat=True)) == [trainee.pk]
    row = EvaluationAnswer.objects.filter(pk=answer.pk).values().get()
    assert trainee.pk not in [v for k, v in row.items() if k != "evaluation_id"]
    assert set(row) == {
        "id",
        "evaluation_id",
        "safe_group",
        "leadership",
        "understanding",
        "recommend",
        "comment",
    }


def test_one_answer_per_member(client, evaluation, trainee):
    client.force_login(trainee)
    client.post(url(evaluation), ANSWER)

    response = client.get(url(evaluation))
    assert "You have answered this questionnaire" in response.content.decode()
    assert ANSWER["comment"] not in response.content.decode()
    client.post(url(evaluation), {**ANSWER, "comment": "Again"})

    assert EvaluationAnswer.objects.count() == 1
    with pytest.raises(ValidationError, match="already answered"):
        services.evaluation_answer(
            actor=trainee,
            evaluation=evaluation,
            safe_group=1,
            leadership=1,
            understanding=1,
            recommend=1,
        )
    assert EvaluationAnswer.objects.count() == 1


def test_every_member_answers_once(client, evaluation, trainee):
    others = [factories.MembershipFactory(group=evaluation.group).person for _ in range(3)]
    for person in [trainee, *others]:
        client.force_login(person)
        client.post(url(evaluation), ANSWER)
    assert EvaluationAnswer.objects.count() == 4
    assert EvaluationReceipt.objects.count() == 4


def test_a_closed_evaluation_takes_no_answers(client, evaluation, trainee):
    evaluation.closed_at = timezone.now()
    evaluation.save()
    client.force_login(trainee)

    assert "This questionnaire is closed." in client.get(url(evaluation)).content.decode()
    client.post(url(evaluation), ANSWER)
    assert not EvaluationAnswer.objects.exists()


def test_a_former_member_may_not_answer(client, evaluation):
    former = factories.MembershipFactory(
        group=evaluation.group, start_date="2020-01-01", end_date="2020-06-30"
    ).person
    client.force_login(former)
    assert client.get(url(evaluation)).status_code == 403
    with pytest.raises(PermissionDenied):
        services.evaluation_answer(
            actor=former,
            evaluation=evaluation,
            safe_group=3,
            leadership=3,
            understanding=3,
            recommend=3,
        )


def test_a_member_when_it_opened_may_still_answer(client, group):
    today = timezone.localdate()
    leaving = factories.MembershipFactory(
        group=group, start_date=today - timezone.timedelta(days=100), end_date=today
    ).person
    evaluation = TermEvaluationFactory(group=group)
    evaluation.opened_at = timezone.now()
    evaluation.save()
    client.force_login(leaving)
    assert client.get(url(evaluation)).status_code == 200


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({**ANSWER, "leadership": "0"}, "leadership"),
        ({**ANSWER, "recommend": ""}, "recommend"),
        ({**ANSWER, "comment": "Mr Kelly's case"}, "comment"),
    ],
)
def test_invalid_answers_are_refused(client, evaluation, trainee, data, field):
    client.force_login(trainee)

    response = client.post(url(evaluation), data)

    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not EvaluationAnswer.objects.exists()
    assert not EvaluationReceipt.objects.exists()


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_two_submissions_at_once_leave_one_answer(group):
    """Both run the service at the same moment: the lock and the receipt let one through.

    Needs PostgreSQL, like tests/attendance/test_register_concurrency.py: row locks keep them apart.
    """
    if connection.vendor != "postgresql":
        skip_or_fail("needs PostgreSQL")
    evaluation = TermEvaluationFactory(group=group)
    member = factories.MembershipFactory(group=group).person
    outcomes, barrier = [], threading.Barrier(2)

    def submit():
        barrier.wait()
        try:
            services.evaluation_answer(
                actor=member,
                evaluation=evaluation,
                safe_group=4,
                leadership=4,
                understanding=4,
                recommend=4,
            )
            outcomes.append("saved")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert outcomes.count("saved") == 1
    assert EvaluationAnswer.objects.count() == 1
    assert EvaluationReceipt.objects.count() == 1

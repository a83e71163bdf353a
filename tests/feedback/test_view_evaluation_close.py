"""`/evaluations/<pk>/close/`: an organiser closes an evaluation; no more answers."""

import pytest
from django.core.exceptions import PermissionDenied

from feedback import services
from tests.access import access, assert_sign_in_first
from tests.factories.feedback import TermEvaluationFactory


@pytest.fixture
def evaluation(group):
    return TermEvaluationFactory(group=group)


def url(evaluation):
    return f"/evaluations/{evaluation.pk}/close/"


def test_anonymous_is_sent_to_sign_in(client, evaluation):
    assert_sign_in_first(client, url(evaluation), method="post")


@pytest.mark.parametrize(("role", "status"), access(organiser=302))
def test_access_by_role(evaluation, status, signed_in):
    assert signed_in.post(url(evaluation)).status_code == status
    evaluation.refresh_from_db()
    assert evaluation.is_open == (status != 302)


def test_only_by_post(client, evaluation, organiser):
    client.force_login(organiser)
    assert client.get(url(evaluation)).status_code == 405


def test_closing_and_closing_again(client, evaluation, organiser):
    client.force_login(organiser)

    response = client.post(url(evaluation), follow=True)
    assert response.redirect_chain == [(f"/evaluations/{evaluation.pk}/", 302)]
    assert "is closed: no more answers." in response.content.decode()
    assert "Close the evaluation" not in response.content.decode()

    response = client.post(url(evaluation), follow=True)
    assert "already closed" in response.content.decode()


def test_a_leader_cannot_close_through_the_service(evaluation, leader):
    with pytest.raises(PermissionDenied):
        services.evaluation_close(actor=leader, evaluation=evaluation)

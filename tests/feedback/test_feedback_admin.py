"""Every feedback model is in the Django admin; answers cannot be edited there."""

import pytest

from feedback.models import (
    EvaluationAnswer,
    EvaluationReceipt,
    SessionFeedback,
    SessionTheme,
    TermEvaluation,
    Theme,
)
from tests import factories
from tests.factories.feedback import (
    EvaluationAnswerFactory,
    SessionFeedbackFactory,
    SessionThemeFactory,
)

MODELS = [SessionFeedback, Theme, SessionTheme, TermEvaluation, EvaluationReceipt, EvaluationAnswer]


@pytest.fixture
def staff(client, db):
    person = factories.UserFactory(is_staff=True, is_superuser=True)
    client.force_login(person)
    return person


def changelist(model):
    return f"/admin/feedback/{model._meta.model_name}/"


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_each_model_has_a_list(client, staff, model):
    SessionFeedbackFactory(comment="Fine")
    SessionThemeFactory()
    answer = EvaluationAnswerFactory()
    EvaluationReceipt.objects.create(evaluation=answer.evaluation, person=staff)

    assert client.get(changelist(model)).status_code == 200


def test_feedback_is_read_only_and_does_not_show_who_answered(client, staff):
    feedback = SessionFeedbackFactory(comment="Fine")

    response = client.get(f"{changelist(SessionFeedback)}{feedback.pk}/change/")

    assert response.status_code == 200
    assert feedback.person.full_name not in response.content.decode()
    assert client.get(f"{changelist(SessionFeedback)}add/").status_code == 403
    assert client.get(f"{changelist(EvaluationAnswer)}add/").status_code == 403

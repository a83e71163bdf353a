"""feedback/models.py: the invariants the database keeps, and term answers kept unlinkable."""

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from feedback.models import EvaluationAnswer, EvaluationReceipt, SessionFeedback, Theme
from tests import factories
from tests.factories.feedback import (
    EvaluationAnswerFactory,
    SessionFeedbackFactory,
    SessionThemeFactory,
    TermEvaluationFactory,
    ThemeFactory,
)

pytestmark = pytest.mark.django_db


def refused(**kwargs):
    return pytest.raises(IntegrityError, **kwargs)


def test_one_feedback_per_person_per_session():
    first = SessionFeedbackFactory()

    with refused(), transaction.atomic():
        SessionFeedbackFactory(session=first.session, person=first.person)

    SessionFeedbackFactory(session=first.session)  # someone else may
    assert SessionFeedback.objects.filter(session=first.session).count() == 2


@pytest.mark.parametrize("field", list(SessionFeedback.RATINGS))
@pytest.mark.parametrize("value", [0, 6])
def test_feedback_ratings_are_one_to_five(field, value):
    with refused(), transaction.atomic():
        SessionFeedbackFactory(**{field: value})


@pytest.mark.parametrize("value", [1, 5])
def test_feedback_ratings_at_the_ends_of_the_scale_are_kept(value):
    SessionFeedbackFactory(safe_to_speak=value, useful_for_practice=value)


def test_theme_names_are_unique_per_scheme_whatever_the_case():
    theme = ThemeFactory(name="On-call")

    with refused(), transaction.atomic():
        ThemeFactory(scheme=theme.scheme, name="on-CALL")

    ThemeFactory(name="on-call")  # another scheme may
    assert Theme.objects.filter(name__iexact="on-call").count() == 2


def test_a_theme_needs_a_name():
    with refused(), transaction.atomic():
        ThemeFactory(name="")


def test_a_theme_tags_a_session_once():
    tag = SessionThemeFactory()
    with refused(), transaction.atomic():
        SessionThemeFactory(session=tag.session, theme=tag.theme)


def test_one_open_evaluation_per_group_but_closed_ones_may_pile_up():
    evaluation = TermEvaluationFactory()
    with refused(), transaction.atomic():
        TermEvaluationFactory(group=evaluation.group)

    evaluation.closed_at = timezone.now()
    evaluation.save()
    TermEvaluationFactory(group=evaluation.group)


def test_an_evaluation_closes_after_it_opens():
    evaluation = TermEvaluationFactory()
    evaluation.closed_at = evaluation.opened_at - timezone.timedelta(minutes=1)
    with refused(), transaction.atomic():
        evaluation.save()


@pytest.mark.parametrize("field", ["safe_group", "leadership", "understanding", "recommend"])
@pytest.mark.parametrize("value", [0, 6])
def test_evaluation_ratings_are_one_to_five(field, value):
    with refused(), transaction.atomic():
        EvaluationAnswerFactory(**{field: value})


def test_one_receipt_per_member_per_evaluation():
    evaluation = TermEvaluationFactory()
    person = factories.UserFactory()
    EvaluationReceipt.objects.create(evaluation=evaluation, person=person)

    with refused(), transaction.atomic():
        EvaluationReceipt.objects.create(evaluation=evaluation, person=person)


def test_an_evaluation_answer_has_no_way_back_to_a_person():
    fields = EvaluationAnswer._meta.get_fields()
    relations = [f for f in fields if f.is_relation]

    # Its only relation is to the evaluation: nothing points at a person.
    assert [f.name for f in relations] == ["evaluation"]
    assert all(f.related_model is not get_user_model() for f in relations)
    # No time to line answers up with receipts, and a random key, not a sequence.
    assert not [f for f in fields if isinstance(f, models.DateField | models.TimeField)]
    assert isinstance(EvaluationAnswer._meta.pk, models.UUIDField)


def test_a_receipt_says_who_answered_but_not_when_or_in_what_order():
    fields = EvaluationReceipt._meta.get_fields()
    assert {f.name for f in fields} == {"id", "evaluation", "person"}
    assert isinstance(EvaluationReceipt._meta.pk, models.UUIDField)


def test_no_model_joins_receipts_to_answers():
    for model in (EvaluationAnswer, EvaluationReceipt):
        targets = {f.related_model for f in model._meta.get_fields() if f.is_relation}
        assert not targets & {EvaluationAnswer, EvaluationReceipt}

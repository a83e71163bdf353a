"""`/evaluations/<pk>/`: the organiser's summary: counts, averages and comments, no names."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from feedback import services
from tests import factories
from tests.access import ORGANISERS_ONLY, assert_sign_in_first
from tests.factories.feedback import EvaluationAnswerFactory, TermEvaluationFactory, close


@pytest.fixture
def evaluation(group):
    return TermEvaluationFactory(group=group)


def url(evaluation):
    return f"/evaluations/{evaluation.pk}/"


def answer(evaluation, ratings, comment=""):
    person = factories.MembershipFactory(group=evaluation.group).person
    safe, leadership, understanding, recommend = ratings
    services.evaluation_answer(
        actor=person,
        evaluation=evaluation,
        safe_group=safe,
        leadership=leadership,
        understanding=understanding,
        recommend=recommend,
        comment=comment,
    )
    return person


def test_anonymous_is_sent_to_sign_in(client, evaluation):
    assert_sign_in_first(client, url(evaluation))


@pytest.mark.parametrize(("role", "status"), ORGANISERS_ONLY)
def test_access_by_role(evaluation, status, signed_in):
    assert signed_in.get(url(evaluation)).status_code == status


@pytest.mark.parametrize("count", [0, 1, 2])
def test_below_three_answers_only_the_count_shows(client, evaluation, organiser, count):
    for _ in range(count):
        answer(evaluation, (1, 1, 1, 1), "A telling comment")
    client.force_login(organiser)

    response = client.get(url(evaluation))

    summary = response.context["summary"]
    assert summary.answers == count
    assert summary.questions == [] and summary.comments == []
    content = response.content.decode()
    assert "A telling comment" not in content
    assert "Export" not in content
    assert f"{count} of {count} member" in content


def test_summary_with_counts_averages_and_comments(client, evaluation, organiser):
    people = [
        answer(evaluation, (5, 4, 4, 5), "Zesty discussions"),
        answer(evaluation, (4, 4, 3, 5), ""),
        answer(evaluation, (3, 5, 4, 2), "better with snacks"),
    ]
    factories.MembershipFactory(group=evaluation.group)  # has not answered
    close(evaluation)
    client.force_login(organiser)

    response = client.get(url(evaluation))

    summary = response.context["summary"]
    assert (summary.answers, summary.members) == (3, 4)
    safe = summary.questions[0]
    assert safe.question == "The group was a safe place to talk about difficult cases"
    assert round(safe.average, 2) == 4.0
    assert safe.counts == [0, 0, 1, 1, 1]
    assert sorted(summary.comments, key=str.casefold) == ["better with snacks", "Zesty discussions"]
    content = response.content.decode()
    assert "3 of 4 members answered" in content
    for person in people:
        assert person.full_name not in content


def test_a_fixed_number_of_queries(client, evaluation, organiser):
    for _ in range(3):
        answer(evaluation, (4, 4, 4, 4), "x")
    client.force_login(organiser)
    with CaptureQueriesContext(connection) as few:
        client.get(url(evaluation))

    for _ in range(40):
        EvaluationAnswerFactory(evaluation=evaluation, comment="y")
    with CaptureQueriesContext(connection) as many:
        client.get(url(evaluation))
    assert len(many) == len(few)

"""`/evaluations/<pk>.csv`: the summary as CSV, opened back with the csv module."""

import csv
import io

import pytest

from tests.access import ORGANISERS_ONLY, assert_sign_in_first
from tests.factories.feedback import EvaluationAnswerFactory, TermEvaluationFactory, close

FORMULA = '=HYPERLINK("https://evil.example/","Click me")'


pytestmark = pytest.mark.usefixtures("frozen_now")


@pytest.fixture
def evaluation(group):
    return TermEvaluationFactory(group=group, title="Spring term")


def url(evaluation, fmt="csv"):
    return f"/evaluations/{evaluation.pk}.{fmt}"


def read_csv(response) -> list[list[str]]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_anonymous_is_sent_to_sign_in(client, evaluation):
    assert_sign_in_first(client, url(evaluation))


@pytest.mark.parametrize(("role", "status"), ORGANISERS_ONLY)
def test_access_by_role(evaluation, status, signed_in):
    assert signed_in.get(url(evaluation)).status_code == status


def test_only_csv(client, evaluation, organiser):
    client.force_login(organiser)
    assert client.get(url(evaluation, "xlsx")).status_code == 404


def test_the_summary_opened_back(client, evaluation, organiser, group):
    for ratings, comment in [
        ((5, 4, 4, 5), "Zesty"),
        ((4, 4, 3, 5), ""),
        ((3, 5, 4, 2), "apples"),
    ]:
        EvaluationAnswerFactory(
            evaluation=evaluation,
            safe_group=ratings[0],
            leadership=ratings[1],
            understanding=ratings[2],
            recommend=ratings[3],
            comment=comment,
        )
    close(evaluation)
    client.force_login(organiser)

    response = client.get(url(evaluation))

    assert response["Content-Disposition"] == (
        f'attachment; filename="{group.name.lower().replace(" ", "-")}'
        '-spring-term-evaluation-2026-03-02.csv"'
    )
    rows = read_csv(response)
    assert rows[0] == [
        "Section",
        "Question or comment",
        "Answers",
        "Average",
        "Rated 1",
        "Rated 2",
        "Rated 3",
        "Rated 4",
        "Rated 5",
    ]
    assert rows[1] == ["Members answered", "", "3", "", "", "", "", "", ""]
    assert rows[2] == [
        "Rating",
        "The group was a safe place to talk about difficult cases",
        "3",
        "4.0",
        "0",
        "0",
        "1",
        "1",
        "1",
    ]
    assert rows[5][:4] == ["Rating", "I would recommend the group to a colleague", "3", "4.0"]
    assert sorted(rows[6:]) == [
        ["Comment", "Zesty", "", "", "", "", "", "", ""],
        ["Comment", "apples", "", "", "", "", "", "", ""],
    ]


def test_below_three_answers_the_export_holds_only_the_count(client, evaluation, organiser):
    EvaluationAnswerFactory(evaluation=evaluation, comment="A telling comment")
    client.force_login(organiser)

    rows = read_csv(client.get(url(evaluation)))

    assert rows[1:] == [["Members answered", "", "1", "", "", "", "", "", ""]]


def test_a_comment_that_looks_like_a_formula_is_made_inert(client, evaluation, organiser):
    for _ in range(2):
        EvaluationAnswerFactory(evaluation=evaluation)
    EvaluationAnswerFactory(evaluation=evaluation, comment=FORMULA)
    close(evaluation)
    client.force_login(organiser)

    rows = read_csv(client.get(url(evaluation)))

    [comment] = [row[1] for row in rows if row[0] == "Comment"]
    assert not comment.startswith("=")
    assert FORMULA in comment

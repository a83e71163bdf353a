"""The term-evaluation summary as CSV, through attendance's Exporter and to_csv.

Only the summary is exported, never single answers: one row per question
(answers, average, how many gave each rating) and one per comment, the
comments in the order of their text. While the evaluation is open, or below the
three-answer threshold, there is nothing to export but the count.
"""

from attendance.exports import Exporter
from feedback import evaluation_selectors
from feedback.models import TermEvaluation


class EvaluationSummaryExporter(Exporter):
    headers = [
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

    def __init__(self, evaluation: TermEvaluation):
        self.evaluation = evaluation
        self.name = f"{evaluation.group.name} {evaluation.title} evaluation"

    def rows(self):
        summary = evaluation_selectors.evaluation_summary(self.evaluation)
        yield ["Members answered", "", summary.answers, "", "", "", "", "", ""]
        for question in summary.questions:
            average = round(question.average, 2) if question.average is not None else ""
            yield ["Rating", question.question, question.answers, average, *question.counts]
        for comment in summary.comments:
            yield ["Comment", comment, "", "", "", "", "", "", ""]

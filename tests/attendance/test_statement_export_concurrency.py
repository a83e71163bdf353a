"""One statement export built by two deliveries at the same moment (its message given
back while the first still runs), each on its own connection: every trainee gets one
statement, and the ZIP is assembled once.

Needs PostgreSQL: the row lock attendance.statement_exports takes on the export for each
batch is what makes the second delivery find the batch committed and go on.
"""

import pytest

from attendance import statement_exports, statement_pdf
from attendance.models import Statement
from tests import factories
from tests.concurrency import at_once

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("postgres_only", "frozen_now"),
]


@pytest.mark.parametrize("attempt", range(3))
def test_two_deliveries_at_once_issue_one_statement_per_trainee(
    attempt, monkeypatch, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(statement_exports, "BATCH_SIZE", 2)
    monkeypatch.setattr(statement_exports, "enqueue_on_commit", lambda *task: None)
    monkeypatch.setattr(statement_pdf, "render_statement", lambda s: b"%PDF-1.7 fake")
    group = factories.GroupFactory()
    organiser = factories.OrganiserFactory(scheme=group.scheme).person
    people = [factories.MembershipFactory(group=group).person for _ in range(5)]
    export = statement_exports.statement_export_start(
        actor=organiser, scheme=group.scheme, people=people, which="scheme"
    )

    def delivery(ready):
        ready()
        return statement_exports.statement_export_build(export_id=export.pk)

    assert at_once(delivery, delivery) == [5, 5]

    export.refresh_from_db()
    assert (export.status, export.done) == ("done", 5)
    assert Statement.objects.count() == 5
    assert not export.entries.filter(statement__isnull=True).exists()

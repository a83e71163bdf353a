"""attendance/statement_demo.py: the demo trainee holds a statement of attendance whose
code checks on the public verification page; the organiser's ZIP of a group's statements
is made by the worker."""

import pytest

from attendance import demo as attendance_demo
from attendance import statement_demo, statement_selectors
from attendance.models import Statement, StatementExport
from attendance.progress import progress_for
from groups import demo as groups_demo
from sessions import demo as sessions_demo
from tests.factories.certificates import require_weasyprint

pytestmark = pytest.mark.usefixtures("frozen_now")


@pytest.fixture
def people(db):
    people = groups_demo.seed()
    sessions_demo.seed(people)
    attendance_demo.seed(people)
    attendance_demo.seed_guests_and_combined(people)
    return people


def test_the_demo_trainee_holds_a_statement_that_verifies(people, client):
    statement_demo.seed_statements(people)
    statement_demo.seed_statements(people)  # idempotent

    statement = Statement.objects.get(issued_by=people.trainee)
    assert (statement.person, statement.scheme) == (people.trainee, people.scheme)
    assert statement.sessions_counted == progress_for(people.trainee, people.scheme).count > 0
    content = " ".join(client.get(f"/verify/{statement.display_code}/").content.decode().split())
    assert f"{people.trainee.full_name}, {statement.sessions_counted} sessions counted" in content


def test_the_organiser_asked_for_a_groups_statements_which_the_worker_makes(
    people, client, settings, tmp_path, django_capture_on_commit_callbacks
):
    require_weasyprint()
    settings.MEDIA_ROOT = tmp_path
    with django_capture_on_commit_callbacks(execute=True):
        statement_demo.seed_statements(people)
    statement_demo.seed_statements(people)  # idempotent

    export = StatementExport.objects.get()
    members = statement_selectors.statement_people(people.scheme, people.groups[0])
    assert (export.requested_by, export.status) == (people.organiser, "done")
    assert export.total == members.count() > 0
    client.force_login(people.organiser)
    assert client.get(f"/statement-exports/{export.pk}/download/").status_code == 200

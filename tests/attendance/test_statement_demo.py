"""attendance/statement_demo.py: the demo trainee holds a statement of attendance whose
code checks on the public verification page."""

import pytest

from attendance import demo as attendance_demo
from attendance import statement_demo
from attendance.models import Statement
from attendance.progress import progress_for
from groups import demo as groups_demo
from sessions import demo as sessions_demo

pytestmark = pytest.mark.usefixtures("frozen_now")


def test_the_demo_trainee_holds_a_statement_that_verifies(db, client):
    people = groups_demo.seed()
    sessions_demo.seed(people)
    attendance_demo.seed(people)
    attendance_demo.seed_guests_and_combined(people)
    statement_demo.seed_statements(people)
    statement_demo.seed_statements(people)  # idempotent

    statement = Statement.objects.get()
    assert (statement.person, statement.scheme) == (people.trainee, people.scheme)
    assert statement.sessions_counted == progress_for(people.trainee, people.scheme).count > 0
    content = " ".join(client.get(f"/verify/{statement.display_code}/").content.decode().split())
    assert f"{people.trainee.full_name}, {statement.sessions_counted} sessions counted" in content

"""The statements part of the demo: the demo trainee downloaded a statement of their
attendance, so its code checks on the public verification page.

Called by `manage.py seed_demo` after the registers (attendance.demo); idempotent.
"""

from attendance import statement_services
from attendance.models import Statement
from groups.demo import DemoGroups


def seed_statements(people: DemoGroups) -> None:
    trainee = people.trainee
    if not Statement.objects.filter(person=trainee, scheme=people.scheme).exists():
        statement_services.statement_issue(actor=trainee, scheme=people.scheme, person=trainee)

"""The statements part of the demo: the demo trainee downloaded a statement of their
attendance, so its code checks on the public verification page; the organiser asked for
the statements of the first group's trainees in a ZIP, which the worker makes.

Called by `manage.py seed_demo` after the registers (attendance.demo); idempotent.
"""

from attendance import statement_exports, statement_selectors, statement_services
from attendance.models import Statement, StatementExport
from groups.demo import DemoGroups


def seed_statements(people: DemoGroups) -> None:
    trainee = people.trainee
    if not Statement.objects.filter(person=trainee, scheme=people.scheme).exists():
        statement_services.statement_issue(actor=trainee, scheme=people.scheme, person=trainee)
    if not StatementExport.objects.filter(scheme=people.scheme).exists():
        group = people.groups[0]
        statement_exports.statement_export_start(
            actor=people.organiser,
            scheme=people.scheme,
            people=list(statement_selectors.statement_people(people.scheme, group)),
            which=f"group {group.name}",
        )

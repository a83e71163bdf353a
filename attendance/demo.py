"""The attendance part of the demo: a register for every past session.

Called by `manage.py seed_demo` after sessions.demo; idempotent (a register
that is already taken is left alone).
"""

from attendance import selectors, services
from attendance.models import Certificate
from groups.demo import DemoGroups
from groups.models import Membership, User
from sessions.models import Session

# A repeating pattern, so some trainees are late or absent now and then.
PATTERN = ["present"] * 9 + ["late", "present", "present", "absent", "present"]


def seed(people: DemoGroups) -> None:
    for group in people.groups:
        leader = (
            Membership.objects.filter(group=group, role=Membership.Role.LEADER)
            .select_related("person")
            .first()
            .person
        )
        held = group.sessions.filter(status=Session.Status.HELD).exclude(attendance__isnull=False)
        for number, session in enumerate(held.order_by("starts_at")):
            entries = []
            for index, line in enumerate(selectors.register_lines(session)):
                status = line.status  # present, or apologies when on leave
                if status == "present" and not line.is_leading:
                    status = PATTERN[(number * 3 + index * 5) % len(PATTERN)]
                entries.append(services.Entry(person_id=line.person.pk, was="", status=status))
            services.register_save(actor=leader, session=session, entries=entries)


def seed_certificates(people: DemoGroups) -> None:
    """One eligible trainee holds a certificate; another is eligible and waiting for one."""
    holder = User.objects.get(email="aoife.byrne@example.com")
    if not Certificate.objects.filter(trainee=holder).exists():
        services.certificate_issue(actor=people.organiser, scheme=people.scheme, trainee=holder)

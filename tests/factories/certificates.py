"""Test data for certificates: trainees who reached a small requirement, and certificates.

Built on tests/attendance_factories.py: held sessions on the Wednesdays before
NOW (2 March 2026). Schemes here require few sessions (REQUIRED) so the data
stays cheap.
"""

from datetime import date

import factory
from django.utils import timezone

from attendance import services
from attendance.models import Attendance, Certificate
from tests import factories
from tests.factories.attendance import (
    attend,
    bulk_records,
    bulk_trainees,
    held_sessions,
    past_wednesdays,
)

REQUIRED = 3


def trainee_with_sessions(group, sessions, count: int, **person):
    """A member of `group` present at the first `count` of `sessions`."""
    trainee = factories.MembershipFactory(
        group=group, **{f"person__{k}": v for k, v in person.items()}
    ).person
    attend(trainee, sessions[:count], ["present"] * count)
    return trainee


def led_by(leader, sessions, role=Attendance.Role.LEADER) -> None:
    """Record `leader` as present, leading, at each session."""
    attend(leader, sessions, ["present"] * len(sessions), role=role)


def eligible_crowd(group, count: int, *, sessions=None, prefix: str = "crowd"):
    """`count` trainees of `group` present at each of `sessions` (default: REQUIRED new ones)."""
    people = bulk_trainees(group, count, prefix=prefix)
    if sessions is None:
        sessions = held_sessions(group, past_wednesdays(REQUIRED))
    for session in sessions:
        bulk_records(session, people)
    return people


def issued_crowd(organiser, group, count: int, *, prefix: str = "crowd") -> list[Certificate]:
    """`count` eligible trainees of `group`, each issued a certificate by `organiser`."""
    eligible_crowd(group, count, prefix=prefix)
    return services.certificates_issue_eligible(actor=organiser, scheme=group.scheme)


def require_weasyprint() -> None:
    """Skip (or fail under REQUIRE_SERVICES=1) when WeasyPrint cannot load Pango."""
    from tests.conftest import skip_or_fail

    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as exc:
        skip_or_fail(f"WeasyPrint cannot be imported: {exc}")


class CertificateFactory(factory.django.DjangoModelFactory):
    """A current certificate written directly, without the eligibility check."""

    class Meta:
        model = Certificate

    trainee = factory.SubFactory(factories.UserFactory, registration_number="IMC 123456")
    scheme = factory.SubFactory(factories.SchemeFactory, sessions_required=REQUIRED)
    holder_name = factory.SelfAttribute("trainee.full_name")
    registration_number = factory.SelfAttribute("trainee.registration_number")
    sessions_counted = REQUIRED
    sessions_required = REQUIRED
    period_start = date(2026, 2, 11)
    period_end = date(2026, 2, 25)
    groups = "Group A"
    leaders = "Dr Leader"
    issued_by = factory.SubFactory(factories.UserFactory)
    issued_by_name = factory.SelfAttribute("issued_by.full_name")
    issued_at = factory.LazyFunction(timezone.now)

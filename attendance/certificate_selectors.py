"""Reads for certificates: who is due one, what one states, and the organisers' pages."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Count, Max, Min, QuerySet
from django.utils import timezone

from attendance import permissions
from attendance.models import Attendance, Certificate, CertificateExport, Requirement
from attendance.selectors import recorded_q, scheme_overview
from attendance.statuses import AttendanceStatus
from groups.models import Scheme, User

# The certificates page lists this many of the latest exports still to download.
RECENT_EXPORTS = 5


@dataclass
class CertificateCandidate:
    person: User
    counted: int
    current: Certificate | None

    @property
    def needs_certificate(self) -> bool:
        return self.current is None or self.current.sessions_counted < self.counted


def certificate_candidates(scheme: Scheme, people=None) -> list[CertificateCandidate]:
    """Eligible trainees (complete) with their current certificate, if any. Two queries."""
    people = list(people if people is not None else scheme_overview(scheme, status="complete"))
    current = {
        c.trainee_id: c
        for c in Certificate.objects.filter(
            scheme=scheme,
            trainee__in=[p.pk for p in people],
            revoked_at__isnull=True,
            superseded_at__isnull=True,
        )
    }
    return [CertificateCandidate(p, p.counted, current.get(p.pk)) for p in people]


def certificates_due(scheme: Scheme) -> list[User]:
    """Eligible trainees with no certificate, or one for fewer sessions; the erased
    have no one left to certify."""
    due = [row.person.pk for row in certificate_candidates(scheme) if row.needs_certificate]
    trainees = User.objects.filter(erasure__isnull=True).in_bulk(due)
    return [trainees[pk] for pk in due if pk in trainees]


def certificate_snapshot(person: User, scheme: Scheme) -> dict:
    """What the certificate states, from the register as it stands now. Three queries
    of plain values: issuing for a whole national scheme loads no register rows.

    Raises ValidationError while the person has fewer sessions than the scheme requires.
    """
    requirement = Requirement.for_scheme(scheme)
    counted = Attendance.objects.filter(
        recorded_q(scheme), person=person, status__in=requirement.counted_statuses
    )
    span = counted.aggregate(
        count=Count("pk"), start=Min("session__slot_date"), end=Max("session__slot_date")
    )
    if span["count"] < requirement.sessions_required:
        raise ValidationError(
            f"{person} has {span['count']} of {requirement.sessions_required} sessions: "
            "not yet eligible."
        )
    group_names = sorted(set(counted.values_list("session__group__name", flat=True)))
    leaders = sorted(
        set(
            Attendance.objects.filter(
                session__in=counted.values("session"),
                role__in=[Attendance.Role.LEADER, Attendance.Role.CO_LEADER],
                status__in=[AttendanceStatus.PRESENT, AttendanceStatus.LATE],
            ).values_list("person__full_name", flat=True)
        )
    )
    return {
        "holder_name": person.full_name,
        "registration_number": person.registration_number,
        "sessions_counted": span["count"],
        "sessions_required": requirement.sessions_required,
        "period_start": span["start"],
        "period_end": span["end"],
        "groups": "; ".join(group_names)[:500],
        "leaders": "; ".join(leaders)[:500] or "—",
    }


def certificate_holders(scheme: Scheme) -> int:
    """How many people hold a current (neither revoked nor superseded) certificate."""
    return Certificate.objects.filter(
        scheme=scheme, revoked_at__isnull=True, superseded_at__isnull=True
    ).count()


def certificates_of(scheme: Scheme) -> QuerySet[Certificate]:
    return Certificate.objects.filter(scheme=scheme).select_related("trainee", "superseded_by")


def certificates_to_export(scheme: Scheme, picked: list[str] | None = None) -> list[Certificate]:
    """The picked certificates of the scheme, or with none picked every current one.

    Those of erased holders are left out: there is nothing left to print on them.
    """
    chosen = certificates_of(scheme)
    if picked is not None:
        chosen = chosen.filter(pk__in=[pk for pk in picked if pk.isdigit()])
    else:
        chosen = chosen.filter(revoked_at__isnull=True, superseded_at__isnull=True)
    return list(chosen.filter(holder_erased_at__isnull=True))


def recent_exports(scheme: Scheme) -> QuerySet[CertificateExport]:
    """The scheme's latest exports whose files have not expired yet."""
    return CertificateExport.objects.filter(scheme=scheme, expires_at__gt=timezone.now())[
        :RECENT_EXPORTS
    ]


def managed_exports(user: User) -> QuerySet[CertificateExport]:
    """The exports the user may follow and download, each with its scheme."""
    return permissions.certificate_exports_managed_by(user).select_related("scheme")


def certificates_with_scheme() -> QuerySet[Certificate]:
    return Certificate.objects.select_related("scheme")


def certificate_by_code(code: str) -> Certificate | None:
    """The certificate with the (normalised) verification code, for the public page."""
    return certificates_with_scheme().filter(code=code).first()

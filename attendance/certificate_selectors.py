"""Reads for certificates: who is due one, what one states, and the organisers' pages."""

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, Max, Min, OuterRef, QuerySet, Subquery

from attendance.models import (
    Attendance,
    Certificate,
    Requirement,
    TraineeFigure,
)
from attendance.progress import recorded_q, scheme_overview
from attendance.statuses import AttendanceStatus
from groups.models import PersonErasure, Scheme, User

# The certificates page lists this many of the latest exports still to download.


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


def certificates_due_rows(scheme: Scheme) -> list[CertificateCandidate]:
    """The candidates who need a certificate: none yet, or one for fewer sessions; the
    erased have no one left to certify. Three queries."""
    due = [row for row in certificate_candidates(scheme) if row.needs_certificate]
    erased = set(
        User.objects.filter(figures__scheme=scheme, erasure__isnull=False).values_list(
            "pk", flat=True
        )
    )
    return [row for row in due if row.person.pk not in erased]


def certificates_due(scheme: Scheme) -> list[User]:
    """Eligible trainees with no certificate, or one for fewer sessions; the erased
    have no one left to certify."""
    return [row.person for row in certificates_due_rows(scheme)]


def _due_figures(schemes: list[Scheme]) -> QuerySet[TraineeFigure]:
    """The figures of those certificates_due() lists, in the given schemes: complete, not
    erased, with no current certificate for as many sessions as they have now."""
    up_to_date = Certificate.objects.filter(
        scheme=OuterRef("scheme"),
        trainee=OuterRef("person"),
        revoked_at__isnull=True,
        superseded_at__isnull=True,
        sessions_counted__gte=OuterRef("counted"),
    )
    # NOT EXISTS on the erasures, not a join through the person: with the join,
    # PostgreSQL read every person of the scheme first (11 ms against 5 ms for a scheme of
    # 5,000 complete trainees: medians of 15 runs from psql, nothing else running).
    erased = PersonErasure.objects.filter(person=OuterRef("person"))
    return (
        TraineeFigure.objects.filter(scheme__in=schemes, status=TraineeFigure.Status.COMPLETE)
        .exclude(Exists(erased))
        .exclude(Exists(up_to_date))
    )


def certificates_due_count(scheme: Scheme) -> int:
    """How many certificates_due() would list, in one count query, for a page that asks
    again and again while the worker issues them."""
    return _due_figures([scheme]).count()


def certificates_due_counts(schemes: list[Scheme]) -> dict[int, int]:
    """Per scheme, how many certificates_due() would list: one query for them all."""
    rows = _due_figures(schemes).values("scheme").annotate(n=Count("pk"))
    return dict(rows.values_list("scheme", "n"))


# The issuing page lists this many of those it issued, with a link to all of them.
ISSUED_SHOWN = 10


@dataclass
class IssueProgress:
    """Where issuing for everyone eligible stands: `total` were due when the organiser
    confirmed at `since`; `issued` certificates of the scheme are dated since then."""

    total: int
    issued: int
    still_due: int
    latest: list[Certificate]

    @property
    def finished(self) -> bool:
        # Someone who turned ineligible meanwhile (a corrected register, an erasure) gets
        # none, so "all issued" is not the only end: nobody due any more is one too.
        return self.issued >= self.total or self.still_due == 0

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.issued / self.total)) if self.total else 100


def issue_progress(scheme: Scheme, *, since: datetime, total: int) -> IssueProgress:
    """Three queries: those issued since, the first of them by name, and those still due."""
    issued_since = Certificate.objects.filter(scheme=scheme, issued_at__gte=since)
    issued = issued_since.count()
    return IssueProgress(
        total=total,
        issued=issued,
        still_due=certificates_due_count(scheme),
        latest=list(issued_since.order_by("holder_name", "pk")[:ISSUED_SHOWN]) if issued else [],
    )


def certificate_snapshot(person: User, scheme: Scheme) -> dict:
    """What the certificate states, from the register as it stands now. Three queries
    of plain values: issuing for a whole national scheme loads no register rows.

    Raises ValidationError while the person has fewer sessions than the scheme requires.
    """
    requirement = Requirement.for_scheme(scheme)
    counted = Attendance.objects.filter(
        recorded_q(requirement), person=person, status__in=requirement.counted_statuses
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


def certificates_with_scheme() -> QuerySet[Certificate]:
    return Certificate.objects.select_related("scheme")


def certificate_by_code(code: str) -> Certificate | None:
    """The certificate with the (normalised) verification code, for the public page."""
    return certificates_with_scheme().filter(code=code).first()


# --- What a certificate is printed with ------------------------------------------------------


@dataclass(frozen=True)
class Signatory:
    name: str
    role: str


def certificate_designs(certificates: list[Certificate]) -> dict[int, Requirement]:
    """Each scheme's mark and signing rule, by scheme id: one query, none for certificates
    held only in memory (the worker's warm-up)."""
    schemes = {c.scheme_id for c in certificates if c.scheme_id is not None}
    if not schemes:
        return {}
    return Requirement.objects.only(
        "scheme_id",
        "counted_statuses",
        "guest_sessions_count",
        "certificate_mark",
        "certificate_leader_signs",
    ).in_bulk(schemes)


# What a signing leader is called under their name, by their role at that session.
LEADER_ROLES = {
    Attendance.Role.LEADER.value: "Group leader",
    Attendance.Role.CO_LEADER.value: "Co-leader",
}


def signing_leaders(
    certificates: list[Certificate], designs: dict[int, Requirement]
) -> dict[int, Signatory]:
    """By certificate id, the leader who signs it where the scheme asks for one: whoever led
    the holder's last counted session up to the certificate's period end, a leader before a
    co-leader. Only a name the certificate itself lists signs: one scrubbed from it since
    (an erased leader) does not come back. Two queries a scheme, whatever the number."""
    last: dict[int, int] = {}
    for scheme_id, design in designs.items():
        ids = [c.pk for c in certificates if c.scheme_id == scheme_id and c.pk is not None]
        if not design.certificate_leader_signs or not ids:
            continue
        last_session = (
            Attendance.objects.filter(
                recorded_q(design),
                status__in=design.counted_statuses,
                person=OuterRef("trainee"),
                session__slot_date__lte=OuterRef("period_end"),
            )
            .order_by("-session__starts_at")
            .values("session")[:1]
        )
        rows = Certificate.objects.filter(pk__in=ids).annotate(last=Subquery(last_session))
        last.update((pk, session) for pk, session in rows.values_list("pk", "last") if session)
    if not last:
        return {}
    leading: dict[int, tuple] = {}
    for session, role, name, group in (
        Attendance.objects.filter(
            session__in=set(last.values()),
            role__in=list(LEADER_ROLES),
            status__in=[AttendanceStatus.PRESENT, AttendanceStatus.LATE],
        )
        .order_by("session", "-role", "person__full_name")  # "leader" sorts after "co_leader"
        .values_list("session", "role", "person__full_name", "session__group__name")
    ):
        leading.setdefault(session, (role, name, group))
    signers = {}
    for certificate in certificates:
        role, name, group = leading.get(last.get(certificate.pk), (None, None, None))
        if name and name in certificate.leaders.split("; "):
            signers[certificate.pk] = Signatory(name, f"{LEADER_ROLES[role]}, {group}")
    return signers

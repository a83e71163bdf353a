"""The attendance app's share of personal data: register records, the register history a
person wrote, certificates held, issued or revoked, certificate and statement exports requested,
statements of attendance held or issued, and workplace assessments held or completed
(their rule is attendance.assessments.privacy's).

Erasure keeps every register record (the scheme's figures stand), every
certificate and every statement (each stays verifiable by its code); the holder's
name and number are blanked and the certificate or statement says when.
"""

from collections.abc import Sequence
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse

from attendance.assessments import privacy as assessments_privacy
from attendance.models import (
    Attendance,
    AttendanceChange,
    Certificate,
    CertificateExport,
    Statement,
    StatementExport,
    StatementExportEntry,
    TraineeFigure,
)
from balint.privacy import PersonalDataPart, mentioning, mentions_of, row, scrub_mentions
from groups.models import ERASED_NAME, User

LEADER_SEPARATOR = "; "


def _state(certificate: Certificate) -> str:
    if certificate.revoked_at:
        return "revoked"
    return "superseded" if certificate.superseded_at else "valid"


def _exports_of(model, person: User, holding: str) -> list[dict]:
    """The bulk exports of `model` the person asked for; `holding` names what they hold."""
    return [
        row(
            export_id=e.pk,
            scheme=e.scheme.name,
            requested_at=e.created_at,
            **{holding: e.total},
            status=e.get_status_display(),
        )
        for e in model.objects.filter(requested_by=person).select_related("scheme")
    ]


def _delete_exports(exports: QuerySet) -> None:
    """Their ZIPs print the erased name: the rows go now, the files once that commits."""
    found = list(exports.distinct())
    files = [e.file.name for e in found if e.file]
    exports.model.objects.filter(pk__in=[e.pk for e in found]).delete()
    if files:
        storage = exports.model._meta.get_field("file").storage
        transaction.on_commit(lambda: [storage.delete(name) for name in files])


class AttendancePart(PersonalDataPart):
    name = "attendance"
    covers = frozenset(
        {
            (Attendance, "person"),
            (Attendance, "updated_by"),
            (AttendanceChange, "changed_by"),
            (Certificate, "trainee"),
            (Certificate, "issued_by"),
            (Certificate, "revoked_by"),
            (CertificateExport, "requested_by"),
            (Statement, "person"),
            (StatementExport, "requested_by"),
            (StatementExportEntry, "person"),
            (Statement, "issued_by"),
            (TraineeFigure, "person"),
        }
        | assessments_privacy.COVERS
    )
    held = (
        "Your attendance at each session (present, late, apologies, absent) and the "
        "capacity you attended in; who changed a register and when; the progress figures "
        "computed from it (sessions counted, attendance rate, status).",
        "Completion certificates: the name and registration number printed on them, the "
        "sessions counted and a verification code anyone holding the certificate can check.",
        "Statements of attendance downloaded by you or your scheme organisers: your name, "
        "the sessions counted and assessments completed on the day each was issued and "
        "its verification code.",
        *assessments_privacy.HELD,
    )

    def export(self, person: User) -> dict[str, list[dict]]:
        records = Attendance.objects.filter(person=person).select_related("session__group__scheme")
        changes = AttendanceChange.objects.filter(changed_by=person).select_related(
            "attendance__session__group"
        )
        actions = []
        for c in Certificate.objects.filter(issued_by=person).select_related("scheme"):
            actions.append(
                row(action="issued", code=c.display_code, scheme=c.scheme.name, at=c.issued_at)
            )
        for c in Certificate.objects.filter(revoked_by=person).select_related("scheme"):
            actions.append(
                row(action="revoked", code=c.display_code, scheme=c.scheme.name, at=c.revoked_at)
            )
        return {
            "attendance": [
                row(
                    session_id=r.session_id,
                    scheme=r.session.group.scheme.name,
                    group=r.session.group.name,
                    date=r.session.slot_date,
                    role=r.get_role_display(),
                    status=r.get_status_display(),
                    recorded_at=r.updated_at,
                )
                for r in records.order_by("session__starts_at")
            ],
            # Actions taken: the register lines written, by the person's id only.
            "register_changes_you_made": [
                row(
                    session_id=c.attendance.session_id,
                    group=c.attendance.session.group.name,
                    date=c.attendance.session.slot_date,
                    person_id=c.attendance.person_id,
                    before=c.get_before_display(),
                    after=c.get_after_display(),
                    changed_at=c.changed_at,
                )
                for c in changes
            ],
            "certificates": [
                row(
                    code=c.display_code,
                    scheme=c.scheme.name,
                    holder_name=c.holder_name,
                    registration_number=c.registration_number,
                    sessions_counted=c.sessions_counted,
                    sessions_required=c.sessions_required,
                    period_start=c.period_start,
                    period_end=c.period_end,
                    groups=c.groups,
                    issued_at=c.issued_at,
                    state=_state(c),
                    verify_at=settings.SITE_URL + reverse("verify", args=[c.code]),
                )
                for c in Certificate.objects.filter(trainee=person).select_related("scheme")
            ],
            "certificates_you_issued_or_revoked": actions,
            "statements": [
                row(
                    code=s.display_code,
                    scheme=s.scheme.name,
                    holder_name=s.holder_name,
                    sessions_counted=s.sessions_counted,
                    sessions_required=s.sessions_required,
                    assessments_completed=s.assessments_completed,
                    issued_at=s.issued_at,
                    verify_at=settings.SITE_URL + reverse("verify", args=[s.code]),
                )
                for s in Statement.objects.filter(person=person).select_related("scheme")
            ],
            # Statements downloaded for others: the codes, not their names.
            "statements_you_issued_for_others": [
                row(
                    code=s.display_code, scheme=s.scheme.name, person_id=s.person_id, at=s.issued_at
                )
                for s in Statement.objects.filter(issued_by=person)
                .exclude(person=person)
                .select_related("scheme")
            ],
            # Derived from the attendance above: the figures your scheme's organisers see.
            "progress": [
                row(
                    scheme=f.scheme.name,
                    sessions_counted=f.counted,
                    sessions_recorded=f.recorded,
                    status=f.get_status_display(),
                )
                for f in TraineeFigure.objects.filter(person=person).select_related("scheme")
            ],
            "certificate_exports_you_requested": _exports_of(
                CertificateExport, person, "certificates"
            ),
            "statement_exports_you_requested": _exports_of(StatementExport, person, "statements"),
            **assessments_privacy.export(person),
        }

    def erase_many(self, people: Sequence[User], *, when: datetime) -> None:
        words = mentions_of(people)
        ids = [person.pk for person in people]
        touched = set(
            Certificate.objects.filter(Q(trainee__in=ids) | Q(issued_by__in=ids)).values_list(
                "pk", flat=True
            )
        )
        Certificate.objects.filter(trainee__in=ids, holder_erased_at__isnull=True).update(
            holder_name="", registration_number="", holder_erased_at=when
        )
        Certificate.objects.filter(issued_by__in=ids).update(issued_by_name=ERASED_NAME)
        # The figures stay (they count the kept records); the name they sort by goes.
        TraineeFigure.objects.filter(person__in=ids).update(name_key=ERASED_NAME.casefold())
        Statement.objects.filter(person__in=ids, holder_erased_at__isnull=True).update(
            holder_name="", holder_erased_at=when
        )

        touched |= _leaders_erased(people)
        touched |= set(
            mentioning(Certificate.objects.all(), "revoke_reason", words).values_list(
                "pk", flat=True
            )
        )
        scrub_mentions(Certificate.objects.all(), "revoke_reason", words)
        _delete_exports(CertificateExport.objects.filter(certificates__in=touched))
        _delete_exports(StatementExport.objects.filter(entries__person__in=ids))
        assessments_privacy.erase_many(people, when=when)
        # Kept, pointing at the anonymised person: register records and their history,
        # the certificates themselves, exports they requested of others' certificates,
        # the progress figures, the statements (nameless) and those they issued to others.


def _leaders_erased(people: Sequence[User]) -> set[int]:
    """Other trainees' certificates name their leaders: each person's name goes from the
    certificates of the schemes they led in. Returns the certificates changed."""
    named = {person.pk: person.full_name for person in people if person.full_name}
    if not named:
        return set()
    led = (
        Attendance.objects.filter(
            person__in=list(named), role__in=[Attendance.Role.LEADER, Attendance.Role.CO_LEADER]
        )
        .values_list("session__group__scheme", "person")
        .distinct()
    )
    leaders_in: dict[int, set[str]] = {}
    for scheme_id, person_id in led:
        leaders_in.setdefault(scheme_id, set()).add(named[person_id])
    if not leaders_in:
        return set()
    any_name = Q()
    for name in set().union(*leaders_in.values()):
        any_name |= Q(leaders__contains=name)
    changed = []
    candidates = Certificate.objects.filter(any_name, scheme__in=list(leaders_in))
    for certificate in candidates.only("pk", "scheme", "leaders"):
        names = certificate.leaders.split(LEADER_SEPARATOR)
        gone = leaders_in[certificate.scheme_id]
        if gone.intersection(names):
            certificate.leaders = LEADER_SEPARATOR.join(
                ERASED_NAME if n in gone else n for n in names
            )
            changed.append(certificate)
    Certificate.objects.bulk_update(changed, ["leaders"], batch_size=500)
    return {certificate.pk for certificate in changed}


part = AttendancePart()

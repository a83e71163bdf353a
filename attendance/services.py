"""Writes for registers and certificates. Every register change leaves an AttendanceChange.
Exports of many certificates at once: attendance.certificate_exports."""

import logging
from collections import Counter
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from attendance import certificate_selectors, permissions
from attendance.models import Attendance, AttendanceChange, Certificate
from attendance.statuses import AttendanceStatus
from balint.outbox import email_queue
from balint.queue import enqueue_on_commit
from groups import permissions as group_permissions
from groups.figures_hooks import figures_changed
from groups.models import PersonErasure, Scheme, User
from sessions.guests.selectors import register_roles
from sessions.models import Session


class RegisterConflict(ValidationError):
    """Someone else changed the same records while this register was open."""


# The longest reason a correction may give (AttendanceChange.reason).
REASON_LENGTH = 200


@dataclass(frozen=True)
class Entry:
    """One line of a submitted register: the status shown when the page opened, and the new
    one; "" for either means not marked (no record then, none saved now)."""

    person_id: int
    was: str
    status: str


@dataclass(frozen=True)
class RegisterSaved:
    """The register as a save left it: how many records it changed, how many people hold
    each status (in AttendanceStatus order, those held by someone) and how many of the
    people on the register are not marked yet."""

    changes: int
    marked: dict[str, int]
    unmarked: int


def _check_entries(entries: list[Entry], reason: str) -> None:
    for entry in entries:
        if entry.status and entry.status not in AttendanceStatus.values:
            raise ValidationError(f"{entry.status!r} is not an attendance status.")
    if len(reason) > REASON_LENGTH:
        raise ValidationError(
            {"reason": f"Keep the reason to {REASON_LENGTH} characters or fewer."}
        )


def register_save(
    *, actor: User, session: Session, entries: list[Entry], reason: str = ""
) -> RegisterSaved:
    """Save a whole register in one transaction and mark the session held.

    Only marked lines are saved: a person not marked yet gets no record, so nothing
    counts toward the requirement until a leader says so. Changing a saved entry after
    the session's day needs a `reason`, kept on each change of that save.

    Two leaders may save at once: the session row is locked, and a record that
    the other leader changed in the meantime to something else is a conflict
    (nothing is saved; the page reloads with their values). Changes that agree,
    or touch different people, both go through.
    """
    if not permissions.can_take_register(actor, session):
        raise PermissionDenied(
            "Only the group's leaders and the scheme's organisers take registers."
        )
    if not permissions.register_is_open(session):
        raise ValidationError(
            "The register opens on the day of the session and not for cancelled ones."
        )
    reason = reason.strip()
    _check_entries(entries, reason)

    with transaction.atomic():
        # Lock only the session row: the group stays editable while registers are saved.
        session = (
            Session.objects.select_for_update(of=("self",))
            .select_related("group__scheme")  # the figures refresh below needs the scheme
            .get(pk=session.pk)
        )
        roles = register_roles(session)
        existing = {
            a.person_id: a
            for a in session.attendance.select_related("person").select_for_update(of=("self",))
        }
        unknown = [
            e.person_id for e in entries if e.person_id not in roles and e.person_id not in existing
        ]
        if unknown:
            raise ValidationError(
                "The register lists someone who is not in the group on that date."
            )

        # A line left as the page showed it is not a change of this submitter's:
        # it neither conflicts with nor undoes what someone else saved meanwhile.
        # Nor is a line left unmarked: a record cannot be taken back to no mark.
        entries = [e for e in entries if e.status and e.status != e.was]
        conflicts = []
        for entry in entries:
            current = existing[entry.person_id].status if entry.person_id in existing else ""
            if current != entry.was and current != entry.status:
                conflicts.append(existing[entry.person_id])
        if conflicts:
            names = ", ".join(sorted(str(a.person) for a in conflicts))
            raise RegisterConflict(
                f"Someone else changed this register while you had it open ({names}). "
                "The page now shows their entries: check them and save again."
            )
        if not existing and not entries:
            raise ValidationError("Mark at least one person before saving the register.")
        corrects = any(
            e.person_id in existing and existing[e.person_id].status != e.status for e in entries
        )
        if corrects and not reason and permissions.correction_needs_reason(session):
            raise ValidationError(
                {
                    "reason": "Say why the register is changed after the day of the session: "
                    "the reason is kept in its history."
                }
            )

        changes = 0
        for entry in entries:
            record = existing.get(entry.person_id)
            if record is None:
                record = existing[entry.person_id] = Attendance.objects.create(
                    session=session,
                    person_id=entry.person_id,
                    role=roles[entry.person_id],
                    status=entry.status,
                    updated_by=actor,
                )
                before = ""
            elif record.status != entry.status:
                before = record.status
                record.status, record.updated_by = entry.status, actor
                record.save(update_fields=["status", "updated_by", "updated_at"])
            else:
                continue
            AttendanceChange.objects.create(
                attendance=record,
                changed_by=actor,
                before=before,
                after=entry.status,
                reason=reason,
            )
            changes += 1
        if session.status != Session.Status.HELD:
            session.status = Session.Status.HELD
            session.save(update_fields=["status", "updated_at"])
            # The sessions combined into it were held here, with it.
            session.combined_sessions.update(status=Session.Status.HELD, updated_at=timezone.now())
        # Held now: its records count, and it is no longer upcoming for the members.
        counted = (Attendance.Role.MEMBER, Attendance.Role.GUEST)
        members = {pk for pk, role in roles.items() if role in counted}
        members |= {pk for pk, a in existing.items() if a.role in counted}
        figures_changed(session.group.scheme_id, members)
    held = Counter(a.status for a in existing.values())
    return RegisterSaved(
        changes=changes,
        marked={status: held[status] for status in AttendanceStatus.values if held[status]},
        unmarked=len(roles.keys() - existing.keys()),
    )


# --- Certificates ----------------------------------------------------------------------


def certificate_issue(*, actor: User, scheme: Scheme, trainee: User) -> Certificate:
    """Issue a certificate; one issued earlier for fewer sessions is superseded."""
    group_permissions.require_organiser(actor, scheme)
    if PersonErasure.objects.filter(person=trainee).exists():
        raise ValidationError("This person's record was erased: there is no one to certify.")
    snapshot = certificate_selectors.certificate_snapshot(trainee, scheme)
    with transaction.atomic():
        current = (
            Certificate.objects.select_for_update()
            .filter(
                trainee=trainee, scheme=scheme, revoked_at__isnull=True, superseded_at__isnull=True
            )
            .first()
        )
        if current and current.sessions_counted >= snapshot["sessions_counted"]:
            raise ValidationError(
                f"{trainee} already holds an up-to-date certificate ({current.display_code})."
            )
        if current:
            # Leave the "one current certificate" slot before the new one takes it.
            current.superseded_at = timezone.now()
            current.save(update_fields=["superseded_at"])
        try:
            with transaction.atomic():
                certificate = Certificate.objects.create(
                    trainee=trainee,
                    scheme=scheme,
                    issued_by=actor,
                    issued_by_name=actor.full_name,
                    issued_at=timezone.now(),
                    **snapshot,
                )
        except IntegrityError:  # another organiser issued one at the same moment
            raise ValidationError(f"{trainee} was issued a certificate a moment ago.") from None
        if current:
            current.superseded_by = certificate
            current.save(update_fields=["superseded_by"])
        _queue_certificate_notice(certificate)
    return certificate


def _queue_certificate_notice(certificate: Certificate) -> None:
    trainee = certificate.trainee
    email_queue(
        kind="certificate_issued",
        object_key=f"certificate:{certificate.pk}",
        to=trainee.email,
        person=trainee,
        scheme=certificate.scheme,
        template="certificate_issued",
        context={
            "certificate": certificate,
            "pdf_url": settings.SITE_URL + reverse("certificate_pdf", args=[certificate.pk]),
            "progress_url": settings.SITE_URL + reverse("my_progress"),
        },
    )


def certificates_issue_eligible(*, actor: User, scheme: Scheme) -> list[Certificate]:
    """A certificate for everyone eligible who has none, or an older one for fewer sessions.

    Someone who cannot have one now (issued a moment ago by another organiser, no longer
    eligible after a corrected register) is skipped: the others still get theirs."""
    group_permissions.require_organiser(actor, scheme)
    issued = []
    for trainee in certificate_selectors.certificates_due(scheme):
        try:
            issued.append(certificate_issue(actor=actor, scheme=scheme, trainee=trainee))
        except ValidationError as exc:
            logging.getLogger(__name__).info("Not issued to %s: %s", trainee.pk, exc.messages)
    return issued


def certificates_issue_eligible_start(*, actor: User, scheme: Scheme) -> int:
    """Queue certificates_issue_eligible for the worker: a national scheme has thousands
    due at once, far more than a request may take. Returns how many are due."""
    group_permissions.require_organiser(actor, scheme)
    due = certificate_selectors.certificates_due_count(scheme)
    if due:
        enqueue_on_commit("attendance.tasks.issue_eligible_certificates", scheme.pk, actor.pk)
    return due


def certificate_revoke(*, actor: User, certificate: Certificate, reason: str) -> Certificate:
    group_permissions.require_organiser(actor, certificate.scheme)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Give a reason; it shows on the verification page."})
    with transaction.atomic():
        certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if certificate.revoked_at is not None:
            raise ValidationError("This certificate is already revoked.")
        certificate.revoked_at, certificate.revoked_by = timezone.now(), actor
        certificate.revoke_reason = reason
        certificate.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    return certificate

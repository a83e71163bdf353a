"""Writes for guests and combined sessions (issue: groups that shrink).

A trainee may ask to attend another group's session in their scheme as a guest; its
leaders accept or decline, or the scheme lets guests in without asking
(SchemeSettings.guests_need_approval). A group's session may be combined into another
group's on the same date: one room, one register (the host's), both groups expected.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from groups.models import Membership, User
from sessions import permissions
from sessions.guests import notices, selectors
from sessions.models import GuestRequest, SchemeSettings, Session


def _require_upcoming(session: Session, what: str) -> None:
    if session.status != Session.Status.SCHEDULED or session.starts_at <= timezone.now():
        raise ValidationError(f"Only an upcoming session can {what}.")


def guest_request_make(*, person: User, session: Session) -> GuestRequest:
    """Ask to attend another group's upcoming session in one's own scheme as a guest."""
    home_groups = selectors.home_groups(person, session.slot_date)
    if not home_groups.filter(scheme=session.group.scheme_id).exists():
        raise PermissionDenied("Only trainees in a group of the same scheme can visit.")
    own = Membership.objects.current(session.slot_date).filter(person=person, group=session.group)
    if own.exists():
        raise ValidationError("That is your own group’s session.")
    with transaction.atomic():
        session = (
            Session.objects.select_for_update().select_related("group__scheme").get(pk=session.pk)
        )
        _require_upcoming(session, "take guests")
        if session.combined_into_id is not None:
            raise ValidationError("That session is combined with another group’s: visit that one.")
        settings = SchemeSettings.for_scheme(session.group.scheme)
        status = (
            GuestRequest.Status.PENDING
            if settings.guests_need_approval
            else GuestRequest.Status.ACCEPTED
        )
        try:
            with transaction.atomic():
                request = GuestRequest.objects.create(session=session, person=person, status=status)
        except IntegrityError:
            raise ValidationError("You have already asked to visit that session.") from None
        notices.guest_request_changed(request)
    return request


def guest_request_decide(*, actor: User, request: GuestRequest, accept: bool) -> GuestRequest:
    """A leader of the visited group (or an organiser) accepts or declines a request."""
    session = request.session
    permissions.require_scheduler(actor, session.group)
    with transaction.atomic():
        request = (
            GuestRequest.objects.select_for_update()
            .select_related("session__group__scheme", "person")
            .get(pk=request.pk)
        )
        if request.status != GuestRequest.Status.PENDING:
            raise ValidationError("That request has been answered already.")
        _require_upcoming(request.session, "take guests")
        request.status = GuestRequest.Status.ACCEPTED if accept else GuestRequest.Status.DECLINED
        request.decided_by, request.decided_at = actor, timezone.now()
        request.save(update_fields=["status", "decided_by", "decided_at"])
        notices.guest_request_changed(request)
    return request


def guest_request_withdraw(*, actor: User, request: GuestRequest) -> None:
    """The guest takes their request back before the session (accepted or not)."""
    if request.person_id != actor.pk:
        raise PermissionDenied("You can only withdraw your own request.")
    with transaction.atomic():
        request = (
            GuestRequest.objects.select_for_update().select_related("session").get(pk=request.pk)
        )
        _require_upcoming(request.session, "be withdrawn from")
        if request.status not in (GuestRequest.Status.PENDING, GuestRequest.Status.ACCEPTED):
            raise ValidationError("That request is closed already.")
        request.status = GuestRequest.Status.WITHDRAWN
        request.save(update_fields=["status"])


def session_combine(*, actor: User, session: Session, host: Session) -> Session:
    """Combine `session` into `host`, another group's session of the scheme on the same
    date: `session` then takes no register and its members are expected at `host`."""
    permissions.require_scheduler(actor, session.group)
    with transaction.atomic():
        locked = {
            s.pk: s
            for s in Session.objects.select_for_update()
            .select_related("group__scheme")
            .filter(pk__in=[session.pk, host.pk])
        }
        session, host = locked[session.pk], locked[host.pk]
        if not selectors.combinable_with(session).filter(pk=host.pk).exists():
            raise ValidationError(
                "Choose another group’s session of the scheme on the same date, "
                "itself not combined into a third."
            )
        _require_upcoming(session, "be combined")
        _require_upcoming(host, "host a combined session")
        if session.combined_sessions.exists():
            raise ValidationError("Other groups meet with this session: it stays their host.")
        if session.attendance.exists():
            raise ValidationError("This session has a register already.")
        session.combined_into = host
        session.sequence += 1  # calendars show the new place
        session.save(update_fields=["combined_into", "sequence", "updated_at"])
        notices.session_combined(session, host)
    return session


def session_separate(*, actor: User, session: Session) -> Session:
    """Undo a combination before the session: the group meets on its own again."""
    permissions.require_scheduler(actor, session.group)
    with transaction.atomic():
        session = Session.objects.select_for_update().get(pk=session.pk)
        _require_upcoming(session, "be separated")
        if session.combined_into_id is None:
            return session  # nothing to undo: calendars see no change
        session.combined_into = None
        session.sequence += 1
        session.save(update_fields=["combined_into", "sequence", "updated_at"])
    return session

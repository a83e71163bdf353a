"""Writes to the presenter rota: fair assignment, a presenter set by hand, a date given
back, and swaps between two presenters.

Each checks permission and runs in one transaction; the emails it causes are queued
in the outbox inside it (sessions.notices).
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from groups.models import BalintGroup, Membership, User
from sessions import notices, permissions
from sessions.models import Session, SwapRequest
from sessions.rota import planning, selectors
from sessions.schedule import selectors as schedule_selectors


def rota_assign(*, actor: User, group: BalintGroup, rebuild: bool = False) -> dict[int, int]:
    """Give every upcoming session without a presenter a fair one.

    With `rebuild`, upcoming presenters are cleared first and the whole future
    rota is planned again; otherwise existing assignments are left alone.
    Returns session id -> person id for the assignments made.
    """
    permissions.require_scheduler(actor, group)
    with transaction.atomic():
        BalintGroup.objects.select_for_update().filter(pk=group.pk).first()
        upcoming = schedule_selectors.upcoming_sessions(group).select_for_update()
        if rebuild:
            _withdraw_pending_swaps(upcoming.values_list("pk", flat=True))
            upcoming.update(presenter=None)
        upcoming = list(upcoming)
        inputs = selectors.rota_inputs(group, upcoming)
        plan = planning.plan_rota(
            slots=inputs.slots,
            members=inputs.members,
            counts=inputs.counts,
            last_presented=inputs.last_presented,
        )
        by_id = {s.pk: s for s in upcoming}
        for session_id, person_id in plan.items():
            by_id[session_id].presenter_id = person_id
        Session.objects.bulk_update([by_id[k] for k in plan], ["presenter"])
    return plan


def presenter_set(*, actor: User, session: Session, presenter: User | None) -> Session:
    """Set a presenter by hand. They must be a member of the group on that date."""
    permissions.require_scheduler(actor, session.group)
    if presenter is not None and not selectors.is_member_on(
        presenter, session.group, session.slot_date
    ):
        raise ValidationError(
            {"presenter": f"{presenter} is not a member of {session.group} then."}
        )
    with transaction.atomic():
        session.presenter = presenter
        session.save(update_fields=["presenter", "updated_at"])
    return session


def presentation_give_back(*, actor: User, session: Session) -> Session:
    """A presenter hands their date back; the leaders are told so they can reassign it."""
    if session.presenter_id != actor.pk:
        raise PermissionDenied("You can only give back your own presenting date.")
    if session.status != Session.Status.SCHEDULED or session.starts_at <= timezone.now():
        raise ValidationError("Only an upcoming presenting date can be given back.")
    with transaction.atomic():
        session.presenter = None
        session.save(update_fields=["presenter", "updated_at"])
        notices.date_given_back(session, actor)
    return session


# --- Swaps --------------------------------------------------------------------


def _check_swappable(session: Session, presenter: User) -> None:
    if session.presenter_id != presenter.pk:
        raise ValidationError(f"{presenter} no longer presents on {session.slot_date:%d %b}.")
    if session.status != Session.Status.SCHEDULED or session.starts_at <= timezone.now():
        raise ValidationError(f"The session on {session.slot_date:%d %b} is not upcoming.")


def _check_member_for_swap(person: User, session: Session, *, other: Session) -> None:
    """After the swap `person` presents at `other`: they must belong to the group then."""
    if not selectors.is_member_on(
        person, other.group, other.slot_date, role=Membership.Role.MEMBER
    ):
        raise ValidationError(
            f"{person} is not a member of {other.group} on {other.slot_date:%d %b %Y}, "
            "so the dates cannot be swapped."
        )


def _check_free_for_swap(person: User, *, other: Session) -> None:
    """After the swap `person` presents at `other`: not while on leave or on call."""
    reason = selectors.away_reason(person, other)
    if reason:
        raise ValidationError(
            f"{person} {reason} ({other.slot_date:%d %b %Y}), so the dates cannot be swapped."
        )


def swap_request(
    *, requester: User, requester_session: Session, recipient_session: Session
) -> SwapRequest:
    if requester_session.group_id != recipient_session.group_id:
        raise ValidationError("Both dates must be in the same group.")
    recipient = recipient_session.presenter
    if recipient is None:
        raise ValidationError("No one presents on that date; ask your leader instead.")
    if recipient.pk == requester.pk:
        raise ValidationError("Choose a date someone else presents on.")
    _check_swappable(requester_session, requester)
    _check_swappable(recipient_session, recipient)
    _check_member_for_swap(requester, requester_session, other=recipient_session)
    _check_member_for_swap(recipient, recipient_session, other=requester_session)
    _check_free_for_swap(requester, other=recipient_session)
    try:
        with transaction.atomic():
            swap = SwapRequest.objects.create(
                requester=requester,
                recipient=recipient,
                requester_session=requester_session,
                recipient_session=recipient_session,
            )
            notices.swap_changed(swap)
    except IntegrityError:
        raise ValidationError("You have already asked for this swap.") from None
    return swap


def swap_accept(*, actor: User, swap: SwapRequest) -> SwapRequest:
    """Both sessions change together, or neither does."""
    if swap.recipient_id != actor.pk:
        raise PermissionDenied("Only the person asked can accept a swap.")
    with transaction.atomic():
        swap = SwapRequest.objects.select_for_update().get(pk=swap.pk)
        if swap.status != SwapRequest.Status.PENDING:
            raise ValidationError("This swap request is no longer open.")
        mine, theirs = (
            Session.objects.select_for_update().select_related("group").get(pk=pk)
            for pk in (swap.requester_session_id, swap.recipient_session_id)
        )
        _check_swappable(mine, swap.requester)
        _check_swappable(theirs, swap.recipient)
        _check_member_for_swap(swap.requester, mine, other=theirs)
        _check_member_for_swap(swap.recipient, theirs, other=mine)
        _check_free_for_swap(swap.recipient, other=mine)  # their leave may have come since
        mine.presenter, theirs.presenter = swap.recipient, swap.requester
        Session.objects.bulk_update([mine, theirs], ["presenter"])
        swap.status = SwapRequest.Status.ACCEPTED
        swap.decided_at = timezone.now()
        swap.save(update_fields=["status", "decided_at"])
        _withdraw_pending_swaps([mine.pk, theirs.pk])
        notices.swap_changed(swap)
    return swap


def swap_decline(*, actor: User, swap: SwapRequest) -> SwapRequest:
    """The recipient declines, or the requester withdraws."""
    if actor.pk not in (swap.recipient_id, swap.requester_id):
        raise PermissionDenied("This swap is not yours.")
    with transaction.atomic():
        swap = SwapRequest.objects.select_for_update().get(pk=swap.pk)
        if swap.status != SwapRequest.Status.PENDING:
            raise ValidationError("This swap request is no longer open.")
        withdrawn = actor.pk == swap.requester_id
        swap.status = SwapRequest.Status.WITHDRAWN if withdrawn else SwapRequest.Status.DECLINED
        swap.decided_at = timezone.now()
        swap.save(update_fields=["status", "decided_at"])
        if not withdrawn:
            notices.swap_changed(swap)
    return swap


def _withdraw_pending_swaps(session_ids) -> None:
    """Swap requests about sessions whose presenter just changed no longer make sense."""
    ids = list(session_ids)
    SwapRequest.objects.filter(status=SwapRequest.Status.PENDING).filter(
        Q(requester_session__in=ids) | Q(recipient_session__in=ids)
    ).update(status=SwapRequest.Status.WITHDRAWN, decided_at=timezone.now())

"""Writes to the presenter rota: fair assignment, a presenter set by hand, a date given
back, offers to present, and swaps between two presenters.

Each checks permission and runs in one transaction; the emails it causes are queued
in the outbox inside it (sessions.notices).
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from groups.models import BalintGroup, Membership, User
from sessions import notices, permissions
from sessions.models import PresentingOffer, Session, SwapRequest
from sessions.rota import selectors
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
            ids = upcoming.values_list("pk", flat=True)
            _close_swaps(selectors.open_swaps_about(ids), actor=actor, reason=notices.REPLANNED)
            upcoming.update(presenter=None)
        upcoming = list(upcoming)
        plan = selectors.rota_inputs(group, upcoming).plan()
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


# --- Offers to present ----------------------------------------------------------


def presenting_offer_make(*, person: User, session: Session, kind: str) -> PresentingOffer:
    """A member volunteers for a date that has no presenter, or has a case for the group's
    next session. The planner then prefers them for that date (planning.walk_rota)."""
    if not selectors.is_member_on(
        person, session.group, session.slot_date, role=Membership.Role.MEMBER
    ):
        raise PermissionDenied("Only members of the group on that date can offer to present.")
    with transaction.atomic():
        session = Session.objects.select_for_update().get(pk=session.pk)
        if session.status != Session.Status.SCHEDULED or session.starts_at <= timezone.now():
            raise ValidationError("You can only offer to present at an upcoming session.")
        if session.presenter_id == person.pk:
            raise ValidationError("You already present on that date.")
        if kind == PresentingOffer.Kind.VOLUNTEER and session.presenter_id is not None:
            raise ValidationError("That date already has a presenter: choose an open date.")
        if kind == PresentingOffer.Kind.HAVE_A_CASE and session != selectors.next_session(
            session.group
        ):
            raise ValidationError("“I have a case” is for the group’s next session only.")
        away = selectors.away_kind(person, session)
        if away:
            then = "on leave that day" if away == selectors.LEAVE else "on call then"
            raise ValidationError(f"You are {then}, so you cannot offer to present.")
        try:
            with transaction.atomic():
                return PresentingOffer.objects.create(session=session, person=person, kind=kind)
        except IntegrityError:
            raise ValidationError("You have already offered to present on that date.") from None


def presenting_offer_withdraw(*, actor: User, offer: PresentingOffer) -> None:
    """Take an offer back while the rota for its date is not planned yet."""
    if offer.person_id != actor.pk:
        raise PermissionDenied("You can only withdraw your own offer.")
    with transaction.atomic():
        session = Session.objects.select_for_update().get(pk=offer.session_id)
        if not selectors.offer_withdrawable(offer, session, timezone.now()):
            raise ValidationError(
                "The rota for that date is planned: ask to swap or give the date back instead."
            )
        offer.delete()


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


class SwapNeedsConfirmation(ValidationError):
    """Accepting would put the person in front of the group within 48 hours, or close
    other open requests of theirs: they see what it does and say yes first."""

    def __init__(self, check: selectors.AcceptCheck):
        super().__init__("Confirm the swap first.")
        self.check = check


def swap_accept(*, actor: User, swap: SwapRequest, confirmed: bool = False) -> SwapRequest:
    """Both sessions change together, or neither does. Unless `confirmed`, refused with
    SwapNeedsConfirmation when the person would present soon or it closes their other
    open requests; the other requests about either date are closed, and their people told."""
    if swap.recipient_id != actor.pk:
        raise PermissionDenied("Only the person asked can accept a swap.")
    with transaction.atomic():
        swap = SwapRequest.objects.select_for_update().get(pk=swap.pk)
        if swap.status != SwapRequest.Status.PENDING:
            raise ValidationError("This swap request is no longer open.")
        mine, theirs = (
            Session.objects.select_for_update().select_related("group__scheme").get(pk=pk)
            for pk in (swap.requester_session_id, swap.recipient_session_id)
        )
        _check_swappable(mine, swap.requester)
        _check_swappable(theirs, swap.recipient)
        _check_member_for_swap(swap.requester, mine, other=theirs)
        _check_member_for_swap(swap.recipient, theirs, other=mine)
        _check_free_for_swap(swap.recipient, other=mine)  # their leave may have come since
        others = list(
            selectors.open_swaps_about([mine.pk, theirs.pk])
            .exclude(pk=swap.pk)
            .select_for_update(of=("self",))
        )
        check = selectors.AcceptCheck(
            session=mine,
            soon=selectors.presents_soon(mine.starts_at, timezone.now()),
            closes=[s for s in others if actor.pk in (s.requester_id, s.recipient_id)],
        )
        if check.needs_confirmation and not confirmed:
            raise SwapNeedsConfirmation(check)
        mine.presenter, theirs.presenter = swap.recipient, swap.requester
        Session.objects.bulk_update([mine, theirs], ["presenter"])
        swap.status = SwapRequest.Status.ACCEPTED
        swap.decided_at = timezone.now()
        swap.save(update_fields=["status", "decided_at"])
        _close_swaps(others, actor=actor, reason=notices.DATE_CHANGED)
        notices.swap_changed(swap)
    return swap


def swap_decline(*, actor: User, swap: SwapRequest) -> SwapRequest:
    """The recipient declines (both are told), or the requester withdraws (the recipient
    is told: the request no longer waits on My rota for an answer)."""
    if actor.pk not in (swap.recipient_id, swap.requester_id):
        raise PermissionDenied("This swap is not yours.")
    with transaction.atomic():
        swap = SwapRequest.objects.select_for_update().get(pk=swap.pk)
        if swap.status != SwapRequest.Status.PENDING:
            raise ValidationError("This swap request is no longer open.")
        if actor.pk == swap.requester_id:
            _close_swaps([swap], actor=actor, reason=notices.WITHDRAWN)
            return swap
        swap.status = SwapRequest.Status.DECLINED
        swap.decided_at = timezone.now()
        swap.save(update_fields=["status", "decided_at"])
        notices.swap_changed(swap)
    return swap


def _close_swaps(swaps, *, actor: User, reason: str) -> None:
    """Withdraw open requests that no longer hold (or that their requester takes back),
    and tell everyone in them but the person whose action closed them."""
    swaps, now = list(swaps), timezone.now()
    SwapRequest.objects.filter(pk__in=[swap.pk for swap in swaps]).update(
        status=SwapRequest.Status.WITHDRAWN, decided_at=now
    )
    for swap in swaps:
        swap.status, swap.decided_at = SwapRequest.Status.WITHDRAWN, now
        others = [p for p in (swap.requester, swap.recipient) if p.pk != actor.pk]
        notices.swap_withdrawn(swap, reason=reason, people=others)

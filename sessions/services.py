"""Writes for sessions, the presenter rota, leave, swaps and calendar tokens.

Each function checks permission, runs in one transaction and sends email only
after the transaction commits.
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from groups.models import BalintGroup, Membership, User
from sessions import permissions, rota, schedule, selectors
from sessions.models import CalendarToken, Leave, Session, SwapRequest, new_calendar_token

MAX_TERM_DAYS = 400


def _require_scheduler(actor: User, group: BalintGroup) -> None:
    if not permissions.can_schedule(actor, group):
        raise PermissionDenied("Only the group's leaders and the scheme's organisers can do this.")


def _on_commit(task, *args) -> None:
    transaction.on_commit(lambda: task.delay(*args))


# --- Term and single sessions ----------------------------------------------


def term_preview(
    *, group: BalintGroup, start: date, end: date, excluded: set[date] | None = None
) -> list[schedule.TermSlot]:
    if end < start:
        raise ValidationError({"end": "The term ends before it starts."})
    if (end - start).days > MAX_TERM_DAYS:
        raise ValidationError({"end": f"A term can span at most {MAX_TERM_DAYS} days."})
    existing = set(
        group.sessions.filter(slot_date__range=(start, end)).values_list("slot_date", flat=True)
    )
    scheme = group.scheme
    return schedule.plan_term(
        weekday=group.meeting_weekday,
        frequency=group.frequency,
        start_time=group.start_time,
        duration_minutes=group.duration_minutes,
        zone=scheme.time_zone,
        country=scheme.holiday_country,
        subdivision=scheme.holiday_subdivision,
        start=start,
        end=end,
        excluded=excluded or set(),
        existing=existing,
    )


def term_generate(
    *, actor: User, group: BalintGroup, start: date, end: date, excluded: set[date] | None = None
) -> list[Session]:
    """Create the term's sessions. Slots that already have a session are left alone."""
    _require_scheduler(actor, group)
    with transaction.atomic():
        # Lock the group so two leaders generating at once cannot both insert a slot.
        BalintGroup.objects.select_for_update().filter(pk=group.pk).first()
        slots = term_preview(group=group, start=start, end=end, excluded=excluded)
        sessions = [
            Session(group=group, slot_date=s.day, starts_at=s.starts_at, ends_at=s.ends_at)
            for s in slots
            if s.will_be_created
        ]
        Session.objects.bulk_create(sessions)
    return sessions


def _span(group: BalintGroup, day: date, start_time: time | None) -> tuple[datetime, datetime]:
    return schedule.local_span(
        day, start_time or group.start_time, group.duration_minutes, group.scheme.time_zone
    )


def session_add(
    *,
    actor: User,
    group: BalintGroup,
    day: date,
    start_time: time | None = None,
    location_override: str = "",
) -> Session:
    _require_scheduler(actor, group)
    starts_at, ends_at = _span(group, day, start_time)
    session = Session(
        group=group,
        slot_date=day,
        starts_at=starts_at,
        ends_at=ends_at,
        location_override=location_override,
    )
    try:
        with transaction.atomic():
            session.save()
    except IntegrityError:
        raise ValidationError(
            {"day": f"{group} already has a session on {day:%d %b %Y}."}
        ) from None
    return session


def session_move(
    *,
    actor: User,
    session: Session,
    day: date,
    start_time: time | None = None,
    location_override: str | None = None,
) -> Session:
    """Change the time or place. The slot stays the same, so a re-generated term won't refill it.

    `location_override=None` keeps the current place; "" returns to the group's usual one.
    """
    _require_scheduler(actor, session.group)
    if session.status != Session.Status.SCHEDULED:
        raise ValidationError("Only a scheduled session can be moved.")
    starts_at, ends_at = _span(session.group, day, start_time)
    zone = ZoneInfo(session.group.scheme.time_zone)
    day_start = datetime.combine(day, time.min, tzinfo=zone)
    same_day = (
        session.group.sessions.exclude(pk=session.pk)
        .exclude(status=Session.Status.CANCELLED)
        .filter(starts_at__gte=day_start, starts_at__lt=day_start + timedelta(days=1))
    )
    if same_day.exists():
        raise ValidationError({"day": f"{session.group} already meets on {day:%d %b %Y}."})
    with transaction.atomic():
        session.starts_at, session.ends_at = starts_at, ends_at
        if location_override is not None:
            session.location_override = location_override
        session.sequence += 1
        session.save()
        from sessions.tasks import notify_session_changed

        _on_commit(notify_session_changed, session.pk, "moved")
    return session


def session_cancel(*, actor: User, session: Session, reason: str) -> Session:
    _require_scheduler(actor, session.group)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why the session is cancelled; members see it."})
    if session.status != Session.Status.SCHEDULED:
        raise ValidationError("Only a scheduled session can be cancelled.")
    with transaction.atomic():
        session.status = Session.Status.CANCELLED
        session.cancel_reason = reason
        session.sequence += 1
        session.save()
        from sessions.tasks import notify_session_changed

        _on_commit(notify_session_changed, session.pk, "cancelled")
    return session


# --- Leave ------------------------------------------------------------------


def leave_record(*, person: User, start_date: date, end_date: date, kind: str) -> Leave:
    leave = Leave(person=person, start_date=start_date, end_date=end_date, kind=kind)
    leave.full_clean(exclude=["person"])
    if end_date < start_date:
        raise ValidationError({"end_date": "The leave ends before it starts."})
    with transaction.atomic():
        leave.save()
    return leave


def leave_delete(*, actor: User, leave: Leave) -> None:
    if leave.person_id != actor.pk:
        raise PermissionDenied("You can only remove your own leave.")
    with transaction.atomic():
        leave.delete()


# --- Presenter rota ---------------------------------------------------------


def rota_assign(*, actor: User, group: BalintGroup, rebuild: bool = False) -> dict[int, int]:
    """Give every upcoming session without a presenter a fair one.

    With `rebuild`, upcoming presenters are cleared first and the whole future
    rota is planned again; otherwise existing assignments are left alone.
    Returns session id -> person id for the assignments made.
    """
    _require_scheduler(actor, group)
    with transaction.atomic():
        BalintGroup.objects.select_for_update().filter(pk=group.pk).first()
        upcoming = selectors.upcoming_sessions(group).select_for_update()
        if rebuild:
            _withdraw_pending_swaps(upcoming.values_list("pk", flat=True))
            upcoming.update(presenter=None)
        upcoming = list(upcoming)
        inputs = selectors.rota_inputs(group, upcoming)
        plan = rota.plan_rota(
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
    _require_scheduler(actor, session.group)
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
        from sessions.tasks import notify_given_back

        _on_commit(notify_given_back, session.pk, actor.pk)
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
    try:
        with transaction.atomic():
            swap = SwapRequest.objects.create(
                requester=requester,
                recipient=recipient,
                requester_session=requester_session,
                recipient_session=recipient_session,
            )
            from sessions.tasks import notify_swap

            _on_commit(notify_swap, swap.pk)
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
        mine.presenter, theirs.presenter = swap.recipient, swap.requester
        Session.objects.bulk_update([mine, theirs], ["presenter"])
        swap.status = SwapRequest.Status.ACCEPTED
        swap.decided_at = timezone.now()
        swap.save(update_fields=["status", "decided_at"])
        _withdraw_pending_swaps([mine.pk, theirs.pk])
        from sessions.tasks import notify_swap

        _on_commit(notify_swap, swap.pk)
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
            from sessions.tasks import notify_swap

            _on_commit(notify_swap, swap.pk)
    return swap


def _withdraw_pending_swaps(session_ids) -> None:
    """Swap requests about sessions whose presenter just changed no longer make sense."""
    ids = list(session_ids)
    SwapRequest.objects.filter(status=SwapRequest.Status.PENDING).filter(
        Q(requester_session__in=ids) | Q(recipient_session__in=ids)
    ).update(status=SwapRequest.Status.WITHDRAWN, decided_at=timezone.now())


# --- Calendar feed ------------------------------------------------------------


def calendar_token_for(person: User) -> CalendarToken:
    token, _ = CalendarToken.objects.get_or_create(person=person)
    return token


def calendar_token_reset(*, person: User) -> CalendarToken:
    """A new secret: the old feed URL stops working at once."""
    with transaction.atomic():
        token, _ = CalendarToken.objects.select_for_update().get_or_create(person=person)
        token.token = new_calendar_token()
        token.save()
    return token

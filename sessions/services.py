"""Writes for sessions, the presenter rota, leave, swaps, calendar tokens, on-call
rosters, clashes and reminders.

Each function checks permission and runs in one transaction; the emails it causes
are queued in the outbox inside that transaction (sessions.notices) and sent by the
worker once it commits.
"""

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from balint.imports import ImportFailed
from balint.queue import enqueue_on_commit
from groups import permissions as group_permissions
from groups.figures_hooks import group_figures_changed
from groups.models import BalintGroup, Membership, Scheme, User
from sessions import (
    clashes,
    feeds,
    notices,
    permissions,
    reminders,
    roster_files,
    rosters,
    rota,
    schedule,
    selectors,
)
from sessions.models import (
    CalendarToken,
    Clash,
    Leave,
    OnCallShift,
    ReminderPreference,
    RosterSource,
    RosterUpload,
    Session,
    SwapRequest,
    new_calendar_token,
)

log = logging.getLogger(__name__)

MAX_TERM_DAYS = 400
# Tasks by name: sessions.tasks wraps these services, so importing it here would be a cycle.
RECOMPUTE_CLASHES = "sessions.tasks.recompute_session_clashes"
NOTIFY_CLASHES = "sessions.tasks.notify_clashes"
REMINDER_BATCH = 100


def _require_scheduler(actor: User, group: BalintGroup) -> None:
    if not permissions.can_schedule(actor, group):
        raise PermissionDenied("Only the group's leaders and the scheme's organisers can do this.")


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
        if sessions:
            group_figures_changed(group)
            enqueue_on_commit(RECOMPUTE_CLASHES, [s.pk for s in sessions])
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
            group_figures_changed(group)
            enqueue_on_commit(RECOMPUTE_CLASHES, [session.pk])
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
        group_figures_changed(session.group)
        notices.session_changed(session, "moved")
        enqueue_on_commit(RECOMPUTE_CLASHES, [session.pk])
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
        group_figures_changed(session.group)
        notices.session_changed(session, "cancelled")
        notices.reminders_withdraw(session)
        enqueue_on_commit(RECOMPUTE_CLASHES, [session.pk])
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


# --- On-call rosters -----------------------------------------------------------------------


@dataclass
class RosterImport:
    source: RosterSource
    shifts: int
    changes: "ClashChanges"


def _replace_shifts(source: RosterSource, rows: list[rosters.ShiftRow]) -> set[int]:
    """The source's shifts become `rows`; other sources are untouched. Returns everyone affected."""
    affected = set(source.shifts.values_list("person_id", flat=True).distinct())
    # Clashes keep their shift's times; the recomputation that follows re-points them.
    Clash.objects.filter(shift__source=source).update(shift=None)
    source.shifts.all().delete()
    OnCallShift.objects.bulk_create(
        [
            OnCallShift(
                source=source,
                person_id=row.person_id or source.person_id,
                starts_at=row.starts_at,
                ends_at=row.ends_at,
                all_day=row.all_day,
                shift_type=row.shift_type,
            )
            for row in rows
        ],
        batch_size=2_000,
    )
    return affected | {row.person_id or source.person_id for row in rows}


def _imported(source: RosterSource, rows: list[rosters.ShiftRow], now: datetime) -> RosterImport:
    """Save a good import of `source`: its shifts, its state, and the clashes that follow."""
    source.imported_at = now
    source.last_error = ""
    source.save()
    affected = _replace_shifts(source, rows)
    changes = clashes_recompute(person_ids=affected, now=now)
    return RosterImport(source=source, shifts=len(rows), changes=changes)


_KIND_OF_FORMAT = {
    rosters.ICS: RosterSource.Kind.ICS_UPLOAD,
    rosters.CSV: RosterSource.Kind.CSV_UPLOAD,
}


def roster_upload(
    *,
    actor: User,
    raw: bytes,
    filename: str,
    name: str = "",
    replace: RosterSource | None = None,
) -> RosterImport:
    """A trainee's own .ics or CSV file. With `replace`, that upload's shifts are replaced."""
    if replace is not None and (
        replace.person_id != actor.pk or replace.kind == RosterSource.Kind.FEED
    ):
        raise PermissionDenied("You can only replace a file you uploaded yourself.")
    now = timezone.now()
    fmt, rows = roster_files.parse_personal(
        raw, filename, zone=selectors.zone_for(actor), today=timezone.localdate()
    )
    with transaction.atomic():
        source = replace or RosterSource(person=actor, created_by=actor)
        source.kind = _KIND_OF_FORMAT[fmt]
        source.name = (name.strip() or source.name or filename)[:200]
        return _imported(source, rows, now)


def roster_feed_subscribe(*, actor: User, url: str, name: str = "") -> RosterImport:
    """Subscribe to a feed: it is fetched and read now, and saved only if that works."""
    url = feeds.normalise_url(url)
    if len(url) > 2000:
        raise ValidationError({"url": "The address is too long."})
    feeds_of_actor = RosterSource.objects.filter(person=actor, kind=RosterSource.Kind.FEED)
    if feeds_of_actor.filter(feed_url=url).exists():
        raise ValidationError({"url": "You already subscribe to this feed."})
    raw = feeds.fetch(url)
    now = timezone.now()
    _fmt, rows = roster_files.parse_personal(
        raw,
        feeds.display_url(url),
        zone=selectors.zone_for(actor),
        today=timezone.localdate(),
        max_bytes=settings.ROSTER_FEED_MAX_BYTES,
    )
    with transaction.atomic():
        source = RosterSource(
            person=actor,
            created_by=actor,
            kind=RosterSource.Kind.FEED,
            feed_url=url,
            name=(name.strip() or feeds.display_url(url).split("://", 1)[-1])[:200],
            last_refreshed_at=now,
        )
        return _imported(source, rows, now)


def roster_feed_refresh(*, source_id: int, actor: User | None = None) -> RosterImport | None:
    """Fetch a feed again and replace its shifts. A bad fetch keeps the old shifts and says why.

    `actor` is the person pressing "refresh now"; the scheduled refresh has none.
    """
    source = RosterSource.objects.select_related("person").filter(pk=source_id).first()
    if source is None or source.kind != RosterSource.Kind.FEED:
        return None
    if actor is not None and source.person_id != actor.pk:
        raise PermissionDenied("You can only refresh your own feeds.")
    now = timezone.now()
    try:
        raw = feeds.fetch(source.feed_url)
        _fmt, rows = roster_files.parse_personal(
            raw,
            feeds.display_url(source.feed_url),
            zone=selectors.zone_for(source.person),
            today=timezone.localdate(),
            max_bytes=settings.ROSTER_FEED_MAX_BYTES,
        )
    except ImportFailed as exc:
        RosterSource.objects.filter(pk=source.pk).update(
            last_refreshed_at=now, last_error=str(exc)[:2000]
        )
        raise
    with transaction.atomic():
        source.last_refreshed_at = now
        return _imported(source, rows, now)


def roster_feeds_due(now: datetime | None = None) -> list[int]:
    """Feeds not fetched for ROSTER_FEED_REFRESH_HOURS."""
    now = now or timezone.now()
    stale = now - timedelta(hours=settings.ROSTER_FEED_REFRESH_HOURS)
    return list(
        RosterSource.objects.filter(kind=RosterSource.Kind.FEED)
        .filter(Q(last_refreshed_at__isnull=True) | Q(last_refreshed_at__lt=stale))
        .values_list("pk", flat=True)
    )


def roster_source_delete(*, actor: User, source: RosterSource) -> int:
    """Remove a source and its shifts; clashes that came only from it resolve."""
    if not permissions.can_manage_roster_source(actor, source):
        raise PermissionDenied("This roster is not yours to remove.")
    with transaction.atomic():
        affected = set(source.shifts.values_list("person_id", flat=True).distinct())
        Clash.objects.filter(shift__source=source).update(shift=None)
        source.delete()
        clashes_recompute(person_ids=affected)
    return len(affected)


def _require_roster_organiser(actor: User, scheme: Scheme) -> None:
    if not group_permissions.is_organiser(actor, scheme):
        raise PermissionDenied("Only the scheme's organisers can upload its rosters.")


def roster_upload_preview(
    *,
    actor: User,
    scheme: Scheme,
    raw: bytes,
    filename: str,
    replace: RosterSource | None = None,
) -> RosterUpload:
    """Keep an organiser's file for its preview if it reads cleanly; ImportFailed if not."""
    _require_roster_organiser(actor, scheme)
    if replace is not None and replace.scheme_id != scheme.pk:
        raise PermissionDenied("That roster belongs to another scheme.")
    upload = RosterUpload(
        scheme=scheme, uploaded_by=actor, filename=filename[:200], content=raw, replaces=replace
    )
    selectors.organiser_rows(upload)  # refuses a bad file before anything is kept
    with transaction.atomic():
        upload.save()
    return upload


def roster_upload_apply(*, actor: User, upload: RosterUpload, digest: str) -> RosterImport:
    """Apply exactly what the preview showed: the rows must read the same as then."""
    _require_roster_organiser(actor, upload.scheme)
    rows = selectors.organiser_rows(upload)
    if selectors.rows_digest(rows) != digest:
        raise ValidationError(
            "The file reads differently now than in the preview (someone's details may have "
            "changed). Check the new preview and apply it again."
        )
    now = timezone.now()
    with transaction.atomic():
        upload = RosterUpload.objects.select_for_update().get(pk=upload.pk)
        if upload.applied_at is not None:
            raise ValidationError("This file has already been applied.")
        source = upload.replaces
        if source is None or source.scheme_id != upload.scheme_id:
            source = RosterSource(
                scheme=upload.scheme,
                created_by=actor,
                kind=RosterSource.Kind.ORGANISER_UPLOAD,
                name=upload.filename,
            )
        result = _imported(source, rows, now)
        upload.applied_at, upload.source = now, result.source
        upload.save(update_fields=["applied_at", "source"])
    return result


ROSTER_UPLOAD_KEEP_DAYS = 7


def roster_uploads_purge(now: datetime | None = None) -> int:
    """Files kept for a preview are deleted after a week, applied or not."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=ROSTER_UPLOAD_KEEP_DAYS)
    deleted, _ = RosterUpload.objects.filter(created_at__lt=cutoff).delete()
    return deleted


# --- Clashes --------------------------------------------------------------------------------


@dataclass
class ClashChanges:
    new: list[Clash] = field(default_factory=list)
    resolved: int = 0
    moved: int = 0


def _lock_clashes() -> None:
    """One recomputation at a time (PostgreSQL); SQLite serialises writers anyway."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('balint_clash_recompute'))")


def clashes_recompute(
    *,
    session_ids: list[int] | None = None,
    person_ids: list[int] | set[int] | None = None,
    now: datetime | None = None,
) -> ClashChanges:
    """Bring the open clashes of upcoming sessions in line with the rosters.

    Limited to the given sessions or people (both None: everything upcoming).
    New clashes are recorded and their people told after commit; clashes that
    no longer hold are resolved; clashes whose shift was re-imported point at
    the new shift without being reported again.
    """
    now = now or timezone.now()
    changes = ClashChanges()
    with transaction.atomic():
        _lock_clashes()
        found = clashes.first_per_pair(
            clashes.find_overlaps(since=now, session_ids=session_ids, person_ids=person_ids)
        )
        open_clashes = Clash.objects.filter(resolved_at__isnull=True, session__starts_at__gte=now)
        if session_ids is not None:
            open_clashes = open_clashes.filter(session_id__in=list(session_ids))
        if person_ids is not None:
            open_clashes = open_clashes.filter(person_id__in=list(person_ids))
        existing = {(c.session_id, c.person_id): c for c in open_clashes}

        gone = [c.pk for key, c in existing.items() if key not in found]
        for chunk in clashes._chunks(gone):
            changes.resolved += Clash.objects.filter(pk__in=chunk).update(resolved_at=now)
        moved = []
        for key, clash in existing.items():
            hit = found.get(key)
            if hit and (clash.shift_id, clash.shift_starts_at, clash.shift_ends_at) != (
                hit.shift_id,
                hit.shift_starts_at,
                hit.shift_ends_at,
            ):
                clash.shift_id = hit.shift_id
                clash.shift_starts_at, clash.shift_ends_at = hit.shift_starts_at, hit.shift_ends_at
                moved.append(clash)
        Clash.objects.bulk_update(
            moved, ["shift", "shift_starts_at", "shift_ends_at"], batch_size=1_000
        )
        changes.moved = len(moved)
        changes.new = Clash.objects.bulk_create(
            [
                Clash(
                    session_id=hit.session_id,
                    person_id=hit.person_id,
                    shift_id=hit.shift_id,
                    shift_starts_at=hit.shift_starts_at,
                    shift_ends_at=hit.shift_ends_at,
                    detected_at=now,
                )
                for key, hit in sorted(found.items())
                if key not in existing
            ],
            batch_size=1_000,
        )
        if changes.new:
            enqueue_on_commit(NOTIFY_CLASHES, [c.pk for c in changes.new])
    return changes


# --- Reminders --------------------------------------------------------------------------------


def reminders_queue_due(
    now: datetime | None = None, *, session_ids=None, person_ids=None, kinds=None
) -> int:
    """Queue every due reminder not queued yet into the outbox; how many were queued.

    In batches, each its own transaction: the write lock is held briefly, and a
    run that dies part-way keeps what it queued (the next run skips those).
    """
    now = now or timezone.now()
    due = reminders.pending_reminders(
        now, session_ids=session_ids, person_ids=person_ids, kinds=kinds
    )
    queued = 0
    for start in range(0, len(due), REMINDER_BATCH):
        with transaction.atomic():
            queued += notices.reminders_queue(now, due[start : start + REMINDER_BATCH])
    return queued


def reminder_preferences_for(person: User) -> ReminderPreference:
    """The person's choices; unsaved defaults (everything on) if they never chose."""
    found = ReminderPreference.objects.filter(person=person).first()
    return found or ReminderPreference(person=person)


def reminder_preferences_update(*, person: User, **choices: bool) -> ReminderPreference:
    allowed = {"presenter", "day_before", "register", "clash"}
    unknown = set(choices) - allowed
    if unknown:
        raise ValidationError(f"Unknown reminder kinds: {', '.join(sorted(unknown))}.")
    with transaction.atomic():
        preference, _ = ReminderPreference.objects.select_for_update().get_or_create(person=person)
        for name, value in choices.items():
            setattr(preference, name, bool(value))
        preference.save()
    return preference

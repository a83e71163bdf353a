"""Writes to on-call rosters: a trainee's own file or feed, an organiser's scheme-wide file
(kept for a preview, then applied exactly as previewed), and removing a roster.

Each import replaces its source's shifts whole and recomputes the clashes of the
people it touches in the same transaction.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from balint.imports import ImportFailed
from groups import permissions as group_permissions
from groups.models import Scheme, User
from sessions import permissions
from sessions.clashes import services as clash_services
from sessions.clashes.services import ClashChanges
from sessions.models import Clash, OnCallShift, RosterSource, RosterUpload
from sessions.rosters import feeds, selectors
from sessions.rosters.files import CSV, ICS, ShiftRow
from sessions.rosters.personal import parse_personal


@dataclass
class RosterImport:
    source: RosterSource
    shifts: int
    changes: ClashChanges


def _replace_shifts(source: RosterSource, rows: list[ShiftRow]) -> set[int]:
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


def _imported(source: RosterSource, rows: list[ShiftRow], now: datetime) -> RosterImport:
    """Save a good import of `source`: its shifts, its state, and the clashes that follow."""
    source.imported_at = now
    source.last_error = ""
    source.save()
    affected = _replace_shifts(source, rows)
    changes = clash_services.clashes_recompute(person_ids=affected, now=now)
    return RosterImport(source=source, shifts=len(rows), changes=changes)


_KIND_OF_FORMAT = {
    ICS: RosterSource.Kind.ICS_UPLOAD,
    CSV: RosterSource.Kind.CSV_UPLOAD,
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
    fmt, rows = parse_personal(
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
    _fmt, rows = parse_personal(
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
        _fmt, rows = parse_personal(
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
        # Read again, locked: the person may have removed the feed, or been erased, while
        # it was fetched. Saving the copy read before would insert the feed back.
        source = RosterSource.objects.select_for_update().filter(pk=source.pk).first()
        if source is None:
            return None
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
        clash_services.clashes_recompute(person_ids=affected)
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

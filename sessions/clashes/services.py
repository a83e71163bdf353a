"""Keeping the recorded clashes in line with sessions and rosters.

Called after every change that can make or end a clash (sessions created, moved or
cancelled; a roster imported or removed) and by the nightly scan; the people of new
clashes are told after commit (sessions.tasks.notify_clashes).
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from balint.queue import enqueue_on_commit
from groups.figures_hooks import people_figures_changed
from sessions.clashes import detection
from sessions.models import Clash

# A task by name: the tasks module imports this one.
NOTIFY_CLASHES = "sessions.tasks.notify_clashes"


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
        found = detection.first_per_pair(
            detection.find_overlaps(since=now, session_ids=session_ids, person_ids=person_ids)
        )
        open_clashes = Clash.objects.filter(resolved_at__isnull=True, session__starts_at__gte=now)
        if session_ids is not None:
            open_clashes = open_clashes.filter(session_id__in=list(session_ids))
        if person_ids is not None:
            open_clashes = open_clashes.filter(person_id__in=list(person_ids))
        existing = {(c.session_id, c.person_id): c for c in open_clashes}

        gone = [c for key, c in existing.items() if key not in found]
        for chunk in detection.chunks([c.pk for c in gone]):
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
        # An on-call day is not attendable: the standing of whoever gained or lost one moves.
        people_figures_changed({c.person_id for c in gone + changes.new})
    return changes

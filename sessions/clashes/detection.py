"""Which members' on-call shifts overlap which sessions: an interval method, not a pairwise loop.

A session clashes with a shift of one of its members when

    [session start − margin, session end + margin)  overlaps  [shift start, shift end)

with the scheme's travel margin. Both intervals are half-open, so a shift that
ends exactly when the widened session begins does not clash. All-day shifts
are stored as whole local days, so they need no special case here. Only
scheduled sessions from `since` on are considered, and only people whose
membership (any role) covers the session's date.

Two implementations give the same answer (tests/sessions/test_clash_scan.py checks it
on random data):

- PostgreSQL: one query joining sessions, memberships and shifts on range
  overlap (`&&`), which the GiST index on (person_id, tstzrange(starts_at,
  ends_at)) serves (migration 0003_shift_range_gist);
- anywhere else (SQLite): load the intervals and sort-and-sweep them per person
  in Python, O((n + k) log n) for n intervals and k overlaps.

`find_overlaps` picks the one that fits the database.

Why two, not one: SQLite, which a fresh clone runs on, has no range types or GiST
index, so the range query cannot run there; on PostgreSQL, the production database,
the sweep would load every interval of the scheme into the process to do what the
index does in place (bench/clash_scan.py, README "Benchmarks": 4–5 s by the sweep,
2.6 s by the range query on the same 25,801 overlaps). Both read the same rows and
margins and test_the_postgres_range_query_and_the_sweep_agree holds them to the same
answer on random data, on every CI run.
"""

import heapq
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection
from django.db.models import Value
from django.db.models.functions import Coalesce

from groups.models import BalintGroup, Membership
from sessions.models import DEFAULT_TRAVEL_MARGIN_MINUTES, OnCallShift, SchemeSettings, Session

SWEEP, POSTGRES = "sweep", "postgres"
CHUNK = 5_000


@dataclass(frozen=True, order=True)
class Overlap:
    session_id: int
    person_id: int
    shift_id: int
    shift_starts_at: datetime
    shift_ends_at: datetime


def default_method() -> str:
    return POSTGRES if connection.vendor == "postgresql" else SWEEP


def find_overlaps(
    *,
    since: datetime,
    session_ids: Iterable[int] | None = None,
    person_ids: Iterable[int] | None = None,
    method: str | None = None,
) -> set[Overlap]:
    """Every (session, member, shift) that overlaps, limited to the given sessions or people."""
    session_ids = None if session_ids is None else sorted(set(session_ids))
    person_ids = None if person_ids is None else sorted(set(person_ids))
    if session_ids == [] or person_ids == []:
        return set()
    method = method or default_method()
    if method == POSTGRES:
        return _postgres(since, session_ids, person_ids)
    return _sweep(since, session_ids, person_ids)


def first_per_pair(overlaps: Iterable[Overlap]) -> dict[tuple[int, int], Overlap]:
    """(session, person) -> the earliest overlapping shift: what a clash row points at."""
    first: dict[tuple[int, int], Overlap] = {}
    for item in overlaps:
        key = (item.session_id, item.person_id)
        best = first.get(key)
        if best is None or (item.shift_starts_at, item.shift_id) < (
            best.shift_starts_at,
            best.shift_id,
        ):
            first[key] = item
    return first


# --- Sort and sweep ---------------------------------------------------------------------------


def sweep(
    sessions: list[tuple[datetime, datetime, int]], shifts: list[tuple[datetime, datetime, int]]
) -> list[tuple[int, int]]:
    """(session key, shift key) for every overlapping pair of half-open intervals.

    Walk both kinds in order of start, keeping for each kind the intervals still
    open (a heap by end). An interval overlaps exactly the open intervals of the
    other kind when it starts: they began no later and end after it begins.
    """
    events = sorted(
        [(start, 0, end, key) for start, end, key in sessions]
        + [(start, 1, end, key) for start, end, key in shifts]
    )
    open_by_kind: tuple[list, list] = ([], [])
    pairs = []
    for start, kind, end, key in events:
        for heap in open_by_kind:
            while heap and heap[0][0] <= start:  # ended at or before this start: no overlap
                heapq.heappop(heap)
        for _other_end, other in open_by_kind[1 - kind]:
            pairs.append((key, other) if kind == 0 else (other, key))
        heapq.heappush(open_by_kind[kind], (end, key))
    return pairs


def chunks(items: list, size: int = CHUNK):
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _sweep(since, session_ids, person_ids) -> set[Overlap]:
    sessions = Session.objects.filter(status=Session.Status.SCHEDULED, starts_at__gte=since)
    if session_ids is not None:
        sessions = sessions.filter(pk__in=session_ids)
    if person_ids is not None:
        their_groups = Membership.objects.filter(person_id__in=person_ids).values("group_id")
        sessions = sessions.filter(group_id__in=their_groups)
    rows = list(
        sessions.values_list(
            "pk",
            "group_id",
            "slot_date",
            "starts_at",
            "ends_at",
            Coalesce(
                "group__scheme__session_settings__travel_margin_minutes",
                Value(DEFAULT_TRAVEL_MARGIN_MINUTES),
            ),
        )
    )
    if not rows:
        return set()
    group_ids = sorted({row[1] for row in rows})
    members_of: dict[int, list[tuple[int, object, object]]] = defaultdict(list)
    for chunk in chunks(group_ids):
        memberships = Membership.objects.filter(group_id__in=chunk)
        if person_ids is not None:
            memberships = memberships.filter(person_id__in=person_ids)
        for group_id, person_id, first, last in memberships.values_list(
            "group_id", "person_id", "start_date", "end_date"
        ):
            members_of[group_id].append((person_id, first, last))

    padded: dict[int, list[tuple[datetime, datetime, int]]] = defaultdict(list)
    for pk, group_id, day, starts_at, ends_at, margin in rows:
        pad = timedelta(minutes=margin)
        for person_id, first, last in members_of.get(group_id, ()):
            if first <= day and (last is None or day <= last):
                padded[person_id].append((starts_at - pad, ends_at + pad, pk))
    if not padded:
        return set()
    low = min(start for spans in padded.values() for start, _, _ in spans)
    high = max(end for spans in padded.values() for _, end, _ in spans)

    shifts: dict[int, list[tuple[datetime, datetime, int]]] = defaultdict(list)
    times: dict[int, tuple[datetime, datetime]] = {}
    for chunk in chunks(sorted(padded)):
        found = OnCallShift.objects.filter(
            person_id__in=chunk, ends_at__gt=low, starts_at__lt=high
        ).values_list("pk", "person_id", "starts_at", "ends_at")
        for pk, person_id, starts_at, ends_at in found:
            shifts[person_id].append((starts_at, ends_at, pk))
            times[pk] = (starts_at, ends_at)

    overlaps = set()
    for person_id, spans in shifts.items():
        for session_id, shift_id in sweep(padded[person_id], spans):
            overlaps.add(Overlap(session_id, person_id, shift_id, *times[shift_id]))
    return overlaps


# --- PostgreSQL: range overlap served by GiST --------------------------------------------------


def _postgres(since, session_ids, person_ids) -> set[Overlap]:
    tables = {
        "session": Session._meta.db_table,
        "group": BalintGroup._meta.db_table,
        "settings": SchemeSettings._meta.db_table,
        "membership": Membership._meta.db_table,
        "shift": OnCallShift._meta.db_table,
    }
    where = ["s.status = %s", "s.starts_at >= %s"]
    params: list = [Session.Status.SCHEDULED, since]
    if session_ids is not None:
        where.append("s.id = ANY(%s)")
        params.append(list(session_ids))
    if person_ids is not None:
        where.append("m.person_id = ANY(%s)")
        params.append(list(person_ids))
    # Widen each (session, member) first, so that every widened span meets the shifts
    # through the index: person_id = … AND tstzrange(starts_at, ends_at, '[)') && span,
    # written exactly like the index expression. Left to itself the planner would hash
    # the join on person_id and compare every member's every shift (pairwise again).
    margin = f"COALESCE(ss.travel_margin_minutes, {DEFAULT_TRAVEL_MARGIN_MINUTES})"
    sql = f"""
        WITH padded AS MATERIALIZED (
            SELECT s.id AS session_id, m.person_id,
                   tstzrange(s.starts_at - make_interval(mins => {margin}),
                             s.ends_at + make_interval(mins => {margin}),
                             '[)') AS span
            FROM {tables["session"]} s
            JOIN {tables["group"]} g ON g.id = s.group_id
            LEFT JOIN {tables["settings"]} ss ON ss.scheme_id = g.scheme_id
            JOIN {tables["membership"]} m
              ON m.group_id = s.group_id
             AND m.start_date <= s.slot_date
             AND (m.end_date IS NULL OR m.end_date >= s.slot_date)
            WHERE {" AND ".join(where)}
        )
        SELECT p.session_id, p.person_id, sh.id, sh.starts_at, sh.ends_at
        FROM padded p
        JOIN {tables["shift"]} sh
          ON sh.person_id = p.person_id
         AND tstzrange(sh.starts_at, sh.ends_at, '[)') && p.span
    """  # noqa: S608 - table names come from the models; values are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {Overlap(*row) for row in cursor.fetchall()}

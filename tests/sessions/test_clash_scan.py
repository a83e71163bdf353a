"""The clash scan (sessions/clashes.py): sort-and-sweep and the PostgreSQL range query agree.

The sweep is checked against a plain pairwise oracle, as a pure function (with
Hypothesis) and on random data in the database; on PostgreSQL the range query
must give exactly the sweep's answer, and its GiST index must be usable.
"""

import random
from datetime import date, datetime, time, timedelta

import pytest
from django.db import connection
from hypothesis import given
from hypothesis import strategies as st

from groups.models import Membership
from sessions.clashes import detection as clashes
from sessions.models import OnCallShift, SchemeSettings, Session
from tests import factories
from tests.conftest import skip_or_fail
from tests.factories.rosters import OnCallShiftFactory, RosterSourceFactory
from tests.factories.sessions import DUBLIN, NOW, SessionFactory

BASE = datetime(2026, 3, 2, tzinfo=DUBLIN)


pytestmark = pytest.mark.usefixtures("frozen_now")


# --- The sweep as a pure function ---------------------------------------------------------------


def quarter(n: int) -> datetime:
    return BASE + timedelta(minutes=15 * n)


intervals = st.lists(
    st.tuples(st.integers(0, 60), st.integers(1, 12)).map(
        lambda t: (quarter(t[0]), quarter(t[0] + t[1]))
    ),
    max_size=25,
)


def pairwise(sessions, shifts):
    return sorted(
        (a_key, b_key)
        for a_start, a_end, a_key in sessions
        for b_start, b_end, b_key in shifts
        if a_start < b_end and b_start < a_end
    )


@given(intervals, intervals)
def test_the_sweep_finds_exactly_the_overlapping_pairs(session_spans, shift_spans):
    sessions = [(start, end, i) for i, (start, end) in enumerate(session_spans)]
    shifts = [(start, end, 100 + i) for i, (start, end) in enumerate(shift_spans)]
    assert sorted(clashes.sweep(sessions, shifts)) == pairwise(sessions, shifts)


def test_the_sweep_on_touching_and_nested_intervals():
    sessions = [(quarter(4), quarter(8), "s")]
    shifts = [
        (quarter(0), quarter(4), "touches before"),
        (quarter(8), quarter(9), "touches after"),
        (quarter(5), quarter(6), "inside"),
        (quarter(0), quarter(20), "around"),
        (quarter(7), quarter(9), "overlaps the end"),
    ]
    assert sorted(clashes.sweep(sessions, shifts)) == [
        ("s", "around"),
        ("s", "inside"),
        ("s", "overlaps the end"),
    ]


# --- Random data in the database --------------------------------------------------------------


def random_world(seed: int, *, people: int = 24, groups: int = 4):
    """Groups with memberships that start and end, sessions (some cancelled or past) and shifts
    on a quarter-hour grid, so shifts often touch sessions and their margins exactly."""
    rng = random.Random(seed)
    scheme_margins = [0, 15, 30]
    schemes = [factories.SchemeFactory() for _ in scheme_margins]
    for scheme, minutes in zip(schemes, scheme_margins, strict=True):
        SchemeSettings.objects.filter(scheme=scheme).update(travel_margin_minutes=minutes)
    all_groups = [
        factories.GroupFactory(scheme=rng.choice(schemes), start_time=time(rng.choice([9, 13, 18])))
        for _ in range(groups)
    ]
    persons = [factories.UserFactory() for _ in range(people)]
    for person in persons:
        for group in rng.sample(all_groups, rng.randint(1, 2)):
            start = date(2026, 2, 1) + timedelta(days=rng.randint(0, 40))
            end = None if rng.random() < 0.5 else start + timedelta(days=rng.randint(0, 60))
            Membership.objects.create(person=person, group=group, start_date=start, end_date=end)
    for group in all_groups:
        for week in range(10):
            day = date(2026, 2, 23) + timedelta(weeks=week, days=rng.randint(0, 2))
            session = SessionFactory(group=group, slot_date=day)
            if rng.random() < 0.1:
                Session.objects.filter(pk=session.pk).update(
                    status=Session.Status.CANCELLED, cancel_reason="Random"
                )
    for person in persons:
        source = RosterSourceFactory(person=person)
        shifts = []
        for _ in range(rng.randint(0, 40)):
            start = datetime(2026, 2, 22, tzinfo=DUBLIN) + timedelta(
                minutes=15 * rng.randint(0, 4 * 24 * 80)
            )
            length = timedelta(minutes=15 * rng.randint(1, 4 * 26))
            shifts.append(
                OnCallShift(source=source, person=person, starts_at=start, ends_at=start + length)
            )
        OnCallShift.objects.bulk_create(shifts)
    return persons


def oracle(since) -> set[clashes.Overlap]:
    """Every session against every member's every shift: the definition, pairwise."""
    found = set()
    sessions = Session.objects.filter(
        status=Session.Status.SCHEDULED, starts_at__gte=since
    ).select_related("group__scheme__session_settings")
    for session in sessions:
        pad = timedelta(minutes=session.group.scheme.session_settings.travel_margin_minutes)
        for membership in session.group.memberships.all():
            if not membership.covers(session.slot_date):
                continue
            for shift in OnCallShift.objects.filter(person_id=membership.person_id):
                if (
                    shift.starts_at < session.ends_at + pad
                    and session.starts_at - pad < shift.ends_at
                ):
                    found.add(
                        clashes.Overlap(
                            session.pk,
                            membership.person_id,
                            shift.pk,
                            shift.starts_at,
                            shift.ends_at,
                        )
                    )
    return found


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_sweep_matches_the_pairwise_oracle_on_random_data(db, seed):
    random_world(seed)

    swept = clashes.find_overlaps(since=NOW, method=clashes.SWEEP)

    assert swept == oracle(NOW)
    assert len(swept) > 10  # the data does produce clashes


def test_a_scoped_sweep_is_the_matching_part_of_the_full_one(db):
    persons = random_world(4)
    full = clashes.find_overlaps(since=NOW, method=clashes.SWEEP)
    some_people = {p.pk for p in persons[:5]}
    some_sessions = set(Session.objects.order_by("?").values_list("pk", flat=True)[:10])

    by_people = clashes.find_overlaps(since=NOW, person_ids=some_people, method=clashes.SWEEP)
    by_sessions = clashes.find_overlaps(since=NOW, session_ids=some_sessions, method=clashes.SWEEP)

    assert by_people == {o for o in full if o.person_id in some_people}
    assert by_sessions == {o for o in full if o.session_id in some_sessions}
    assert clashes.find_overlaps(since=NOW, person_ids=[]) == set()


def test_first_per_pair_picks_the_earliest_shift():
    overlaps = [
        clashes.Overlap(1, 2, 30, quarter(8), quarter(9)),
        clashes.Overlap(1, 2, 10, quarter(4), quarter(9)),
        clashes.Overlap(1, 3, 11, quarter(4), quarter(9)),
    ]
    first = clashes.first_per_pair(overlaps)
    assert {key: o.shift_id for key, o in first.items()} == {(1, 2): 10, (1, 3): 11}


# --- PostgreSQL: the range query gives the sweep's answer, from the GiST index ----------------


@pytest.fixture
def postgres(db):
    if connection.vendor != "postgresql":
        skip_or_fail("needs PostgreSQL")


@pytest.mark.services
@pytest.mark.parametrize("seed", [5, 6, 7])
def test_the_postgres_range_query_and_the_sweep_agree(postgres, seed):
    persons = random_world(seed, people=40, groups=6)
    some_people = [p.pk for p in persons[::3]]
    some_sessions = list(Session.objects.values_list("pk", flat=True)[::4])

    for scope in ({}, {"person_ids": some_people}, {"session_ids": some_sessions}):
        swept = clashes.find_overlaps(since=NOW, method=clashes.SWEEP, **scope)
        queried = clashes.find_overlaps(since=NOW, method=clashes.POSTGRES, **scope)
        assert queried == swept, scope
    assert clashes.find_overlaps(since=NOW, method=clashes.POSTGRES) == oracle(NOW)
    assert clashes.default_method() == clashes.POSTGRES


@pytest.mark.services
def test_the_range_query_can_use_the_gist_index(postgres, group, trainee):
    SessionFactory(group=group)
    # A year of daily shifts, as a real roster has: by person alone the planner would
    # read all of them; the GiST index finds the one that overlaps.
    first = OnCallShiftFactory(source__person=trainee, person=trainee)
    OnCallShift.objects.bulk_create(
        OnCallShift(
            source=first.source,
            person=trainee,
            starts_at=first.starts_at + timedelta(days=day),
            ends_at=first.ends_at + timedelta(days=day),
        )
        for day in range(1, 366)
    )
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {OnCallShift._meta.db_table}")
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'shift_person_range_gist'"
        )
        (definition,) = cursor.fetchone()
        assert "USING gist (person_id, tstzrange(starts_at, ends_at, '[)'::text))" in definition
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(
            f"EXPLAIN SELECT id FROM {OnCallShift._meta.db_table} "  # noqa: S608
            "WHERE person_id = %s AND tstzrange(starts_at, ends_at, '[)') && tstzrange(%s, %s)",
            [trainee.pk, NOW, NOW + timedelta(hours=1)],
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "shift_person_range_gist" in plan

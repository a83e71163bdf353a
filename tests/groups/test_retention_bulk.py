"""Retention deletes in bulk: expiring many rows takes no more queries than expiring a few.

Django deletes row by row (a SELECT of every row, then DELETEs 100 rows at a time)
when a model has delete signals or a cascade it must follow in Python. At national
size that made the daily run take minutes, so every part's `expire` is measured at
two sizes here.
"""

from datetime import UTC, date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from balint import privacy
from balint.models import OutboundEmail
from balint.privacy import PersonalDataPart
from groups.privacy import EMAIL_KEEP_DAYS
from sessions.models import Clash, OnCallShift
from tests import factories
from tests.factories.rosters import (
    ClashFactory,
    OnCallShiftFactory,
    RosterSourceFactory,
    SchemeRosterFactory,
)
from tests.factories.sessions import NOW, SessionFactory

NOW_UTC = NOW.astimezone(UTC)
FEW, MANY = 3, 250  # MANY is past Django's 100-row delete batches


pytestmark = pytest.mark.usefixtures("frozen_now")


def old_emails(count: int) -> dict[str, int]:
    created = NOW_UTC - timedelta(days=EMAIL_KEEP_DAYS + 1)
    emails = OutboundEmail.objects.bulk_create(
        factories.OutboundEmailFactory.build_batch(count, person=None, created_at=created)
    )
    # Each names someone (who asked, who completed): the links go with the emails.
    named = factories.UserFactory()
    links = OutboundEmail.named.through
    links.objects.bulk_create([links(outboundemail=e, user=named) for e in emails])
    return {"emails": count}


@pytest.fixture
def old_shifts(db):
    """Builds expired shifts of a person's own and a scheme-wide roster, each with a clash,
    and clashes whose shift was already replaced."""
    scheme = factories.SchemeFactory(roster_retention_days=90)
    group = factories.GroupFactory(scheme=scheme)
    person = factories.MembershipFactory(group=group).person
    own = RosterSourceFactory(person=person)
    scheme_wide = SchemeRosterFactory(scheme=scheme)
    session = SessionFactory(group=group, slot_date=date(2025, 11, 19))
    ends = NOW_UTC - timedelta(days=100)

    def build(count: int) -> dict[str, int]:
        shifts = OnCallShift.objects.bulk_create(
            OnCallShiftFactory.build(
                source=source, person=person, starts_at=ends - timedelta(hours=12), ends_at=ends
            )
            for source in (own, scheme_wide)
            for _ in range(count)
        )
        clash = {"session": session, "person": person, "detected_at": ends, "resolved_at": ends}
        Clash.objects.bulk_create(
            [ClashFactory.build(shift=s, shift_ends_at=s.ends_at, **clash) for s in shifts]
            + [ClashFactory.build(shift_ends_at=ends, **clash) for _ in range(count)]
        )
        return {"on-call shifts": 2 * count, "clashes": 3 * count}

    return build


@pytest.fixture
def builders(old_shifts):
    """Each part with an `expire`: what makes `count` rows of each kind expire."""
    return {"account": old_emails, "sessions": old_shifts}


def with_expire() -> list[str]:
    return [p.name for p in privacy.parts() if type(p).expire is not PersonalDataPart.expire]


def test_every_part_that_expires_is_measured(builders):
    assert set(with_expire()) == set(builders)


@pytest.mark.parametrize("name", with_expire())
def test_expiring_many_rows_takes_no_more_queries_than_a_few(
    name, builders, django_assert_max_num_queries
):
    part = next(p for p in privacy.parts() if p.name == name)
    build = builders[name]
    expected = build(FEW)
    with CaptureQueriesContext(connection) as few:
        assert part.expire(now=NOW_UTC) == expected

    expected = build(MANY)
    with django_assert_max_num_queries(len(few)):
        assert part.expire(now=NOW_UTC) == expected
    assert part.expire(now=NOW_UTC) == dict.fromkeys(expected, 0)

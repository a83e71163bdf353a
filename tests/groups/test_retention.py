"""Retention: the daily task removes what is past its time and nothing else."""

import logging
from datetime import UTC, date, datetime, timedelta

import pytest
from django.apps import apps
from django.conf import settings
from django.utils import timezone

from balint.models import OutboundEmail
from groups import services
from groups.models import ERASED_NAME, PersonErasure, RetentionRun, User
from groups.tasks import enforce_retention
from sessions.models import Clash, OnCallShift, RosterSource
from tests import factories
from tests.factories.privacy import scene_with_two_people
from tests.factories.rosters import (
    ClashFactory,
    OnCallShiftFactory,
    RosterSourceFactory,
    SchemeRosterFactory,
)
from tests.factories.sessions import NOW, SessionFactory

NOW_UTC = NOW.astimezone(UTC)
TODAY = NOW.date()  # Monday 2 March 2026


pytestmark = pytest.mark.usefixtures("frozen_now")


def counts() -> dict[str, int]:
    return {
        model._meta.label: model._base_manager.count()
        for model in apps.get_models(include_auto_created=True)
    }


def changed(before, after) -> dict[str, int]:
    return {
        label: after[label] - before[label] for label in before if after[label] != before[label]
    }


def shift_ending(source, end, person=None):
    return OnCallShiftFactory(
        source=source,
        person=person or source.person,
        starts_at=end - timedelta(hours=12),
        ends_at=end,
    )


def member(scheme, **kwargs):
    return factories.MembershipFactory(group=factories.GroupFactory(scheme=scheme), **kwargs).person


# --- On-call shifts ----------------------------------------------------------------------------


@pytest.fixture
def scheme(db):
    return factories.SchemeFactory(roster_retention_days=90)


def test_a_shift_is_kept_until_the_retention_period_has_passed(scheme):
    source = RosterSourceFactory(person=member(scheme))
    cutoff = NOW_UTC - timedelta(days=90)
    at_cutoff = shift_ending(source, cutoff)
    just_past = shift_ending(source, cutoff - timedelta(seconds=1))
    recent = shift_ending(source, NOW_UTC - timedelta(days=1))

    run = services.retention_enforce()

    assert set(OnCallShift.objects.all()) == {at_cutoff, recent}
    assert run.removed["on-call shifts"] == 1
    assert just_past.pk not in set(OnCallShift.objects.values_list("pk", flat=True))


def test_the_clashes_of_a_removed_shift_go_with_it(scheme):
    person = member(scheme)
    source = RosterSourceFactory(person=person)
    old = shift_ending(source, NOW_UTC - timedelta(days=100))
    kept = shift_ending(source, NOW_UTC - timedelta(days=10))
    session = SessionFactory(slot_date=date(2025, 11, 19))
    other_session = SessionFactory(slot_date=date(2026, 2, 18))
    ClashFactory(session=session, person=person, shift=old, shift_ends_at=old.ends_at)
    kept_clash = ClashFactory(
        session=other_session, person=person, shift=kept, shift_ends_at=kept.ends_at
    )

    run = services.retention_enforce()

    assert list(Clash.objects.all()) == [kept_clash]
    assert run.removed == {"emails": 0, "on-call shifts": 1, "clashes": 1, "accounts erased": 0}


def test_a_clash_whose_shift_was_replaced_follows_its_sessions_scheme(scheme):
    person = member(scheme)
    group = factories.GroupFactory(scheme=scheme)
    old = ClashFactory(
        session=SessionFactory(group=group, slot_date=date(2025, 11, 5)),
        person=person,
        shift_ends_at=NOW_UTC - timedelta(days=91),
    )
    young = ClashFactory(
        session=SessionFactory(group=group, slot_date=date(2025, 12, 10)),
        person=person,
        shift_ends_at=NOW_UTC - timedelta(days=89),
    )

    services.retention_enforce()

    assert list(Clash.objects.all()) == [young]
    assert not Clash.objects.filter(pk=old.pk).exists()


def test_a_person_in_two_schemes_keeps_shifts_for_the_longer_period(scheme):
    longer = factories.SchemeFactory(roster_retention_days=180)
    person = member(scheme)
    factories.MembershipFactory(person=person, group=factories.GroupFactory(scheme=longer))
    source = RosterSourceFactory(person=person)
    kept = shift_ending(source, NOW_UTC - timedelta(days=179))
    shift_ending(source, NOW_UTC - timedelta(days=181))

    services.retention_enforce()

    assert list(OnCallShift.objects.all()) == [kept]


def test_an_organisers_own_roster_follows_their_scheme(scheme):
    organiser = factories.OrganiserFactory(
        scheme=factories.SchemeFactory(roster_retention_days=30)
    ).person
    source = RosterSourceFactory(person=organiser)
    kept = shift_ending(source, NOW_UTC - timedelta(days=29))
    shift_ending(source, NOW_UTC - timedelta(days=31))

    services.retention_enforce()

    assert list(OnCallShift.objects.all()) == [kept]


def test_someone_in_no_scheme_keeps_shifts_for_the_default_period(db):
    source = RosterSourceFactory()
    kept = shift_ending(source, NOW_UTC - timedelta(days=89))
    shift_ending(source, NOW_UTC - timedelta(days=91))

    services.retention_enforce()

    assert list(OnCallShift.objects.all()) == [kept]


def test_a_scheme_wide_roster_follows_its_own_scheme(scheme):
    person = member(scheme)  # their own schemes keep shifts 90 days
    short = factories.SchemeFactory(roster_retention_days=30)
    roster = SchemeRosterFactory(scheme=short)
    kept = shift_ending(roster, NOW_UTC - timedelta(days=29), person=person)
    shift_ending(roster, NOW_UTC - timedelta(days=31), person=person)
    own = shift_ending(RosterSourceFactory(person=person), NOW_UTC - timedelta(days=31))

    services.retention_enforce()

    assert set(OnCallShift.objects.all()) == {kept, own}


def test_emptied_roster_sources_stay(scheme):
    source = RosterSourceFactory(person=member(scheme))
    shift_ending(source, NOW_UTC - timedelta(days=200))

    services.retention_enforce()

    assert list(RosterSource.objects.all()) == [source]
    assert not source.shifts.exists()


def test_across_summer_time_the_period_is_exact(scheme, frozen_now):
    frozen_now.move_to(datetime(2026, 6, 15, 10, 0, tzinfo=NOW.tzinfo))  # Irish summer time
    now = datetime(2026, 6, 15, 9, 0, tzinfo=UTC)
    source = RosterSourceFactory(person=member(scheme))
    kept = shift_ending(source, now - timedelta(days=90))  # 17 March, winter time
    shift_ending(source, now - timedelta(days=90, seconds=1))

    services.retention_enforce()

    assert list(OnCallShift.objects.all()) == [kept]


def test_nothing_but_expired_shifts_and_their_clashes_is_touched(scheme):
    scene = scene_with_two_people()  # data of every kind, none of it past its time
    person = member(scheme)
    source = RosterSourceFactory(person=person)
    old = shift_ending(source, NOW_UTC - timedelta(days=120))
    ClashFactory(session=SessionFactory(), person=person, shift=old)
    shift_ending(source, NOW_UTC - timedelta(days=5))
    before = counts()

    services.retention_enforce()

    assert changed(before, counts()) == {
        "balint_sessions.OnCallShift": -1,
        "balint_sessions.Clash": -1,
        "groups.RetentionRun": 1,
    }
    assert scene.zeb.on_call_shifts.count() == 2
    scene.zeb.refresh_from_db()
    assert scene.zeb.full_name == "Zebedee Quintessa-Marlow"


# --- Accounts ----------------------------------------------------------------------------------


def left_on(scheme, end: date, **kwargs):
    return factories.MembershipFactory(
        group=factories.GroupFactory(scheme=scheme),
        start_date=end - timedelta(days=120),
        end_date=end,
        **kwargs,
    ).person


@pytest.fixture
def accounts_scheme(db):
    return factories.SchemeFactory(account_retention_days=730)


def test_an_account_is_erased_once_the_period_after_the_last_membership_has_passed(
    accounts_scheme,
):
    kept = left_on(accounts_scheme, TODAY - timedelta(days=730))
    erased = left_on(accounts_scheme, TODAY - timedelta(days=731))

    run = services.retention_enforce()

    assert run.removed["accounts erased"] == 1
    assert list(PersonErasure.objects.values_list("person", "reason", "scheme")) == [
        (erased.pk, "retention", accounts_scheme.pk)
    ]
    erased.refresh_from_db()
    kept.refresh_from_db()
    assert erased.full_name == ERASED_NAME
    assert kept.full_name != ERASED_NAME


@pytest.mark.parametrize(
    "role",
    ["open_membership", "later_membership", "organiser", "staff", "no_membership", "erased"],
)
def test_people_who_hold_a_role_or_never_left_are_kept(accounts_scheme, role):
    old_end = TODAY - timedelta(days=1000)
    person = left_on(accounts_scheme, old_end)
    if role == "open_membership":
        factories.MembershipFactory(
            person=person, group=factories.GroupFactory(scheme=accounts_scheme), end_date=None
        )
    elif role == "later_membership":
        left_on(accounts_scheme, TODAY - timedelta(days=10), person=person)
    elif role == "organiser":
        factories.OrganiserFactory(person=person)
    elif role == "staff":
        User.objects.filter(pk=person.pk).update(is_staff=True)
    elif role == "no_membership":
        person.memberships.all().delete()
    elif role == "erased":
        services.person_erase(actor=None, person=person, scheme=accounts_scheme)
    before = counts()

    run = services.retention_enforce()

    assert run.removed["accounts erased"] == 0
    assert changed(before, counts()) == {"groups.RetentionRun": 1}


def test_every_scheme_of_the_person_must_be_past_its_own_period(accounts_scheme):
    quick = factories.SchemeFactory(account_retention_days=30)
    person = left_on(quick, TODAY - timedelta(days=100))  # past quick's 30 days
    left_on(accounts_scheme, TODAY - timedelta(days=100), person=person)  # not past 730

    assert services.retention_enforce().removed["accounts erased"] == 0

    both_past = left_on(quick, TODAY - timedelta(days=800))
    left_on(accounts_scheme, TODAY - timedelta(days=740), person=both_past)
    services.retention_enforce()
    # Named after the scheme of their last membership.
    assert PersonErasure.objects.get().scheme == accounts_scheme
    assert PersonErasure.objects.get().person == both_past


def test_the_days_are_counted_in_the_schemes_time_zone(db, frozen_now):
    """At 12:00 UTC on 2 March it is already 3 March in Auckland."""
    frozen_now.move_to(datetime(2026, 3, 2, 12, 0, tzinfo=UTC))
    dublin = factories.SchemeFactory(account_retention_days=730)
    auckland = factories.SchemeFactory(account_retention_days=730, time_zone="Pacific/Auckland")
    end = date(2024, 3, 2)
    in_dublin = left_on(dublin, end)
    in_auckland = left_on(auckland, end)

    services.retention_enforce()

    assert list(PersonErasure.objects.values_list("person", flat=True)) == [in_auckland.pk]
    assert not PersonErasure.objects.filter(person=in_dublin).exists()


def test_an_erased_account_keeps_its_attendance_and_memberships(accounts_scheme):
    person = left_on(accounts_scheme, TODAY - timedelta(days=731))
    before = counts()

    services.retention_enforce()

    change = changed(before, counts())
    assert change.pop("groups.PersonErasure") == 1
    assert change.pop("groups.RetentionRun") == 1
    assert change.pop("account.EmailAddress") == -1  # the factory's sign-in address
    assert change == {}
    assert person.memberships.count() == 1


# --- The run, the task and the schedule ------------------------------------------------------


def test_each_run_is_recorded_with_its_counts_and_logged(scheme, caplog):
    source = RosterSourceFactory(person=member(scheme))
    shift_ending(source, NOW_UTC - timedelta(days=100))

    with caplog.at_level(logging.INFO, logger="groups.services"):
        services.retention_enforce()
        services.retention_enforce()

    first, second = RetentionRun.objects.order_by("pk")
    assert first.removed == {"emails": 0, "on-call shifts": 1, "clashes": 0, "accounts erased": 0}
    assert second.removed == {"emails": 0, "on-call shifts": 0, "clashes": 0, "accounts erased": 0}
    assert first.ran_at == NOW
    assert "0 emails, 1 on-call shifts, 0 clashes, 0 accounts erased" in caplog.text


def test_the_task_wraps_the_service_and_reports_what_it_removed(scheme):
    source = RosterSourceFactory(person=member(scheme))
    shift_ending(source, NOW_UTC - timedelta(days=100))

    result = enforce_retention.delay().get()

    assert result == {"emails": 0, "on-call shifts": 1, "clashes": 0, "accounts erased": 0}
    assert RetentionRun.objects.count() == 1


def test_beat_runs_it_daily():
    entry = next(
        e
        for e in settings.CELERY_BEAT_SCHEDULE.values()
        if e["task"] == "groups.tasks.enforce_retention"
    )

    assert entry["schedule"].hour == {3}
    assert entry["schedule"].minute == {15}


def test_sent_emails_go_after_their_keeping_time_and_waiting_ones_stay(db):
    old = timezone.now() - timedelta(days=91)
    gone = factories.OutboundEmailFactory(created_at=old)
    failed = factories.OutboundEmailFactory(created_at=old, state="failed")
    waiting = factories.OutboundEmailFactory(created_at=old, state="pending")
    recent = factories.OutboundEmailFactory()

    run = services.retention_enforce()

    assert run.removed["emails"] == 2
    left = set(OutboundEmail.objects.values_list("pk", flat=True))
    assert left == {waiting.pk, recent.pk}
    assert gone.pk not in left and failed.pk not in left

"""A scheme's clash and reminder settings live in this app (sessions.SchemeSettings), not
on groups.Scheme: every scheme has them from creation, the database refuses nonsense, and
a scheme somehow without a row is read with the defaults."""

from datetime import date

import pytest
from django.db import IntegrityError, transaction

from groups.models import Scheme
from sessions import services
from sessions.clashes import selectors
from sessions.models import DEFAULT_TRAVEL_MARGIN_MINUTES, Clash, SchemeSettings
from tests import factories
from tests.factories.rosters import OnCallShiftFactory, dublin
from tests.factories.sessions import SessionFactory


def test_a_new_scheme_has_its_settings_with_the_defaults(db):
    scheme = Scheme.objects.create(name="North West")

    rules = SchemeSettings.objects.get(scheme=scheme)
    assert rules.travel_margin_minutes == DEFAULT_TRAVEL_MARGIN_MINUTES == 30
    assert (rules.presenter_first_reminder_days, rules.presenter_last_reminder_days) == (7, 1)
    assert (rules.reminder_hour, rules.register_reminder_hour) == (9, 19)


def test_saving_a_scheme_again_keeps_its_settings(db):
    scheme = factories.SchemeFactory()
    SchemeSettings.objects.filter(scheme=scheme).update(travel_margin_minutes=45)

    scheme.name = "Renamed"
    scheme.save()

    assert SchemeSettings.objects.get(scheme=scheme).travel_margin_minutes == 45


def test_a_scheme_without_a_row_reads_the_defaults_and_writes_nothing(db):
    scheme = factories.SchemeFactory()
    SchemeSettings.objects.filter(scheme=scheme).delete()
    scheme = Scheme.objects.get(pk=scheme.pk)

    assert selectors.travel_margin_minutes(scheme) == DEFAULT_TRAVEL_MARGIN_MINUTES
    assert not SchemeSettings.objects.filter(scheme=scheme).exists()


@pytest.mark.parametrize(
    "values",
    [
        {"travel_margin_minutes": 721},
        {"presenter_first_reminder_days": 29},
        {"presenter_first_reminder_days": 2, "presenter_last_reminder_days": 3},
        {"member_reminder_days": 29},
        {"reminder_hour": 24},
        {"register_reminder_hour": 24},
    ],
)
def test_the_database_refuses_settings_that_make_no_sense(db, values):
    scheme = factories.SchemeFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        SchemeSettings.objects.filter(scheme=scheme).update(**values)


def test_scheme_has_no_clash_or_reminder_fields_any_more():
    names = {field.name for field in Scheme._meta.get_fields()}
    assert not names & {"travel_margin_minutes", "reminder_hour", "member_reminder_days"}


@pytest.mark.parametrize(("ends", "clashes"), [((8, 30), False), ((8, 31), True)])
def test_clashes_use_the_default_margin_for_a_scheme_without_a_row(
    frozen_now, scheme, group, trainee, ends, clashes
):
    """On both paths: the Python sweep (SQLite) and the PostgreSQL query (CI)."""
    SchemeSettings.objects.filter(scheme=scheme).delete()
    SessionFactory(group=group, slot_date=date(2026, 3, 4))  # 09:00–10:00
    OnCallShiftFactory(
        source__person=trainee,
        person=trainee,
        starts_at=dublin(2026, 3, 4, 6),
        ends_at=dublin(2026, 3, 4, *ends),
    )

    services.clashes_recompute(person_ids=[trainee.pk])

    assert Clash.objects.filter(person=trainee).exists() is clashes

"""Staff edits in the Django admin refresh the figures table like the services do:
a scheme's rule, a person's name, a membership, a session."""

from datetime import datetime

import pytest
from django.contrib.admin.sites import site
from django.contrib.admin.widgets import AdminSplitDateTime as SplitDateTimeWidget
from django.test import RequestFactory

from attendance import figures
from attendance.models import TraineeFigure
from groups.models import Membership, User
from sessions.models import Session
from tests import factories
from tests.factories.attendance import attend, held_sessions, past_wednesdays
from tests.factories.sessions import NOW, SessionFactory, wednesdays

pytestmark = pytest.mark.usefixtures("frozen_now")


@pytest.fixture
def staff(db):
    return factories.UserFactory(is_staff=True, is_superuser=True)


def admin_save(staff, obj, **changes):
    """Save `obj` through its ModelAdmin's change form, as the change page does."""
    model_admin = site._registry[type(obj)]
    request = RequestFactory().post("/")
    request.user = staff
    form_class = model_admin.get_form(request, obj, change=True)
    unbound = form_class(instance=obj)
    data = {}
    for name, value in {**{n: unbound[n].value() for n in unbound.fields}, **changes}.items():
        if isinstance(unbound.fields[name].widget, SplitDateTimeWidget) and value:
            value = value if isinstance(value, datetime) else datetime.fromisoformat(value)
            data[f"{name}_0"], data[f"{name}_1"] = value.date(), value.time()
        elif value is not None:
            data[name] = value
    form = form_class(data, instance=type(obj).objects.get(pk=obj.pk))
    assert form.is_valid(), form.errors
    model_admin.save_model(request, form.save(commit=False), form, change=True)


def row(scheme, person) -> TraineeFigure:
    return TraineeFigure.objects.get(scheme=scheme, person=person)


def agrees(scheme) -> bool:
    scheme.refresh_from_db()
    stored = {
        r.person_id: {n: getattr(r, n) for n in figures.VALUE_FIELDS}
        for r in TraineeFigure.objects.filter(scheme=scheme)
    }
    return stored == {pk: f.values() for pk, f in figures.compute(scheme).items()}


@pytest.fixture
def scene(scheme, group, trainee):
    attend(trainee, held_sessions(group, past_wednesdays(2)), ["present", "late"])
    SessionFactory(group=group, slot_date=wednesdays(1)[0])
    return scheme, group, trainee


def test_a_changed_requirement(scene, staff):
    scheme, _, trainee = scene
    assert row(scheme, trainee).status != "complete"

    admin_save(staff, scheme.requirement, sessions_required=2)

    assert row(scheme, trainee).status == "complete"
    assert agrees(scheme)


def test_changed_counted_statuses(scene, staff):
    scheme, _, trainee = scene
    admin_save(staff, scheme.requirement, counted_statuses='["present"]')

    assert row(scheme, trainee).counted == 1
    assert agrees(scheme)


def test_a_changed_name(scene, staff):
    scheme, _, trainee = scene
    admin_save(staff, User.objects.get(pk=trainee.pk), full_name="Aoife Ní Bhriain")

    assert row(scheme, trainee).name_key == "aoife ní bhriain"


def test_a_membership_ended(scene, staff):
    scheme, _, trainee = scene
    membership = Membership.objects.get(person=trainee)
    assert row(scheme, trainee).upcoming == 1

    admin_save(staff, membership, end_date=NOW.date().isoformat())

    assert row(scheme, trainee).upcoming == 0
    assert agrees(scheme)


def test_a_session_cancelled(scene, staff):
    scheme, group, trainee = scene
    session = Session.objects.get(group=group, status=Session.Status.SCHEDULED)

    admin_save(staff, session, status=Session.Status.CANCELLED, cancel_reason="Snow")

    assert row(scheme, trainee).upcoming == 0
    assert agrees(scheme)

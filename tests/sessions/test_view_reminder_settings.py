"""`/reminders/`: each person chooses which reminders they get, and sees what was sent; an
organiser also sets, per scheme they organise, how far ahead a session below its group's
minimum is warned of and whether guests need the leader's approval."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sessions.models import ReminderKind, ReminderPreference, SchemeSettings
from sessions.reminders import services
from tests import factories
from tests.access import access, assert_sign_in_first
from tests.factories.rosters import reminder_email
from tests.factories.sessions import SessionFactory

URL = "/reminders/"


pytestmark = pytest.mark.usefixtures("frozen_now")


def test_anonymous_is_sent_to_sign_in(client):
    assert_sign_in_first(client, URL)


@pytest.mark.parametrize("role", ["trainee", "leader", "organiser", "other_scheme_organiser"])
def test_everyone_signed_in_chooses_their_own(client, request, role):
    person = request.getfixturevalue(role)
    client.force_login(person)
    response = client.get(URL)
    assert response.status_code == 200
    assert all(response.context["form"].initial[k] for k in ("presenter", "day_before", "clash"))

    response = client.post(URL, {"presenter": "on", "clash": "on"})

    assert response.status_code == 302
    choice = ReminderPreference.objects.get()
    assert choice.person == person
    assert (choice.presenter, choice.day_before, choice.register, choice.clash) == (
        True,
        False,
        False,
        True,
    )


def test_choices_are_remembered(client, trainee):
    client.force_login(trainee)
    client.post(URL, {"day_before": "on"})
    client.post(URL, {"day_before": "on", "register": "on"})
    assert ReminderPreference.objects.count() == 1
    form = client.get(URL).context["form"]
    assert (form.initial["day_before"], form.initial["presenter"]) == (True, False)


def test_shows_my_sent_reminders_only(client, group, trainee, leader):
    session = SessionFactory(group=group, slot_date=date(2026, 3, 4))
    mine = reminder_email(
        session=session, person=trainee, kind=ReminderKind.CLASH, subject="On-call clash: x"
    )
    reminder_email(session=session, person=leader, kind=ReminderKind.REGISTER)
    client.force_login(trainee)

    response = client.get(URL)

    assert response.context["emails"] == [mine]
    assert "On-call clash: " in response.content.decode()


def test_a_bounced_address_is_shown_to_its_owner(client, trainee):
    factories.OutboundEmailFactory(
        person=trainee, state="failed", last_error="550 5.1.1 Mailbox unavailable"
    )
    client.force_login(trainee)

    content = client.get(URL).content.decode()

    assert f"We could not deliver email to {trainee.email}" in content
    assert "550 5.1.1 Mailbox unavailable" in content


def test_no_warning_when_everything_was_delivered(client, trainee):
    factories.OutboundEmailFactory(person=trainee)
    client.force_login(trainee)
    assert "We could not deliver" not in client.get(URL).content.decode()


# --- An organiser's settings of their schemes ------------------------------------------------


def scheme_post(scheme, days="14", approval=False, **extra):
    data = {"scheme": str(scheme.pk), f"scheme{scheme.pk}-below_minimum_notice_days": days}
    if approval:
        data[f"scheme{scheme.pk}-guests_need_approval"] = "on"
    return {**data, **extra}


def rules_of(scheme) -> tuple[int, bool]:
    rules = SchemeSettings.objects.get(scheme=scheme)
    return rules.below_minimum_notice_days, rules.guests_need_approval


def test_an_organiser_sees_their_schemes_settings(client, scheme, organiser):
    client.force_login(organiser)

    response = client.get(URL)

    (form,) = response.context["scheme_forms"]
    assert form.instance.scheme == scheme
    assert (form.initial["below_minimum_notice_days"], form.initial["guests_need_approval"]) == (
        7,
        True,
    )
    content = response.content.decode()
    assert scheme.name in content
    prefix = f"scheme{scheme.pk}"
    for field in ("below_minimum_notice_days", "guests_need_approval"):  # labelled
        assert f'for="id_{prefix}-{field}"' in content
        assert f'id="id_{prefix}-{field}"' in content
    assert "Days ahead to warn of a session below its group&#x27;s minimum" in content
    assert f'<input type="hidden" name="scheme" value="{scheme.pk}">' in content


@pytest.mark.parametrize("role", ["trainee", "leader", "other_group_leader", "stranger"])
def test_others_see_no_scheme_settings(client, request, role):
    client.force_login(request.getfixturevalue(role))
    response = client.get(URL)
    assert response.context["scheme_forms"] == []
    assert "Settings of the schemes you organise" not in response.content.decode()


def test_each_organiser_sees_their_own_schemes_only(
    client, scheme, organiser, other_scheme_organiser
):
    client.force_login(other_scheme_organiser)
    (form,) = client.get(URL).context["scheme_forms"]
    assert form.instance.scheme != scheme


def test_an_organiser_saves_the_notice_and_guest_settings(client, scheme, organiser):
    client.force_login(organiser)

    response = client.post(URL, scheme_post(scheme, days="14", approval=False))

    assert response.status_code == 302
    assert response["Location"] == URL
    assert rules_of(scheme) == (14, False)
    assert not ReminderPreference.objects.exists()  # their own choices are another form

    client.post(URL, scheme_post(scheme, days="56", approval=True))
    assert rules_of(scheme) == (56, True)


@pytest.mark.parametrize("days", ["0", "57", "-1", "soon", ""])
def test_a_notice_out_of_range_is_refused_by_name(client, scheme, organiser, days):
    client.force_login(organiser)

    response = client.post(URL, scheme_post(scheme, days=days))

    assert response.status_code == 400
    (form,) = response.context["scheme_forms"]
    assert list(form.errors) == ["below_minimum_notice_days"]
    assert 'aria-invalid="true"' in response.content.decode()
    assert rules_of(scheme) == (7, True)


@pytest.mark.parametrize(("role", "status"), access(organiser=302))
def test_only_the_schemes_organisers_change_its_settings(scheme, group, role, status, signed_in):
    response = signed_in.post(URL, scheme_post(scheme))
    assert response.status_code == status
    assert rules_of(scheme) == ((14, False) if status == 302 else (7, True))


@pytest.mark.parametrize("pk", ["0", "x", ""])
def test_an_unknown_scheme_is_not_found(client, scheme, organiser, pk):
    client.force_login(organiser)
    assert client.post(URL, {**scheme_post(scheme), "scheme": pk}).status_code == 404
    assert rules_of(scheme) == (7, True)


def test_the_service_refuses_others_and_out_of_range(scheme, organiser, leader):
    with pytest.raises(PermissionDenied):
        services.scheme_notice_settings_update(
            actor=leader, scheme=scheme, below_minimum_notice_days=14, guests_need_approval=True
        )
    with pytest.raises(ValidationError) as refused:
        services.scheme_notice_settings_update(
            actor=organiser, scheme=scheme, below_minimum_notice_days=57, guests_need_approval=True
        )
    assert list(refused.value.error_dict) == ["below_minimum_notice_days"]
    assert rules_of(scheme) == (7, True)


def test_a_fixed_number_of_queries_whatever_the_schemes_organised(
    client, organiser, django_assert_num_queries
):
    client.force_login(organiser)
    with CaptureQueriesContext(connection) as few:
        assert len(client.get(URL).context["scheme_forms"]) == 1

    for _ in range(3):
        factories.OrganiserFactory(person=organiser)
    with django_assert_num_queries(len(few)):
        assert len(client.get(URL).context["scheme_forms"]) == 4

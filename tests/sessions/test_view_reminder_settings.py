"""`/reminders/`: each person chooses which reminders they get, and sees what was sent."""

from datetime import date

import pytest

from sessions.models import ReminderKind, ReminderPreference
from tests import factories
from tests.access import assert_sign_in_first
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

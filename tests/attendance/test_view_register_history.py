"""`/sessions/<pk>/register/history/`: every change to a register, with the reasons given
for corrections after the day. Read by whoever may take the register."""

from datetime import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from attendance.services import Entry, register_save
from tests.access import access, assert_sign_in_first
from tests.factories.attendance import LAST_WEDNESDAY, bulk_trainees
from tests.factories.sessions import DUBLIN, SessionFactory

pytestmark = pytest.mark.usefixtures("frozen_now")

ON_THE_DAY = datetime(2026, 2, 25, 10, 30, tzinfo=DUBLIN)


@pytest.fixture
def session(group):
    return SessionFactory(group=group, slot_date=LAST_WEDNESDAY)


def url(session):
    return f"/sessions/{session.pk}/register/history/"


def test_anonymous_is_sent_to_sign_in(client, session):
    assert_sign_in_first(client, url(session))


# Other groups' leaders and other schemes' organisers: 404, as if the session did not exist.
@pytest.mark.parametrize(
    ("role", "status"),
    access(trainee=403, leader=200, organiser=200, co_leader=200, former_leader=404),
)
def test_the_groups_leaders_and_the_organisers_read_it(session, status, signed_in):
    assert signed_in.get(url(session)).status_code == status


@pytest.mark.parametrize("role", ["leader", "co_leader", "organiser"])
def test_the_register_links_to_its_history(session, co_leader, signed_in):
    assert f'href="{url(session)}"' in signed_in.get(f"/sessions/{session.pk}/register/").text


def test_every_change_with_who_when_and_the_reason(client, session, leader, organiser, trainee):
    with time_machine.travel(ON_THE_DAY, tick=False):
        register_save(actor=leader, session=session, entries=[Entry(trainee.pk, "", "absent")])
    register_save(
        actor=organiser,
        session=session,
        entries=[Entry(trainee.pk, "absent", "present")],
        reason="Signed the sheet; missed on the app.",
    )
    client.force_login(leader)

    response = client.get(url(session))

    changes = list(response.context["changes"])
    assert [(c.changed_by, c.before, c.after, c.reason) for c in changes] == [
        (leader, "", "absent", ""),
        (organiser, "absent", "present", "Signed the sheet; missed on the app."),
    ]
    content = response.content.decode()
    assert content.count(trainee.full_name) == 2
    assert "25 Feb 2026 10:30" in content and "2 Mar 2026 10:00" in content
    assert "Signed the sheet; missed on the app." in content
    # Each status with its word and its colour, the first entry from no mark.
    assert "Not marked" in content
    assert 'class="status-text status-absent"' in content
    assert 'class="status-text status-present"' in content


def test_a_fixed_number_of_queries(client, group, session, leader):
    client.force_login(leader)

    def take(count, prefix):
        people = bulk_trainees(group, count, prefix=prefix)
        entries = [Entry(p.pk, "", "present") for p in people]
        register_save(actor=leader, session=session, entries=entries)

    take(2, "few")
    with CaptureQueriesContext(connection) as few:
        client.get(url(session))

    take(60, "many")
    with CaptureQueriesContext(connection) as many:
        response = client.get(url(session))
    assert len(response.context["changes"]) == 62
    assert len(many) == len(few)

"""`/sessions/<pk>/register/` and `/sessions/<pk>/register/history/`."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from attendance.models import AttendanceChange
from attendance.selectors import register_lines
from attendance.services import Entry, register_save
from sessions.models import Session
from tests import factories
from tests.access import GROUP_LEADERS_AND_ORGANISERS, access, assert_sign_in_first
from tests.factories.attendance import LAST_WEDNESDAY, bulk_records, bulk_trainees
from tests.factories.sessions import LeaveFactory, SessionFactory

pytestmark = pytest.mark.usefixtures("frozen_now")


@pytest.fixture
def session(group):
    return SessionFactory(group=group, slot_date=LAST_WEDNESDAY)


def url(session):
    return f"/sessions/{session.pk}/register/"


def history_url(session):
    return f"/sessions/{session.pk}/register/history/"


def form_data(session, changes=None):
    """What the page posts: a status and the status shown, for every line."""
    data = {}
    for line in register_lines(session):
        data[f"status_{line.person.pk}"] = (changes or {}).get(line.person, line.status)
        data[f"was_{line.person.pk}"] = line.recorded
    return data


def statuses(session):
    return dict(session.attendance.values_list("person_id", "status"))


# --- The register -------------------------------------------------------------------------


def test_anonymous_is_sent_to_sign_in(client, session):
    for page in (url(session), history_url(session)):
        assert_sign_in_first(client, page)


@pytest.mark.parametrize(("role", "status"), GROUP_LEADERS_AND_ORGANISERS)
def test_who_may_open_the_register(session, status, signed_in):
    assert signed_in.get(url(session)).status_code == status


@pytest.mark.parametrize(("role", "status"), GROUP_LEADERS_AND_ORGANISERS)
def test_who_may_save_the_register(session, trainee, status, signed_in):
    data = form_data(session)

    response = signed_in.post(url(session), data)

    assert response.status_code == (302 if status == 200 else status)
    assert session.attendance.exists() is (status == 200)


def test_a_leader_takes_the_register_in_one_submit(client, session, leader, trainee):
    late = factories.MembershipFactory(group=session.group).person
    client.force_login(leader)

    response = client.post(url(session), form_data(session, {late: "late"}), follow=True)

    assert response.redirect_chain == [(url(session), 302)]
    assert "Register saved (3 changes)." in response.content.decode()
    assert statuses(session) == {leader.pk: "present", trainee.pk: "present", late.pk: "late"}
    session.refresh_from_db()
    assert session.status == Session.Status.HELD


def test_the_page_lists_members_with_leave_as_apologies(client, session, leader, trainee):
    LeaveFactory(person=trainee, start_date=LAST_WEDNESDAY, end_date=LAST_WEDNESDAY)
    client.force_login(leader)

    response = client.get(url(session))

    content = response.content.decode()
    assert trainee.full_name in content
    assert "On leave" in content
    assert response.context["form"][f"status_{trainee.pk}"].initial == "apologies"
    assert "counts toward the leading log" in content  # the leader's own line


def test_a_conflict_reloads_the_page_with_the_other_entries(
    client, session, group, leader, organiser, trainee
):
    register_save(
        actor=leader,
        session=session,
        entries=[Entry(line.person.pk, "", line.status) for line in register_lines(session)],
    )
    mine = form_data(session, {trainee: "late"})
    register_save(
        actor=organiser, session=session, entries=[Entry(trainee.pk, "present", "absent")]
    )
    client.force_login(leader)

    response = client.post(url(session), mine)

    assert response.status_code == 409
    assert "Someone else changed this register" in response.content.decode()
    assert response.context["form"][f"status_{trainee.pk}"].initial == "absent"
    assert response.context["form"][f"was_{trainee.pk}"].initial == "absent"
    assert statuses(session)[trainee.pk] == "absent"


def test_before_the_day_the_page_says_so_and_a_post_is_refused(client, group, leader, trainee):
    session = SessionFactory(group=group, slot_date=date(2026, 3, 4))
    client.force_login(leader)

    page = client.get(url(session))
    response = client.post(url(session), form_data(session))

    assert "The register opens on the day of the session" in page.content.decode()
    assert 'id="register-form"' not in page.content.decode()
    assert response.status_code == 400
    assert not session.attendance.exists()


def test_a_cancelled_session_has_no_register(client, group, leader, trainee):
    session = SessionFactory(
        group=group, slot_date=LAST_WEDNESDAY, status="cancelled", cancel_reason="Strike"
    )
    client.force_login(leader)

    content = client.get(url(session)).content.decode()

    assert "this session was cancelled" in content
    assert client.post(url(session), form_data(session)).status_code == 400


def test_a_forged_person_in_the_post_is_ignored(client, session, leader, trainee, stranger):
    client.force_login(leader)
    data = {**form_data(session), f"status_{stranger.pk}": "present", f"was_{stranger.pk}": ""}

    client.post(url(session), data)

    assert set(statuses(session)) == {leader.pk, trainee.pk}


def test_a_fixed_number_of_queries_with_10_and_with_1000_trainees(
    client, group, leader, django_assert_num_queries
):
    session = SessionFactory(group=group, slot_date=LAST_WEDNESDAY)
    client.force_login(leader)

    def add(count, prefix):
        people = bulk_trainees(group, count, prefix=prefix)
        bulk_records(session, people[: count // 2])
        LeaveFactory(person=people[-1], start_date=LAST_WEDNESDAY)
        return people

    add(10, "small")
    with CaptureQueriesContext(connection) as few:
        response = client.get(url(session))
    assert len(response.context["form"].lines) == 11

    add(990, "large")
    with django_assert_num_queries(len(few)):
        response = client.get(url(session))
    assert len(response.context["form"].lines) == 1001


# --- History ------------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "status"), access(trainee=403, leader=403, organiser=200))
def test_history_is_for_organisers_only(session, status, signed_in):
    assert signed_in.get(history_url(session)).status_code == status


def test_history_lists_every_change(client, session, leader, organiser, trainee):
    register_save(actor=leader, session=session, entries=[Entry(trainee.pk, "", "present")])
    register_save(actor=organiser, session=session, entries=[Entry(trainee.pk, "present", "late")])
    client.force_login(organiser)

    response = client.get(history_url(session))

    changes = list(response.context["changes"])
    assert [(c.changed_by, c.before, c.after) for c in changes] == [
        (leader, "", "present"),
        (organiser, "present", "late"),
    ]
    content = response.content.decode()
    assert content.count(trainee.full_name) == 2
    assert AttendanceChange.objects.count() == 2


def test_only_organisers_see_the_history_link(client, session, leader, organiser):
    client.force_login(leader)
    assert history_url(session) not in client.get(url(session)).content.decode()
    client.force_login(organiser)
    assert history_url(session) in client.get(url(session)).content.decode()

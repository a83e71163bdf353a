"""`/sessions/<pk>/register/`: a leader marks who came, on a phone (history: its own file)."""

import re
from datetime import date, datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from attendance.selectors import register_lines
from attendance.services import Entry, register_save
from sessions.models import Session
from tests import factories
from tests.access import GROUP_LEADERS_AND_ORGANISERS, assert_sign_in_first
from tests.factories.attendance import LAST_WEDNESDAY, bulk_records, bulk_trainees
from tests.factories.sessions import DUBLIN, LeaveFactory, SessionFactory

pytestmark = pytest.mark.usefixtures("frozen_now")

# The evening of LAST_WEDNESDAY: still the day of the session.
SAME_DAY = datetime(2026, 2, 25, 20, 0, tzinfo=DUBLIN)


@pytest.fixture
def session(group):
    return SessionFactory(group=group, slot_date=LAST_WEDNESDAY)


def url(session):
    return f"/sessions/{session.pk}/register/"


def form_data(session, marks=None, *, everyone="present"):
    """What the page posts: the status shown and the one chosen for every line, everyone
    marked `everyone` unless `marks` says otherwise (None in `marks`: left unmarked)."""
    marks = marks or {}
    data = {}
    for line in register_lines(session):
        status = marks.get(line.person, line.status or everyone)
        if status:
            data[f"status_{line.person.pk}"] = status
        data[f"was_{line.person.pk}"] = line.recorded
    return data


def statuses(session):
    return dict(session.attendance.values_list("person_id", "status"))


def checked(content: str) -> list[str]:
    """The values of the checked radios of the page."""
    return re.findall(r'value="(\w+)" checked>', content)


def test_anonymous_is_sent_to_sign_in(client, session):
    assert_sign_in_first(client, url(session))


@pytest.mark.parametrize(("role", "status"), GROUP_LEADERS_AND_ORGANISERS)
def test_who_may_open_the_register(session, status, signed_in):
    assert signed_in.get(url(session)).status_code == status


@pytest.mark.parametrize(("role", "status"), GROUP_LEADERS_AND_ORGANISERS)
def test_who_may_save_the_register(session, trainee, status, signed_in):
    response = signed_in.post(url(session), form_data(session))

    assert response.status_code == (302 if status == 200 else status)
    assert session.attendance.exists() is (status == 200)


# --- Marking -------------------------------------------------------------------------------


def test_everyone_starts_unmarked(client, session, leader, trainee):
    client.force_login(leader)

    response = client.get(url(session))

    form = response.context["form"]
    assert [form[f"status_{p.pk}"].value() for p in (leader, trainee)] == [None, None]
    content = response.content.decode()
    assert checked(content) == []
    assert re.search(r'<span id="register-marked">0</span> of 2 marked', content)


def test_the_first_save_says_what_was_saved(client, session, group, leader):
    people = [factories.MembershipFactory(group=group).person for _ in range(9)]
    client.force_login(leader)
    marks = {people[0]: "absent", people[1]: None, people[2]: None}

    response = client.post(url(session), form_data(session, marks), follow=True)

    assert response.redirect_chain == [(url(session), 302)]
    assert "Register saved: 7 present, 1 absent, 2 not marked yet." in response.content.decode()
    saved = statuses(session)
    assert len(saved) == 8 and people[1].pk not in saved and people[2].pk not in saved
    session.refresh_from_db()
    assert session.status == Session.Status.HELD


def test_the_message_names_each_status_held(client, session, group, leader, trainee):
    late, away = (factories.MembershipFactory(group=group).person for _ in range(2))
    client.force_login(leader)
    data = form_data(session, {late: "late", away: "apologies"})

    content = client.post(url(session), data, follow=True).content.decode()

    assert "Register saved: 2 present, 1 late, 1 with apologies." in content
    again = client.post(url(session), form_data(session), follow=True).content.decode()
    assert "No changes to save: 2 present, 1 late, 1 with apologies." in again


def test_a_register_with_nobody_marked_is_not_saved(client, session, leader, trainee):
    client.force_login(leader)

    response = client.post(url(session), form_data(session, everyone=""))

    assert response.status_code == 400
    assert "Mark at least one person" in response.content.decode()
    session.refresh_from_db()
    assert session.status == Session.Status.SCHEDULED


def test_everyone_present_without_javascript_marks_the_rest_and_saves_nothing(
    client, session, group, leader, trainee
):
    away = factories.MembershipFactory(group=group).person
    on_leave = factories.MembershipFactory(group=group).person
    LeaveFactory(person=on_leave, start_date=LAST_WEDNESDAY, end_date=LAST_WEDNESDAY)
    client.force_login(leader)
    data = {**form_data(session, {away: "absent"}, everyone=""), "everyone_present": "1"}

    response = client.post(url(session), data)

    assert response.status_code == 200
    form = response.context["form"]
    assert {p: form[f"status_{p.pk}"].value() for p in (leader, trainee, away, on_leave)} == {
        leader: "present",
        trainee: "present",
        away: "absent",  # a mark already made stays
        on_leave: "apologies",
    }
    assert re.search(r'<span id="register-marked">4</span> of 4 marked', response.text)
    assert not session.attendance.exists()


def test_statuses_differ_by_word_icon_and_colour(client, session, leader):
    client.force_login(leader)

    content = client.get(url(session)).content.decode()

    labels = re.findall(
        r'<label class="btn btn-status (status-\w+)" [^>]*>(<svg.*?</svg>)(\w+)', content
    )
    assert [(colour, word) for colour, _, word in labels] == [
        ("status-present", "Present"),
        ("status-late", "Late"),
        ("status-apologies", "Apologies"),
        ("status-absent", "Absent"),
    ]
    icons = [icon for _, icon, _ in labels]
    assert len(set(icons)) == 4 and all('aria-hidden="true"' in icon for icon in icons)
    assert "/static/css/register.css" in content


def test_save_sits_in_a_bar_at_the_foot_with_the_count(client, session, leader):
    client.force_login(leader)

    content = client.get(url(session)).content.decode()

    bar = re.search(r'<div class="register-bar sticky-bottom.*?</div>', content, re.S).group()
    assert "Save register" in bar and "of 1 marked" in bar
    # The one-tap button is enhanced by a script file: nothing inline for the CSP to refuse.
    assert '<script src="/static/js/register.js"></script>' in content
    assert not re.search(r"<script>|\son\w+=|\sstyle=", content)


def test_the_page_lists_members_with_leave_as_apologies(client, session, leader, trainee):
    LeaveFactory(person=trainee, start_date=LAST_WEDNESDAY, end_date=LAST_WEDNESDAY)
    client.force_login(leader)

    response = client.get(url(session))

    content = response.content.decode()
    assert "On leave" in content
    assert response.context["form"][f"status_{trainee.pk}"].value() == "apologies"
    assert "counts toward the leading log" in content  # the leader's own line


# --- Corrections ---------------------------------------------------------------------------


@pytest.fixture
def taken(session, leader, trainee):
    """The register, taken on the day."""
    with time_machine.travel(SAME_DAY, tick=False):
        register_save(
            actor=leader,
            session=session,
            entries=[Entry(leader.pk, "", "present"), Entry(trainee.pk, "", "absent")],
        )
    return session


def test_a_correction_after_the_day_asks_for_a_reason(client, taken, leader, trainee):
    client.force_login(leader)
    assert "Reason for changing saved entries" in client.get(url(taken)).content.decode()

    refused = client.post(url(taken), form_data(taken, {trainee: "present"}))

    assert refused.status_code == 400
    assert "Say why the register is changed" in str(refused.context["form"].errors["reason"])
    assert 'aria-invalid="true"' in refused.content.decode()
    assert statuses(taken)[trainee.pk] == "absent"

    reason = "Came in after the register was taken."
    data = {**form_data(taken, {trainee: "present"}), "reason": reason}
    assert client.post(url(taken), data).status_code == 302
    assert statuses(taken)[trainee.pk] == "present"
    assert taken.attendance.get(person=trainee).changes.last().reason == reason


def test_on_the_day_a_correction_needs_no_reason(client, taken, leader, trainee):
    client.force_login(leader)

    with time_machine.travel(SAME_DAY, tick=False):
        page = client.get(url(taken)).content.decode()
        response = client.post(url(taken), form_data(taken, {trainee: "late"}))

    assert "Reason for changing" not in page
    assert response.status_code == 302
    assert statuses(taken)[trainee.pk] == "late"


def test_a_register_first_taken_after_the_day_asks_no_reason(client, session, leader):
    client.force_login(leader)
    assert "Reason for changing" not in client.get(url(session)).content.decode()
    assert client.post(url(session), form_data(session)).status_code == 302


# --- When it opens, conflicts, forged posts -------------------------------------------------


def test_a_conflict_reloads_the_page_with_the_other_entries(
    client, session, leader, organiser, trainee
):
    register_save(
        actor=leader,
        session=session,
        entries=[Entry(line.person.pk, "", "present") for line in register_lines(session)],
    )
    mine = {**form_data(session, {trainee: "late"}), "reason": "Late, not present."}
    register_save(
        actor=organiser,
        session=session,
        entries=[Entry(trainee.pk, "present", "absent")],
        reason="Left at the start.",
    )
    client.force_login(leader)

    response = client.post(url(session), mine)

    assert response.status_code == 409
    assert "Someone else changed this register" in response.content.decode()
    assert response.context["form"][f"status_{trainee.pk}"].value() == "absent"
    assert response.context["form"][f"was_{trainee.pk}"].value() == "absent"
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


def test_a_combined_session_sends_its_leader_to_the_hosts_register(
    client, group, other_group, leader, trainee
):
    host = SessionFactory(group=other_group, slot_date=LAST_WEDNESDAY)
    session = SessionFactory(group=group, slot_date=LAST_WEDNESDAY, combined_into=host)
    client.force_login(leader)

    content = client.get(url(session)).content.decode()

    assert "combined into another group’s session that day" in content
    assert f'<a href="{url(host)}">Open that register</a>' in content
    assert "The register opens on the day" not in content
    assert 'id="register-form"' not in content
    assert client.get(url(host)).status_code == 200  # its leader may take that one
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

"""Adding, moving and cancelling single sessions: the services and their pages.

`/groups/<pk>/sessions/new/`, `/sessions/<pk>/move/`, `/sessions/<pk>/cancel/`.
"""

from datetime import UTC, date, datetime, time

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from sessions import services
from sessions.models import Session
from tests import factories
from tests.access import GROUP_LEADERS_AND_ORGANISERS, assert_sign_in_first
from tests.factories.sessions import DUBLIN, SessionFactory

DAY = date(2026, 3, 18)


pytestmark = pytest.mark.usefixtures("frozen_now")


@pytest.fixture
def session(group):
    return SessionFactory(group=group, slot_date=DAY)


def reload(session):
    session.refresh_from_db()
    return session


# --- Moving --------------------------------------------------------------------------------


def test_moving_changes_the_time_and_place_and_raises_the_sequence(leader, session):
    services.session_move(
        actor=leader,
        session=session,
        day=date(2026, 3, 19),
        start_time=time(14, 30),
        location_override="Seminar room 2",
    )

    session = reload(session)
    assert session.starts_at == datetime(2026, 3, 19, 14, 30, tzinfo=DUBLIN)
    assert session.ends_at == datetime(2026, 3, 19, 15, 30, tzinfo=DUBLIN)
    assert session.location == "Seminar room 2"
    assert session.slot_date == DAY  # the slot stays, so a new term won't refill it
    assert session.sequence == 1


def test_moving_without_a_time_keeps_the_usual_time(leader, session):
    services.session_move(actor=leader, session=session, day=date(2026, 4, 1))

    session = reload(session)
    assert session.starts_at.astimezone(DUBLIN).time() == time(9, 0)
    assert session.starts_at.astimezone(UTC).hour == 8  # summer time by then
    assert session.location == session.group.location


def test_each_move_raises_the_sequence(leader, session):
    services.session_move(actor=leader, session=session, day=date(2026, 3, 19))
    services.session_move(actor=leader, session=session, day=date(2026, 3, 20))
    assert reload(session).sequence == 2


def test_moving_emails_the_members_after_commit(
    group, leader, trainee, session, mailoutbox, django_capture_on_commit_callbacks
):
    former = factories.MembershipFactory(
        group=group, start_date=date(2025, 9, 1), end_date=date(2026, 2, 28)
    ).person
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.session_move(actor=leader, session=session, day=date(2026, 3, 19))
    assert mailoutbox == []  # nothing is sent before the commit

    for callback in callbacks:
        callback()

    recipients = sorted(m.to[0] for m in mailoutbox)
    assert recipients == sorted([leader.email, trainee.email])
    assert former.email not in recipients
    message = mailoutbox[0]
    assert message.subject == f"Moved: {group.name} on 18 Mar"
    assert "New time: Thursday 19 March 2026, 09:00–10:00" in message.body


def test_a_cancelled_session_cannot_be_moved(leader, session):
    services.session_cancel(actor=leader, session=session, reason="Leader unwell")
    with pytest.raises(ValidationError, match="Only a scheduled session"):
        services.session_move(actor=leader, session=session, day=date(2026, 3, 19))
    assert reload(session).starts_at.date() == DAY


@pytest.mark.parametrize("role", ["trainee", "other_group_leader", "other_scheme_organiser"])
def test_only_schedulers_may_move(request, session, role):
    with pytest.raises(PermissionDenied):
        services.session_move(
            actor=request.getfixturevalue(role), session=session, day=date(2026, 3, 19)
        )
    assert reload(session).sequence == 0


# --- Cancelling ------------------------------------------------------------------------------


def test_cancelling_keeps_the_reason_and_emails_the_members(
    group, leader, trainee, session, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.session_cancel(actor=leader, session=session, reason="  Leader unwell ")

    session = reload(session)
    assert session.status == Session.Status.CANCELLED
    assert session.cancel_reason == "Leader unwell"
    assert session.sequence == 1
    assert sorted(m.to[0] for m in mailoutbox) == sorted([leader.email, trainee.email])
    assert mailoutbox[0].subject == f"Cancelled: {group.name} on 18 Mar"
    assert "Reason: Leader unwell" in mailoutbox[0].body


@pytest.mark.parametrize("reason", ["", "   "])
def test_cancelling_without_a_reason_is_refused(
    leader, session, reason, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError):
        services.session_cancel(actor=leader, session=session, reason=reason)

    session = reload(session)
    assert session.status == Session.Status.SCHEDULED
    assert session.sequence == 0
    assert mailoutbox == []


def test_a_session_is_cancelled_only_once(leader, session, django_capture_on_commit_callbacks):
    services.session_cancel(actor=leader, session=session, reason="Leader unwell")
    with pytest.raises(ValidationError, match="Only a scheduled session"):
        services.session_cancel(actor=leader, session=session, reason="Again")
    assert reload(session).cancel_reason == "Leader unwell"


def test_cancelled_sessions_are_not_refilled(group, leader, trainee, session):
    services.session_cancel(actor=leader, session=session, reason="Leader unwell")

    services.term_generate(
        actor=leader, group=group, start=date(2026, 3, 16), end=date(2026, 3, 20)
    )
    services.rota_assign(actor=leader, group=group)

    assert list(group.sessions.values_list("slot_date", "status", "presenter")) == [
        (DAY, Session.Status.CANCELLED, None)
    ]


@pytest.mark.parametrize("role", ["trainee", "other_group_leader", "other_scheme_organiser"])
def test_only_schedulers_may_cancel(request, session, role):
    with pytest.raises(PermissionDenied):
        services.session_cancel(
            actor=request.getfixturevalue(role), session=session, reason="Because"
        )
    assert reload(session).status == Session.Status.SCHEDULED


# --- Adding one ----------------------------------------------------------------------------


def test_adding_a_session_at_the_usual_or_another_time(group, organiser):
    usual = services.session_add(actor=organiser, group=group, day=date(2026, 3, 5))
    special = services.session_add(
        actor=organiser, group=group, day=date(2026, 3, 6), start_time=time(13, 0)
    )

    assert usual.starts_at == datetime(2026, 3, 5, 9, 0, tzinfo=DUBLIN)
    assert special.starts_at == datetime(2026, 3, 6, 13, 0, tzinfo=DUBLIN)
    assert special.ends_at == datetime(2026, 3, 6, 14, 0, tzinfo=DUBLIN)


def test_adding_a_second_session_on_a_date_is_refused(group, leader, session):
    with pytest.raises(ValidationError, match="already has a session on 18 Mar 2026"):
        services.session_add(actor=leader, group=group, day=DAY)
    assert group.sessions.count() == 1


@pytest.mark.parametrize("role", ["trainee", "other_group_leader", "other_scheme_organiser"])
def test_only_schedulers_may_add(request, group, role):
    with pytest.raises(PermissionDenied):
        services.session_add(actor=request.getfixturevalue(role), group=group, day=DAY)
    assert group.sessions.count() == 0


# --- The pages ----------------------------------------------------------------------------------


def pages(group, session):
    return [
        f"/groups/{group.pk}/sessions/new/",
        f"/sessions/{session.pk}/move/",
        f"/sessions/{session.pk}/cancel/",
    ]


def test_anonymous_is_sent_to_sign_in(client, group, session):
    for url in pages(group, session):
        assert_sign_in_first(client, url)


@pytest.mark.parametrize(("role", "status"), GROUP_LEADERS_AND_ORGANISERS)
def test_access_by_role(group, session, status, signed_in):
    for url in pages(group, session):
        assert signed_in.get(url).status_code == status, url


@pytest.mark.parametrize(
    ("role", "status"),
    [("trainee", 403), ("other_group_leader", 404), ("other_scheme_organiser", 404)],
)
def test_others_cannot_change_sessions(client, request, group, session, role, status):
    client.force_login(request.getfixturevalue(role))

    assert client.post(pages(group, session)[0], {"day": "2026-03-05"}).status_code == status
    assert client.post(pages(group, session)[1], {"day": "2026-03-19"}).status_code == status
    assert client.post(pages(group, session)[2], {"reason": "No"}).status_code == status

    assert group.sessions.count() == 1
    session = reload(session)
    assert (session.status, session.sequence) == (Session.Status.SCHEDULED, 0)


def test_the_move_page_starts_from_the_local_time(client, leader, session):
    services.session_move(actor=leader, session=session, day=date(2026, 4, 1))
    client.force_login(leader)

    form = client.get(f"/sessions/{session.pk}/move/").context["form"]

    assert form.initial["day"] == date(2026, 4, 1)
    assert form.initial["start_time"] == time(9, 0)


def test_moving_on_the_page(
    client, group, leader, trainee, session, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(leader)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/sessions/{session.pk}/move/",
            {"day": "2026-03-19", "start_time": "10:15", "location_override": "Library"},
        )

    assert response.status_code == 302
    assert response["Location"] == f"/groups/{group.pk}/sessions/"
    session = reload(session)
    assert session.starts_at == datetime(2026, 3, 19, 10, 15, tzinfo=DUBLIN)
    assert session.location == "Library"
    assert session.sequence == 1
    assert len(mailoutbox) == 2


def test_cancelling_on_the_page(
    client, group, organiser, trainee, session, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(organiser)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/sessions/{session.pk}/cancel/", {"reason": "Room unavailable"})

    assert response.status_code == 302
    session = reload(session)
    assert session.status == Session.Status.CANCELLED
    assert session.cancel_reason == "Room unavailable"
    assert [m.to for m in mailoutbox] == [[trainee.email]]


@pytest.mark.parametrize("reason", ["", "   "])
def test_the_cancel_page_needs_a_reason(client, leader, session, reason, mailoutbox):
    client.force_login(leader)
    response = client.post(f"/sessions/{session.pk}/cancel/", {"reason": reason})

    assert response.status_code == 400
    assert reload(session).status == Session.Status.SCHEDULED
    assert mailoutbox == []


def test_cancelling_twice_on_the_page_is_refused(client, leader, session):
    services.session_cancel(actor=leader, session=session, reason="Leader unwell")
    client.force_login(leader)

    response = client.post(f"/sessions/{session.pk}/cancel/", {"reason": "Again"})

    assert response.status_code == 400
    assert "Only a scheduled session can be cancelled." in response.content.decode()
    assert reload(session).sequence == 1


def test_adding_on_the_page(client, group, leader):
    client.force_login(leader)
    response = client.post(f"/groups/{group.pk}/sessions/new/", {"day": "2026-03-05"})

    assert response.status_code == 302
    added = group.sessions.get()
    assert added.slot_date == date(2026, 3, 5)
    assert added.starts_at == datetime(2026, 3, 5, 9, 0, tzinfo=DUBLIN)


def test_adding_a_taken_date_on_the_page_is_refused(client, group, leader, session):
    client.force_login(leader)
    response = client.post(f"/groups/{group.pk}/sessions/new/", {"day": DAY.isoformat()})

    assert response.status_code == 400
    assert "already has a session on 18 Mar 2026" in response.content.decode()
    assert group.sessions.count() == 1


def test_plain_text_email_is_not_html_escaped(
    leader, session, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.session_cancel(actor=leader, session=session, reason="Leader's exam & travel")

    assert "Reason: Leader's exam & travel" in mailoutbox[0].body

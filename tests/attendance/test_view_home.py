"""`/`: one home page with a section for each role the person holds; here what everyone
sees and the trainee's section (the leader's and the organiser's: test_view_home_*.py).

The clock stands at NOW (tests.factories.sessions): Monday 2 March 2026, 10:00 in
Dublin; the groups meet on Wednesdays at 09:00.
"""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from groups.models import Membership
from tests import factories
from tests.access import assert_sign_in_first
from tests.factories.attendance import attend, held_sessions, past_wednesdays
from tests.factories.certificates import CertificateFactory
from tests.factories.rosters import ClashFactory
from tests.factories.sessions import LeaveFactory, SessionFactory, SwapRequestFactory, wednesdays

pytestmark = pytest.mark.usefixtures("frozen_now")

# Wednesdays from NOW: 4 (the next session), 11 (leave), 18 (on call), 25 March, 1 April.
UPCOMING = wednesdays(5)


def trainee_scene(group, trainee, *, attended: int = 3):
    """The trainee has `attended` of the six sessions the scheme requires, five sessions to
    come, leave on the second and an on-call clash with the third (which they present);
    three attendable sessions bring them to six on 1 April."""
    scheme = group.scheme
    scheme.requirement.sessions_required = 6
    scheme.requirement.save()
    attend(trainee, held_sessions(group, past_wednesdays(attended)), ["present"] * attended)
    presenter = factories.MembershipFactory(group=group, person__full_name="Dr Cian Murphy").person
    sessions = [SessionFactory(group=group, slot_date=day) for day in UPCOMING]
    sessions[0].presenter = presenter
    sessions[0].save()
    sessions[2].presenter = trainee
    sessions[2].save()
    LeaveFactory(person=trainee, start_date=UPCOMING[1])
    ClashFactory(session=sessions[2], person=trainee)
    return sessions


def get_home(client, person):
    client.force_login(person)
    response = client.get("/")
    assert response.status_code == 200
    return response, response.content.decode()


# --- Everyone -------------------------------------------------------------------------


def test_anonymous_is_sent_to_sign_in(client):
    assert_sign_in_first(client, "/")


@pytest.mark.parametrize(
    "role", ["trainee", "leader", "other_group_leader", "organiser", "other_scheme_organiser"]
)
def test_every_role_gets_a_home_page(client, request, role):
    response, content = get_home(client, request.getfixturevalue(role))
    assert "home/home.html" in [t.name for t in response.templates]
    assert "Hello, " in content


def test_someone_without_a_role_is_told_so(client, stranger):
    response, content = get_home(client, stranger)
    assert response.context["home"].is_empty
    assert "You do not belong to any Balint group yet" in content


def test_a_person_whose_mail_bounced_is_told(client, trainee):
    factories.OutboundEmailFactory(
        person=trainee, state="failed", last_error="550 5.1.1 Mailbox unavailable"
    )
    _, content = get_home(client, trainee)
    assert f"We could not deliver email to {trainee.email}" in content
    assert "550 5.1.1 Mailbox unavailable" in content


def test_one_person_sees_every_role_they_hold(client, scheme, group, other_group):
    person = factories.OrganiserFactory(scheme=scheme).person
    factories.LeaderFactory(group=group, person=person)
    factories.MembershipFactory(group=other_group, person=person)

    response, content = get_home(client, person)

    home = response.context["home"]
    assert home.trainee is not None
    assert [card.group for card in home.groups] == [group]
    assert [summary.scheme for summary in home.schemes] == [scheme]
    assert "Your training" in content
    assert "Groups you lead" in content
    assert f'id="scheme-{scheme.pk}"' in content


def test_a_trainee_sees_no_leader_or_organiser_section(client, trainee):
    response, content = get_home(client, trainee)
    assert response.context["home"].groups == []
    assert response.context["home"].schemes == []
    assert "Groups you lead" not in content
    assert "Progress overview" not in content


# --- Trainee --------------------------------------------------------------------------


def test_trainee_sees_the_next_session_where_and_who_presents(client, group, trainee):
    group.location = "Seminar Room 2"
    group.save()
    trainee_scene(group, trainee)

    _, content = get_home(client, trainee)

    assert "Wed 4 March, 09:00" in content
    assert f"{group.name} · Seminar Room 2" in content
    assert "Presenting: Dr Cian Murphy" in content


def test_a_cancelled_session_is_not_the_next_one(client, group, trainee):
    sessions = trainee_scene(group, trainee)
    sessions[0].status = "cancelled"
    sessions[0].cancel_reason = "Leader away"
    sessions[0].save()

    response, _ = get_home(client, trainee)

    next_session = response.context["home"].trainee.next_session
    assert next_session == sessions[1]
    assert next_session.on_leave  # and the page says so
    assert "You are on leave that day" in response.content.decode()


def test_trainee_sees_their_presenting_date_its_clash_and_a_swap_link(client, group, trainee):
    sessions = trainee_scene(group, trainee)

    response, content = get_home(client, trainee)

    presenting = response.context["home"].trainee.next_presentation
    assert presenting == sessions[2]
    assert "Wed 18 March, 09:00" in content
    assert "(in 16 days)" in content
    assert "You are on call then." in content
    assert f'href="/sessions/{sessions[2].pk}/swap/"' in content


def test_a_presenting_date_on_leave_says_so(client, group, trainee):
    sessions = trainee_scene(group, trainee)
    LeaveFactory(person=trainee, start_date=UPCOMING[2])

    _, content = get_home(client, trainee)

    assert f'href="/sessions/{sessions[2].pk}/swap/"' in content
    assert "You are on leave that day." in content


def test_trainee_without_a_presenting_date_is_told_who_assigns_them(client, group, trainee):
    SessionFactory(group=group)
    _, content = get_home(client, trainee)
    assert "No presenting date yet" in content
    assert "/swap/" not in content


def test_trainee_sees_their_count_and_a_projection_that_skips_leave_and_on_call(
    client, group, trainee
):
    trainee_scene(group, trainee)

    response, content = get_home(client, trainee)

    (progress,) = response.context["home"].trainee.progress
    assert (progress.count, progress.required) == (3, 6)
    assert progress.projected_date == date(2026, 4, 1)
    assert "<strong>3</strong> of 6 sessions" in content
    assert '<progress class="requirement mb-2" value="3" max="6"' in content
    assert "You reach 6 on <strong>1 April 2026</strong>" in content
    assert "Left out as you cannot attend: 11 March (leave), 18 March (on call)." in content
    assert "At 6, your scheme organiser issues your completion certificate." in content


def test_trainee_at_risk_is_told_why_and_whom_to_talk_to(client, group, trainee):
    trainee_scene(group, trainee)
    Membership.objects.filter(person=trainee).update(end_date=UPCOMING[1])

    response, content = get_home(client, trainee)

    (progress,) = response.context["home"].trainee.progress
    assert progress.status == "at_risk"
    assert (
        f"<strong>At risk:</strong> {progress.status_reason}. Talk to your scheme organiser."
        in content
    )


def test_trainee_who_met_the_requirement_downloads_the_certificate(client, group, trainee):
    trainee_scene(group, trainee, attended=6)
    certificate = CertificateFactory(trainee=trainee, scheme=group.scheme)

    _, content = get_home(client, trainee)

    assert "Requirement met." in content
    assert f'href="/certificates/{certificate.pk}.pdf"' in content
    assert "Left out as you cannot attend" not in content


def test_trainee_who_met_the_requirement_is_told_the_certificate_follows(client, group, trainee):
    trainee_scene(group, trainee, attended=6)
    _, content = get_home(client, trainee)
    assert "Your scheme organiser will issue your completion certificate" in content


def test_trainee_sees_swaps_to_answer_and_their_own_pending_ones(client, group, trainee):
    sessions = trainee_scene(group, trainee)
    asker = sessions[0].presenter
    SwapRequestFactory(requester_session=sessions[0], recipient_session=sessions[2])
    later = SessionFactory(group=group, slot_date=date(2026, 4, 8))
    later.presenter = factories.MembershipFactory(
        group=group, person__full_name="Dr Ann Other"
    ).person
    later.save()
    mine = SwapRequestFactory(requester_session=sessions[2], recipient_session=later)
    # Answered requests are not open any more.
    SwapRequestFactory(requester_session=sessions[0], recipient_session=later, status="declined")

    response, content = get_home(client, trainee)

    trainee_home = response.context["home"].trainee
    assert [s.requester for s in trainee_home.swaps_to_me] == [asker]
    assert trainee_home.swaps_from_me == [mine]
    assert (
        f"{asker.full_name} asks to swap: you would present on <strong>Wed 4 Mar</strong>"
        in content
    )
    assert "You asked Dr Ann Other to swap Wed 18 Mar for Wed 8 Apr." in content
    assert 'href="/rota/">Answer or withdraw on My rota' in content


def test_former_trainee_has_no_trainee_section(client, group):
    today = timezone.localdate()
    former = factories.MembershipFactory(
        group=group, start_date=today - timedelta(days=120), end_date=today - timedelta(days=1)
    ).person

    response, _ = get_home(client, former)

    assert response.context["home"].trainee is None
    assert response.context["home"].is_empty


def test_future_trainee_sees_their_first_session(client, group):
    future = factories.MembershipFactory(group=group, start_date=UPCOMING[1]).person
    SessionFactory(group=group, slot_date=UPCOMING[0])
    later = SessionFactory(group=group, slot_date=UPCOMING[1])

    response, _ = get_home(client, future)

    assert response.context["home"].trainee.next_session == later


def test_a_leaders_sessions_are_not_their_next_session_as_a_trainee(
    client, group, other_group, trainee
):
    factories.LeaderFactory(group=other_group, person=trainee)
    SessionFactory(group=other_group, slot_date=UPCOMING[0])
    own = SessionFactory(group=group, slot_date=UPCOMING[1])

    response, _ = get_home(client, trainee)

    assert response.context["home"].trainee.next_session == own

"""`/leading/` (my own log) and `/schemes/<pk>/leading/` (everyone's, for organisers)."""

import pytest

from groups.models import Membership
from tests import factories
from tests.access import ORGANISERS_ONLY, assert_sign_in_first
from tests.factories.attendance import attend, held_sessions, past_wednesdays

MINE = "/leading/"


pytestmark = pytest.mark.usefixtures("frozen_now")


def scheme_url(scheme):
    return f"/schemes/{scheme.pk}/leading/"


@pytest.fixture
def co_leader(group):
    return factories.MembershipFactory(group=group, role=Membership.Role.CO_LEADER).person


@pytest.fixture
def sessions(group, leader, co_leader, trainee):
    sessions = held_sessions(group, past_wednesdays(3))
    attend(leader, sessions, ["present", "late", "apologies"], role="leader")
    attend(co_leader, sessions, ["absent", "present", "present"], role="co_leader")
    attend(trainee, sessions, ["present"] * 3)
    return sessions


def test_anonymous_is_sent_to_sign_in(client, scheme):
    for page in (MINE, scheme_url(scheme)):
        assert_sign_in_first(client, page)


def test_a_leader_sees_the_sessions_they_led(client, scheme, leader, co_leader, sessions):
    client.force_login(leader)

    response = client.get(MINE)

    [(log_scheme, records)] = response.context["logs"]
    assert log_scheme == scheme
    assert [(r.person, r.session, r.role) for r in records] == [
        (leader, sessions[1], "leader"),  # newest first; late still led it
        (leader, sessions[0], "leader"),
    ]
    content = response.content.decode()
    assert "18 Feb 2026" in content and "11 Feb 2026" in content
    assert co_leader.full_name not in content


def test_a_co_leader_sees_their_own_co_led_sessions(client, co_leader, sessions):
    client.force_login(co_leader)

    [(_, records)] = client.get(MINE).context["logs"]

    assert [(r.session, r.get_role_display()) for r in records] == [
        (sessions[2], "Co-leader"),
        (sessions[1], "Co-leader"),
    ]


def test_a_trainee_has_no_leading_log(client, trainee, sessions):
    client.force_login(trainee)

    response = client.get(MINE)

    assert response.context["logs"] == []
    assert "You do not lead a group." in response.content.decode()


@pytest.mark.parametrize(("role", "status"), ORGANISERS_ONLY)
def test_the_schemes_log_is_for_its_organisers(scheme, status, signed_in):
    assert signed_in.get(scheme_url(scheme)).status_code == status


def test_the_organiser_sees_every_leader_of_the_scheme(
    client, scheme, organiser, leader, co_leader, trainee, sessions
):
    elsewhere = factories.GroupFactory()
    outsider = factories.LeaderFactory(group=elsewhere).person
    attend(outsider, held_sessions(elsewhere, past_wednesdays(1)), ["present"], role="leader")
    client.force_login(organiser)

    response = client.get(scheme_url(scheme))

    [(_, page)] = response.context["logs"]
    assert sorted((r.person.pk, r.session.pk) for r in page) == sorted(
        [
            (leader.pk, sessions[0].pk),
            (leader.pk, sessions[1].pk),
            (co_leader.pk, sessions[1].pk),
            (co_leader.pk, sessions[2].pk),
        ]
    )
    content = response.content.decode()
    assert leader.full_name in content and co_leader.full_name in content
    assert outsider.full_name not in content
    assert f"<td>{trainee.full_name}</td>" not in content

"""`/leading/` (my own log) and `/schemes/<pk>/leading/` (everyone's, for organisers)."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from groups.models import Membership
from tests import factories
from tests.access import ORGANISERS_ONLY, assert_sign_in_first
from tests.factories.attendance import attend, held_sessions, past_wednesdays

MINE = "/leading/"


pytestmark = pytest.mark.usefixtures("frozen_now")


def scheme_url(scheme):
    return f"/schemes/{scheme.pk}/leading/"


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

    [log] = response.context["logs"]
    assert log.scheme == scheme
    assert [(r.person, r.session, r.role) for r in log.records] == [
        (leader, sessions[1], "leader"),  # newest first; late still led it
        (leader, sessions[0], "leader"),
    ]
    content = response.content.decode()
    assert "18 Feb 2026" in content and "11 Feb 2026" in content
    assert co_leader.full_name not in content


def test_a_co_leader_sees_their_own_co_led_sessions(client, co_leader, sessions):
    client.force_login(co_leader)

    [log] = client.get(MINE).context["logs"]

    assert [(r.session, r.get_role_display()) for r in log.records] == [
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

    [log] = response.context["logs"]
    assert sorted((r.person.pk, r.session.pk) for r in log.records) == sorted(
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


# --- Totals ----------------------------------------------------------------------------------


def totals(log):
    return [(t.group, t.led, t.co_led, t.total) for t in [*log.totals, log.overall]]


@pytest.fixture
def second_group(scheme, leader):
    """The leader co-leads a second group of the scheme, and led twice there."""
    group = factories.GroupFactory(scheme=scheme, name="Zeta Group")
    factories.MembershipFactory(group=group, person=leader, role=Membership.Role.CO_LEADER)
    days = past_wednesdays(3)
    attend(leader, held_sessions(group, days), ["present", "late", "absent"], role="co_leader")
    return group


def test_a_leader_sees_totals_led_co_led_and_per_group(
    client, scheme, group, leader, sessions, second_group
):
    group.name = "Alpha Group"
    group.save()
    client.force_login(leader)

    response = client.get(MINE)

    [log] = response.context["logs"]
    assert totals(log) == [
        ("Alpha Group", 2, 0, 2),
        ("Zeta Group", 0, 2, 2),
        ("All groups", 2, 2, 4),
    ]
    assert "<strong>4</strong> sessions in all: 2 led, 2 co-led." in response.content.decode()


def test_the_organiser_sees_every_groups_totals(
    client, scheme, group, organiser, sessions, second_group
):
    client.force_login(organiser)

    [log] = client.get(scheme_url(scheme)).context["logs"]

    # The leader led two, the co-leader co-led two in the first group; the second as above.
    assert totals(log) == [
        (group.name, 2, 2, 4),
        ("Zeta Group", 0, 2, 2),
        ("All groups", 2, 4, 6),
    ]


def test_a_leader_with_nothing_led_yet_sees_the_scheme_and_no_totals(client, scheme, leader):
    client.force_login(leader)

    response = client.get(MINE)

    [log] = response.context["logs"]
    assert (log.scheme, log.records, log.totals) == (scheme, [], [])
    assert "No sessions led yet." in response.content.decode()


@pytest.mark.parametrize("page", ["mine", "scheme"])
def test_a_fixed_number_of_queries(client, scheme, group, leader, organiser, page):
    client.force_login(leader if page == "mine" else organiser)
    address = MINE if page == "mine" else scheme_url(scheme)

    def lead(count, last, prefix):
        other = factories.GroupFactory(scheme=scheme, name=f"{prefix} group")
        factories.LeaderFactory(group=other, person=leader)
        days = past_wednesdays(count, last)
        attend(leader, held_sessions(other, days), ["present"] * count, role="leader")
        # and leads in one more scheme: "mine" lists each scheme
        factories.LeaderFactory(group=factories.GroupFactory(), person=leader)

    lead(1, date(2026, 2, 25), "small")
    with CaptureQueriesContext(connection) as few:
        client.get(address)

    for n in range(4):
        lead(5, date(2026, 2, 18), f"large {n}")
    with CaptureQueriesContext(connection) as many:
        response = client.get(address)
    [log] = [log for log in response.context["logs"] if log.scheme == scheme]
    assert log.overall.total == 21
    assert len(many) == len(few)

"""`/progress/`: a trainee's own progress (an organiser's page about one trainee:
test_view_trainee.py)."""

import re

import pytest

from attendance.models import TraineeFigure
from tests import factories
from tests.access import assert_sign_in_first
from tests.factories.attendance import attend, held_sessions, past_wednesdays
from tests.factories.rosters import ClashFactory
from tests.factories.sessions import NOW, LeaveFactory, SessionFactory, wednesdays

MINE = "/progress/"


pytestmark = pytest.mark.usefixtures("frozen_now")


def trainee_url(scheme, person):
    return f"/schemes/{scheme.pk}/trainees/{person.pk}/"


def count_line(content):
    """The "N of M sessions" headline, tags stripped."""
    match = re.search(r'id="count-\d+">(.*?)</p>', content)
    return re.sub(r"<[^>]+>", "", match.group(1))


@pytest.fixture
def classmate(group):
    return factories.MembershipFactory(group=group).person


@pytest.fixture
def sessions(group, trainee, classmate):
    """Four held sessions: the trainee came to 3, their classmate to 1."""
    sessions = held_sessions(group, past_wednesdays(4))
    attend(trainee, sessions, ["present", "late", "absent", "present"])
    attend(classmate, sessions, ["present", "absent", "absent", "apologies"])
    return sessions


# --- My progress --------------------------------------------------------------------------


def test_anonymous_is_sent_to_sign_in(client, scheme, trainee):
    for page in (MINE, trainee_url(scheme, trainee)):
        assert_sign_in_first(client, page)


def test_a_trainee_sees_their_own_count_and_nobody_elses(client, trainee, classmate, sessions):
    client.force_login(trainee)

    response = client.get(MINE)

    content = response.content.decode()
    assert count_line(content) == "3 of 30 sessions"
    assert [p.person for p in response.context["progress"]] == [trainee]
    assert "Attendance rate: 75%" in content
    assert '<progress class="requirement mb-3" value="3" max="30"' in content
    assert "Latest sessions counted" in content
    assert [r.session for r in response.context["progress"][0].counted_records] == [
        sessions[3],
        sessions[1],
        sessions[0],
    ]
    assert "The latest" not in content
    assert classmate.full_name not in content


def test_a_long_history_lists_the_latest_sessions_and_counts_them_all(client, group, trainee):
    held = held_sessions(group, past_wednesdays(25))
    attend(trainee, held, ["present"] * 25)
    client.force_login(trainee)

    response = client.get(MINE)

    content = response.content.decode()
    assert count_line(content) == "25 of 30 sessions"
    assert "The latest 20 of 25." in content
    listed = [r.session for r in response.context["progress"][0].counted_records]
    assert listed == sorted(held, key=lambda s: s.starts_at, reverse=True)[:20]


def test_the_count_runs_across_the_groups_of_the_scheme_but_not_other_schemes(
    client, scheme, other_group, trainee, sessions
):
    elsewhere = factories.GroupFactory()
    factories.MembershipFactory(group=elsewhere, person=trainee)
    factories.MembershipFactory(group=other_group, person=trainee)
    attend(trainee, held_sessions(other_group, past_wednesdays(2)), ["present", "present"])
    attend(trainee, held_sessions(elsewhere, past_wednesdays(1)), ["present"])
    client.force_login(trainee)

    response = client.get(MINE)

    counts = {p.scheme: p.count for p in response.context["progress"]}
    assert counts == {scheme: 5, elsewhere.scheme: 1}


def test_a_trainee_reads_the_figures_their_organiser_reads(client, scheme, trainee, sessions):
    """The trainee's pages read their row of the figures table, as the overview does, so
    the two agree even before the nightly task re-derives what the clock changed. (The row
    is written here as no service would, to tell the sources apart.)"""
    organiser = factories.OrganiserFactory(scheme=scheme).person
    TraineeFigure.objects.filter(person=trainee, scheme=scheme).update(
        counted=12,
        recorded=16,
        status="at_risk",
        status_rank=TraineeFigure.STATUS_RANK["at_risk"],
        status_reason="Their places end too soon",
    )
    reason = "<strong>At risk:</strong> Their places end too soon. Talk to your scheme organiser."
    client.force_login(trainee)

    mine = client.get(MINE).content.decode()
    home = client.get("/").content.decode()

    assert count_line(mine) == "12 of 30 sessions"
    assert "Attendance rate: 75%" in mine
    assert reason in mine
    assert "<strong>12</strong> of 30 sessions" in home
    assert reason in home
    client.force_login(organiser)
    overview = client.get(f"/schemes/{scheme.pk}/overview/").content.decode()
    assert "Their places end too soon" in overview


def test_someone_who_only_leads_has_no_requirement(client, leader, sessions):
    attend(leader, sessions, ["present"] * 4, role="leader")
    client.force_login(leader)

    response = client.get(MINE)

    assert response.context["progress"] == []
    assert "not a trainee member of any group" in response.content.decode()


def test_a_projected_date_from_the_sessions_scheduled(client, scheme, group, sessions):
    scheme.requirement.sessions_required = 5
    scheme.requirement.save()
    person = factories.MembershipFactory(group=group).person
    attend(person, sessions, ["present", "present", "late", "absent"])
    for day in wednesdays(3):
        SessionFactory(group=group, slot_date=day)
    client.force_login(person)

    content = client.get(MINE).content.decode()

    assert count_line(content) == "3 of 5 sessions"
    assert "you reach 5 on <strong>11 March 2026</strong>" in content
    assert "At risk" not in content


def test_the_projected_date_leaves_out_days_on_leave_or_on_call_and_names_them(
    client, scheme, group, sessions
):
    scheme.requirement.sessions_required = 5
    scheme.requirement.save()
    person = factories.MembershipFactory(group=group).person
    attend(person, sessions, ["present", "present", "late", "absent"])
    first, second, third, _ = (SessionFactory(group=group, slot_date=d) for d in wednesdays(4))
    LeaveFactory(person=person, start_date=first.slot_date)
    ClashFactory(session=second, person=person)
    # Neither someone else's leave nor a clash that no longer holds takes a date away.
    LeaveFactory(start_date=third.slot_date)
    ClashFactory(session=third, person=person, resolved_at=NOW)
    client.force_login(person)

    content = client.get(MINE).content.decode()

    # 3 of 5: the next two sessions they can attend are 18 and 25 March, not 4 and 11.
    assert "you reach 5 on <strong>25 March 2026</strong>" in content
    assert "Left out as you cannot attend: 4 March (leave), 11 March (on call)." in content


def test_a_clear_warning_when_the_membership_ends_too_soon(client, scheme, group, sessions):
    scheme.requirement.sessions_required = 5
    scheme.requirement.save()
    future = wednesdays(3)
    person = factories.MembershipFactory(group=group, end_date=future[0]).person
    attend(person, sessions, ["present", "present", "absent", "absent"])
    for day in future:
        SessionFactory(group=group, slot_date=day)
    client.force_login(person)

    content = client.get(MINE).content.decode()

    assert '<div class="alert alert-danger mb-0" role="alert"><strong>At risk:</strong>' in content
    assert (
        "Needs 3 more; at most 1 possible before the membership ends on 4 March 2026."
        " Talk to your scheme organiser." in content
    )


def test_a_trainee_yet_to_start_is_told_when(client, scheme, group):
    person = factories.MembershipFactory(group=group).person
    SessionFactory(group=group, slot_date=wednesdays(2)[1])
    client.force_login(person)

    content = client.get(MINE).content.decode()

    assert "Not started yet: First session on 11 March 2026." in content
    assert "At risk" not in content


def test_the_requirement_met(client, scheme, trainee, sessions):
    scheme.requirement.sessions_required = 3
    scheme.requirement.save()
    client.force_login(trainee)

    content = client.get(MINE).content.decode()

    assert count_line(content) == "3 of 3 sessions"
    assert "Requirement met." in content


def test_a_trainee_reads_what_happens_at_the_requirement(client, trainee, sessions):
    client.force_login(trainee)

    content = client.get(MINE).content.decode()

    assert "At 30, your scheme organiser issues your completion certificate" in content

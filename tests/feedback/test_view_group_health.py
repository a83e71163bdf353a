"""`/groups/<pk>/health/`: attendance, feedback and presenter trends as SVG charts."""

import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from feedback.selectors import HEALTH_SESSIONS
from tests import factories
from tests.access import GROUP_LEADERS_AND_ORGANISERS, assert_sign_in_first
from tests.factories.attendance import (
    attend,
    bulk_records,
    bulk_trainees,
    held_sessions,
    past_wednesdays,
)
from tests.factories.feedback import SessionFeedbackFactory, answers
from tests.factories.sessions import SessionFactory

pytestmark = pytest.mark.usefixtures("frozen_now")


def url(group):
    return f"/groups/{group.pk}/health/"


def values(chart):
    return [(bar.label, bar.value) for bar in chart.bars]


def test_anonymous_is_sent_to_sign_in(client, group):
    assert_sign_in_first(client, url(group))


@pytest.mark.parametrize(("role", "status"), GROUP_LEADERS_AND_ORGANISERS)
def test_access_by_role(group, status, signed_in):
    assert signed_in.get(url(group)).status_code == status


def test_attendance_is_counted_against_the_members_of_the_day(client, group, leader):
    first, second = held_sessions(group, past_wednesdays(2))
    people = [factories.MembershipFactory(group=group).person for _ in range(4)]
    for person, statuses in zip(
        people,
        [("present", "present"), ("late", "absent"), ("absent", "apologies"), ("present", "late")],
        strict=True,
    ):
        attend(person, [first, second], list(statuses))
    # Two more members, never marked: the share is of everyone, not of those marked.
    for _ in range(2):
        factories.MembershipFactory(group=group)
    factories.MembershipFactory(group=group, start_date=date(2026, 2, 20))  # joined between
    attend(leader, [first, second], ["present", "present"], role="leader")  # not a member
    SessionFactory(group=group)  # upcoming: no bar
    group.min_members = 3
    group.save()
    client.force_login(leader)

    health = client.get(url(group)).context["health"]

    assert values(health.attendance) == [("18 Feb 2026", 3), ("25 Feb 2026", 2)]
    assert [bar.text for bar in health.attendance.bars] == [
        "3 of 6 members attended (50%)",
        "2 of 7 members attended (29%), below the group's minimum of 3",
    ]
    assert (health.attendance.max_value, health.attendance.ticks) == (
        7,
        [(0, "0"), (3, "min 3"), (7, "7")],
    )


def test_sessions_below_the_minimum_are_flagged(client, group, leader):
    group.min_members = 6
    group.save()
    trainees = [factories.MembershipFactory(group=group).person for _ in range(8)]
    small, fine, _no_register = held_sessions(group, past_wednesdays(3))
    for person in trainees[:3]:
        attend(person, [small], ["present"])
    for person in trainees[:6]:
        attend(person, [fine], ["present"])
    client.force_login(leader)

    response = client.get(url(group))

    assert response.context["health"].below_minimum == [small]
    content = response.content.decode()
    assert "1 of the latest 3 sessions had fewer than 6 members present" in content
    assert "11 Feb (3)" in content
    rows = re.findall(r"<tr>\s*<td class=\"text-nowrap\">(.*?)</tr>", content, re.S)
    assert [("Below the minimum of 6" in row, "members attended" in row) for row in rows] == [
        (False, False),  # 25 Feb: no register of members
        (False, True),  # 18 Feb: 6 of 8
        (True, True),  # 11 Feb: 3 of 8
    ]
    assert "3 of 8 members attended (38%)" in rows[2]
    assert "No register of members" in rows[0]


def test_no_warning_when_every_session_reaches_the_minimum(client, group, leader):
    [session] = held_sessions(group, past_wednesdays(1))
    group.min_members = 1
    group.save()
    attend(factories.MembershipFactory(group=group).person, [session], ["present"])
    client.force_login(leader)

    content = client.get(url(group)).content.decode()

    assert "had fewer than" not in content
    assert "Below the minimum" not in content


def test_feedback_trend_only_for_sessions_with_three_answers(
    client, group, leader, feedback_closed
):
    few, enough = held_sessions(group, past_wednesdays(2))
    answers(few, [(5, 5, 5), (5, 5, 5)])
    answers(enough, [(5, 4, 3), (4, 4, 4), (3, 4, 5)])
    client.force_login(leader)

    response = client.get(url(group))

    health = response.context["health"]
    assert values(health.feedback) == [("18 Feb 2026", None), ("25 Feb 2026", 4.0)]
    assert health.feedback.bars[0].text == "fewer than 3 answers"


def test_presenters_per_quarter_counts_different_people(client, group, leader):
    ann, bob = (factories.MembershipFactory(group=group).person for _ in range(2))
    held_sessions(group, [date(2025, 12, 3), date(2025, 12, 10)], presenter=ann)
    jan = held_sessions(group, [date(2026, 1, 7), date(2026, 1, 14)])
    jan[0].presenter, jan[1].presenter = ann, bob
    jan[0].save()
    jan[1].save()
    client.force_login(leader)

    presenters = values(client.get(url(group)).context["health"].presenters)

    assert presenters[-2:] == [("Q4 2025", 1), ("Q1 2026", 2)]
    assert len(presenters) == 8
    assert presenters[0] == ("Q2 2024", 0)


def test_charts_are_labelled_svg_with_a_table_for_screen_readers(client, group, leader):
    [session] = held_sessions(group, past_wednesdays(1))
    attend(factories.MembershipFactory(group=group).person, [session], ["present"])
    client.force_login(leader)

    content = client.get(url(group)).content.decode()

    assert content.count('role="img"') == 3
    for chart in ("attendance-chart", "feedback-chart", "presenters-chart"):
        assert f'aria-labelledby="{chart}-title {chart}-desc"' in content
        assert f'<title id="{chart}-title">' in content
    assert content.count('<table class="visually-hidden">') == 3
    assert (
        '<th scope="row">25 Feb 2026</th>'
        "<td>1 of 1 members attended (100%), below the group&#x27;s minimum of 6</td>"
    ) in content
    assert not re.search(r"\sstyle=", content)


def test_each_session_links_to_its_feedback_summary(client, group, leader):
    [session] = held_sessions(group, past_wednesdays(1))
    SessionFeedbackFactory(session=session)
    client.force_login(leader)
    content = client.get(url(group)).content.decode()
    assert f'href="/sessions/{session.pk}/feedback/summary/">Feedback summary' in content


def test_only_the_latest_sessions_are_charted(client, group, leader):
    held_sessions(group, past_wednesdays(HEALTH_SESSIONS + 4))
    client.force_login(leader)
    health = client.get(url(group)).context["health"]
    assert len(health.attendance.bars) == HEALTH_SESSIONS
    assert health.attendance.bars[-1].label == "25 Feb 2026"


def test_a_fixed_number_of_queries(client, group, leader):
    def add(count, last, people, prefix):
        trainees = bulk_trainees(group, people, prefix=prefix)
        for session in held_sessions(group, past_wednesdays(count, last)):
            bulk_records(session, trainees)
            for person in trainees[:3]:
                SessionFeedbackFactory(session=session, person=person)

    add(2, date(2026, 2, 25), 3, "small")
    client.force_login(leader)
    with CaptureQueriesContext(connection) as few:
        client.get(url(group))

    add(18, date(2026, 2, 11), 12, "large")
    with CaptureQueriesContext(connection) as many:
        response = client.get(url(group))
    assert len(response.context["health"].sessions) == 20
    assert len(many) == len(few)

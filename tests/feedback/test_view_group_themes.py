"""`/groups/<pk>/themes/`: a group's held sessions with presenter and themes, repeats flagged."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories
from tests.access import GROUP_LEADERS_AND_ORGANISERS, assert_sign_in_first
from tests.factories.attendance import held_sessions, past_wednesdays
from tests.factories.feedback import ThemeFactory, tag
from tests.factories.sessions import SessionFactory

pytestmark = pytest.mark.usefixtures("frozen_now")


def url(group):
    return f"/groups/{group.pk}/themes/"


def test_anonymous_is_sent_to_sign_in(client, group):
    assert_sign_in_first(client, url(group))


@pytest.mark.parametrize(("role", "status"), GROUP_LEADERS_AND_ORGANISERS)
def test_access_by_role(group, status, signed_in):
    assert signed_in.get(url(group)).status_code == status


def test_the_group_sessions_page_links_here_and_to_group_health(client, group, leader):
    client.force_login(leader)
    content = client.get(f"/groups/{group.pk}/sessions/").content.decode()
    assert f'href="{url(group)}">Themes</a>' in content
    assert f'href="/groups/{group.pk}/health/">Group health</a>' in content


def test_held_sessions_newest_first_with_presenter_and_themes(client, group, leader, scheme):
    presenter = factories.MembershipFactory(group=group).person
    first, second = held_sessions(group, past_wednesdays(2), presenter=presenter)
    SessionFactory(group=group)  # upcoming: not listed
    on_call = ThemeFactory(scheme=scheme, name="on-call")
    tag(first, on_call)
    client.force_login(leader)

    response = client.get(url(group))

    rows = response.context["rows"]
    assert [row.session for row in rows] == [second, first]
    assert [[m.theme.name for m in row.marks] for row in rows] == [[], ["on-call"]]
    content = response.content.decode()
    assert presenter.full_name in content
    assert f'href="/sessions/{first.pk}/themes/">Tag themes' in content


def test_a_theme_back_within_four_weeks_and_a_presenter_repeat_are_flagged(
    client, group, leader, scheme
):
    ann, bob = (factories.MembershipFactory(group=group).person for _ in range(2))
    days = past_wednesdays(8)
    sessions = held_sessions(group, days)
    for session, presenter in zip(sessions, [ann, bob] * 4, strict=True):
        session.presenter = presenter
        session.save()
    on_call, attender = (ThemeFactory(scheme=scheme, name=n) for n in ("on-call", "attender"))
    tag(sessions[0], attender)
    tag(sessions[1], on_call)
    tag(sessions[3], on_call)  # two weeks after: recurs
    tag(sessions[6], attender)  # ann again, six weeks on: presenter repeat only
    client.force_login(leader)

    response = client.get(url(group))

    flagged = {
        (row.session.slot_date, mark.theme.name, bool(mark.recurs), bool(mark.presented_before))
        for row in response.context["rows"]
        for mark in row.marks
        if mark.is_flagged
    }
    assert flagged == {(days[3], "on-call", True, True), (days[6], "attender", False, True)}
    # bob presented on-call on both sessions 1 and 3: recurs and presenter repeat.
    content = response.content.decode()
    assert "Flagged: recurs, also on 14 Jan (14 days before)" in content
    assert f"Flagged: {ann.full_name} presented this before, on 7 Jan 2026" in content
    assert content.count('class="table-warning"') == 2


def test_another_groups_themes_are_not_listed(client, group, other_group, leader, scheme):
    [theirs] = held_sessions(other_group, past_wednesdays(1))
    tag(theirs, ThemeFactory(scheme=scheme, name="theirs"))
    client.force_login(leader)

    response = client.get(url(group))
    assert response.context["rows"] == []
    assert "theirs" not in response.content.decode()


def test_a_fixed_number_of_queries(client, group, leader, scheme):
    themes = [ThemeFactory(scheme=scheme) for _ in range(6)]

    def add(count, last):
        for i, session in enumerate(held_sessions(group, past_wednesdays(count, last))):
            session.presenter = factories.MembershipFactory(group=group).person
            session.save()
            tag(session, themes[i % 6], themes[(i + 1) % 6])

    add(2, past_wednesdays(1)[0])
    client.force_login(leader)
    with CaptureQueriesContext(connection) as few:
        client.get(url(group))

    add(20, past_wednesdays(3)[0])
    with CaptureQueriesContext(connection) as many:
        response = client.get(url(group))
    assert len(response.context["rows"]) == 22
    assert len(many) == len(few)

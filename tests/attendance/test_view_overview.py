"""`/schemes/<pk>/overview/`: every trainee of a scheme against the requirement."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from attendance.views import PAGE_SIZE
from groups.models import BalintGroup, Membership
from tests import factories
from tests.access import ORGANISERS_ONLY, assert_sign_in_first
from tests.factories.attendance import (
    attend,
    bulk_records,
    bulk_trainees,
    held_sessions,
    past_wednesdays,
)
from tests.factories.sessions import SessionFactory, wednesdays

pytestmark = pytest.mark.usefixtures("frozen_now")


def url(scheme, query=""):
    return f"/schemes/{scheme.pk}/overview/{query}"


def rows(response):
    """Trainee pk -> (counted, status) for the page's rows."""
    return {p.pk: (p.counted, p.status) for p in response.context["page"]}


@pytest.fixture
def sessions(group):
    return held_sessions(group, past_wednesdays(4))


def test_anonymous_is_sent_to_sign_in(client, scheme):
    assert_sign_in_first(client, url(scheme))


@pytest.mark.parametrize(("role", "status"), ORGANISERS_ONLY)
def test_the_overview_is_for_the_schemes_organisers(scheme, status, signed_in):
    assert signed_in.get(url(scheme)).status_code == status


def test_every_trainee_with_count_rate_last_attended_and_status(
    client, scheme, group, organiser, leader, trainee, sessions
):
    scheme.requirement.sessions_required = 3
    scheme.requirement.save()
    attend(trainee, sessions, ["present", "late", "absent", "present"])
    attend(leader, sessions, ["present"] * 4, role="leader")
    newcomer = factories.MembershipFactory(group=group).person
    client.force_login(organiser)

    response = client.get(url(scheme))

    assert rows(response) == {trainee.pk: (3, "complete"), newcomer.pk: (0, "on_track")}
    content = response.content.decode()
    row = content[content.index(f"/trainees/{trainee.pk}/") :].split("</tr>")[0]
    assert "<td>3</td><td>3</td>" in row
    assert "75%" in row
    assert "25 Feb 2026" in row
    assert "Complete" in row
    assert leader.full_name not in content


def test_filters_by_group_track_and_status(client, scheme, group, other_group, organiser, sessions):
    group.name, other_group.name = "Cork North", "Kerry"
    BalintGroup.objects.bulk_update([group, other_group], ["name"])
    here = factories.MembershipFactory(group=group).person
    there = factories.MembershipFactory(
        group=other_group, track=Membership.Track.GENERAL_PRACTICE
    ).person
    attend(here, sessions, ["absent"] * 4)
    client.force_login(organiser)

    def who(query):
        return set(rows(client.get(url(scheme, query))))

    assert who("") == {here.pk, there.pk}
    assert who("?group=kerry") == {there.pk}
    assert who("?group=+north+") == {here.pk}  # any part of the name, in any case
    assert who("?group=Dublin") == set()
    assert who("?track=general_practice") == {there.pk}
    assert who("?status=at_risk") == {here.pk}
    assert who("?status=not_started") == {there.pk}  # Kerry has held no session
    assert who("?status=on_track") == set()


def test_counts_by_status_each_a_link_to_those_trainees(
    client, scheme, group, other_group, organiser, trainee, sessions
):
    scheme.requirement.sessions_required = 4
    scheme.requirement.save()
    attend(trainee, sessions, ["present"] * 4)
    for statuses in (["absent"] * 4, ["present"] * 3 + ["absent"], ["absent"] * 3 + ["late"]):
        attend(factories.MembershipFactory(group=group).person, sessions, statuses)
    factories.MembershipFactory(group=other_group)
    client.force_login(organiser)

    response = client.get(url(scheme, "?status=at_risk"))

    content = response.content.decode()
    summary = content[content.index('id="status-summary"') :].split("</nav>")[0]
    links = re.findall(r'href="([^"]+)"[^>]*>([^<]+)<strong>(\d+)</strong>', summary)
    base = url(scheme)
    assert links == [
        (f"{base}?status=on_track", "On track ", "1"),
        (f"{base}?status=at_risk", "At risk ", "2"),
        (f"{base}?status=complete", "Complete ", "1"),
        (f"{base}?status=not_started", "Not started ", "1"),
    ]
    assert f'href="{base}?status=at_risk" aria-current="page"' in summary
    assert len(rows(response)) == 2


def test_the_reason_shows_for_trainees_at_risk_and_not_started(
    client, scheme, group, other_group, organiser, trainee, sessions
):
    attend(trainee, sessions, ["present", "absent", "absent", "absent"])
    newcomer = factories.MembershipFactory(group=other_group).person
    SessionFactory(group=other_group, slot_date=wednesdays(2)[1])
    steady = factories.MembershipFactory(group=group).person
    attend(steady, sessions, ["present"] * 4)
    client.force_login(organiser)

    content = client.get(url(scheme)).content.decode()

    def status_cell(person):
        row = content[content.index(f"/trainees/{person.pk}/") :].split("</tr>")[0]
        return " ".join(re.sub(r"<[^>]+>", " ", row.split("<td>")[-1]).split())

    assert status_cell(trainee) == "At risk Attended 1 of 4 recorded sessions (25%)"
    assert status_cell(newcomer) == "Not started First session on 11 March 2026"
    assert status_cell(steady) == "On track"


def test_a_group_of_another_scheme_matches_no_one(client, scheme, group, organiser):
    factories.MembershipFactory(group=group)
    elsewhere = factories.GroupFactory(name="Galway elsewhere")
    factories.MembershipFactory(group=elsewhere)
    client.force_login(organiser)

    response = client.get(url(scheme, "?group=Galway"))

    assert response.status_code == 200
    assert rows(response) == {}


def test_the_group_filter_is_a_search_box_not_a_select(client, scheme, organiser):
    """500 groups in a national scheme: no select of every one of them."""
    factories.GroupFactory.create_batch(3, scheme=scheme)
    client.force_login(organiser)

    content = client.get(url(scheme)).content.decode()

    assert '<input type="search" name="group"' in content
    assert '<select name="group"' not in content
    assert "All or part of a group&#x27;s name." in content


def test_sorted_by_count(client, scheme, group, organiser, sessions):
    people = [factories.MembershipFactory(group=group).person for _ in range(3)]
    for person, n in zip(people, [1, 3, 2], strict=True):
        attend(person, sessions[:n], ["present"] * n)
    client.force_login(organiser)

    response = client.get(url(scheme, "?sort=count"))

    assert [p.counted for p in response.context["page"]] == [3, 2, 1]


def test_paginated(client, scheme, group, organiser):
    bulk_trainees(group, PAGE_SIZE + 1)
    client.force_login(organiser)

    first = client.get(url(scheme))
    second = client.get(url(scheme, "?sort=name&page=2"))

    assert len(first.context["page"]) == PAGE_SIZE
    assert len(second.context["page"]) == 1
    assert "?sort=name&amp;page=1" in second.content.decode()


def test_a_fixed_number_of_queries_with_10_and_with_1000_trainees(
    client, scheme, group, other_group, organiser, django_assert_num_queries
):
    held = held_sessions(group, past_wednesdays(3))
    client.force_login(organiser)

    def add(count, prefix):
        people = bulk_trainees(group, count, prefix=prefix)
        for session in held:
            bulk_records(session, people[: count // 2])
        bulk_records(held[0], people[count // 2 :], status="absent")

    add(10, "small")
    with CaptureQueriesContext(connection) as few:
        response = client.get(url(scheme, "?sort=status"))
    assert response.context["page"].paginator.count == 10

    add(990, "large")
    with django_assert_num_queries(len(few)):
        response = client.get(url(scheme, "?sort=status&page=3"))
    assert response.context["page"].paginator.count == 1000

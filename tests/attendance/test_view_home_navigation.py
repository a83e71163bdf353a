"""The main navigation shows each person the items of the roles they hold (templates/_nav.html,
groups.context_processors), read once per request with the home page."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from groups.selectors import roles_of
from tests import factories

TRAINEE_ITEMS = {"My rota": "/rota/", "Progress": "/progress/", "Leave": "/leave/"}
TRAINEE_ITEMS["Feedback"] = "/feedback/"
LEADING_LOG = {"Leading log": "/leading/"}


def nav_items(client, path: str = "/") -> dict[str, str]:
    """The main navigation's links before the account links: accessible name -> href."""
    content = client.get(path).content.decode()
    nav = re.search(r'<ul class="navbar-nav me-auto">(.*?)\n</ul>', content, re.S).group(1)
    links = re.findall(r'<a class="(?:nav-link|dropdown-item)[^"]*"[^>]*>.*?</a>', nav)
    return {name(link): re.search(r'href="([^"]+)"', link).group(1) for link in links}


def name(link: str) -> str:
    label = re.search(r'aria-label="([^"]+)"', link)
    return label.group(1) if label else re.sub(r"<[^>]+>", "", link)


def sessions_of(group) -> dict[str, str]:
    return {f"Sessions: {group.name}": f"/groups/{group.pk}/sessions/"}


def scheme_link(scheme) -> dict[str, str]:
    return {scheme.name: f"/schemes/{scheme.pk}/"}


@pytest.fixture
def expected(request, scheme, group):
    """Each role's items, beside Home."""
    return {
        "trainee": TRAINEE_ITEMS,
        "leader": sessions_of(group) | LEADING_LOG,
        "organiser": scheme_link(scheme),
        "stranger": {},
    }


@pytest.mark.parametrize("role", ["trainee", "leader", "organiser", "stranger"])
def test_each_role_sees_its_items_and_no_others(client, request, expected, role):
    client.force_login(request.getfixturevalue(role))
    assert nav_items(client) == {"Home": "/"} | expected[role]


@pytest.mark.parametrize("role", ["trainee", "leader", "organiser"])
def test_every_item_shown_opens(client, request, expected, role):
    client.force_login(request.getfixturevalue(role))
    for href in expected[role].values():
        assert client.get(href).status_code == 200, href


@pytest.mark.parametrize(
    ("role", "other", "status"),
    [("trainee", "leader", 403), ("trainee", "organiser", 404), ("leader", "organiser", 404)],
)
def test_items_not_shown_are_refused(client, request, expected, role, other, status):
    """What the navigation leaves out the pages refuse: no hidden door is left open.
    (Leading log is anyone's own, empty without leading; organisers may open any
    group's sessions.)"""
    client.force_login(request.getfixturevalue(role))
    for label, href in expected[other].items():
        if label not in LEADING_LOG:
            assert client.get(href).status_code == status, href


def test_someone_holding_every_role_sees_every_item(client, scheme, group, other_group):
    person = factories.OrganiserFactory(scheme=scheme).person
    factories.LeaderFactory(group=group, person=person)
    factories.MembershipFactory(group=other_group, person=person)
    client.force_login(person)

    assert nav_items(client) == (
        {"Home": "/"} | TRAINEE_ITEMS | sessions_of(group) | LEADING_LOG | scheme_link(scheme)
    )


def test_a_leader_of_several_groups_finds_them_under_my_groups(client, scheme, group, leader):
    second = factories.GroupFactory(scheme=scheme, name="Another group")
    factories.LeaderFactory(group=second, person=leader, role="co_leader")
    client.force_login(leader)

    content = client.get("/").content.decode()

    assert 'data-bs-toggle="dropdown" aria-expanded="false">My groups</button>' in content
    assert (
        nav_items(client)
        == {
            "Home": "/",
            f"{second.name}: sessions": f"/groups/{second.pk}/sessions/",
            f"{group.name}: sessions": f"/groups/{group.pk}/sessions/",
        }
        | LEADING_LOG
    )


def test_the_current_groups_sessions_are_marked_as_the_page(client, group, leader):
    client.force_login(leader)
    content = client.get(f"/groups/{group.pk}/sessions/").content.decode()
    assert (
        f'<a class="nav-link active" aria-current="page" href="/groups/{group.pk}/sessions/"'
        in content
    )


def test_a_future_trainee_already_sees_the_trainee_items(client, group):
    future = factories.MembershipFactory(
        group=group, start_date=timezone.localdate() + timedelta(days=10)
    ).person
    client.force_login(future)
    assert nav_items(client) == {"Home": "/"} | TRAINEE_ITEMS


def test_a_former_leader_gets_no_items(client, group):
    yesterday = timezone.localdate() - timedelta(days=1)
    person = factories.LeaderFactory(group=group, end_date=yesterday).person
    client.force_login(person)
    assert nav_items(client) == {"Home": "/"}


def test_a_former_trainee_keeps_their_own_history(client, group):
    """Membership-bounded: no rota or leave, but their progress and feedback stay."""
    yesterday = timezone.localdate() - timedelta(days=1)
    person = factories.MembershipFactory(group=group, end_date=yesterday).person
    factories.LeaderFactory(
        group=factories.GroupFactory(scheme=group.scheme), person=person, end_date=yesterday
    )
    client.force_login(person)

    assert nav_items(client) == {"Home": "/", "Progress": "/progress/", "Feedback": "/feedback/"}
    home = client.get("/").content.decode()
    assert f"Your membership of {group.name} ended on {yesterday:%-d %B %Y}" in home
    assert "You do not belong to any Balint group yet" not in home


def test_a_future_leader_gets_no_leader_items_yet(client, group):
    future = factories.LeaderFactory(
        group=group, start_date=timezone.localdate() + timedelta(days=10)
    ).person
    client.force_login(future)
    assert nav_items(client) == {"Home": "/"}


def test_the_roles_are_read_once_per_request_in_one_query(client, scheme, group, other_group):
    person = factories.OrganiserFactory(scheme=scheme).person
    factories.LeaderFactory(group=group, person=person)
    factories.MembershipFactory(group=other_group, person=person)
    client.force_login(person)

    with CaptureQueriesContext(connection) as queries:
        client.get("/")  # the navigation and the page both need them

    reads = [q["sql"] for q in queries if "'organiser' AS \"kind\"" in q["sql"]]
    assert len(reads) == 1
    assert not any(
        'FROM "groups_schemeorganiser"' in q["sql"] for q in queries if q["sql"] not in reads
    )


def test_a_page_without_navigation_reads_no_roles(client, trainee, django_assert_num_queries):
    client.force_login(trainee)
    with CaptureQueriesContext(connection) as queries:
        client.get("/healthz")
    assert not any("groups_membership" in q["sql"] for q in queries)


def test_roles_of_sorts_each_role_by_name(scheme, group):
    person = factories.OrganiserFactory(scheme=scheme).person
    factories.OrganiserFactory(scheme=factories.SchemeFactory(name="AAA scheme"), person=person)
    led = factories.GroupFactory(scheme=scheme, name="B led")
    factories.LeaderFactory(group=led, person=person)
    factories.LeaderFactory(group=factories.GroupFactory(name="A led"), person=person)
    factories.MembershipFactory(group=group, person=person)

    roles = roles_of(person)

    assert [s.name for s in roles.organised] == ["AAA scheme", scheme.name]
    assert [g.name for g in roles.led_groups] == ["A led", "B led"]
    assert [g.pk for g in roles.member_groups] == [group.pk]

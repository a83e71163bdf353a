"""`/schemes/<pk>/people/`: everyone in the scheme, found by name, email or registration
number, a keyset page at a time (5,000 people in a national scheme)."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from groups.models import PersonErasure
from groups.views import PAGE_SIZE
from tests import factories
from tests.access import ORGANISERS_ONLY, assert_sign_in_first

# Session, user, scheme, the page (+ the cursor's row after the first), their current
# memberships, navigation.
PEOPLE_QUERIES = 7


def url(scheme, query=""):
    return f"/schemes/{scheme.pk}/people/{query}"


def names(response) -> list[str]:
    return [person.full_name for person in response.context["people"]]


def test_anonymous_is_sent_to_sign_in(client, scheme):
    assert_sign_in_first(client, url(scheme))


@pytest.mark.parametrize(("role", "status"), ORGANISERS_ONLY)
def test_access_by_role(client, request, scheme, role, status):
    client.force_login(request.getfixturevalue(role))
    assert client.get(url(scheme)).status_code == status


def test_everyone_of_the_scheme_and_no_one_else(client, scheme, group, organiser, leader, trainee):
    today = timezone.localdate()
    former = factories.MembershipFactory(
        group=group, start_date=today - timedelta(days=90), end_date=today - timedelta(days=1)
    ).person
    outsider = factories.MembershipFactory().person
    client.force_login(organiser)

    response = client.get(url(scheme))

    assert set(response.context["people"]) == {organiser, leader, trainee, former}
    content = response.content.decode()
    assert trainee.email in content
    assert outsider.email not in content
    (row,) = [p for p in response.context["people"] if p == former]
    assert row.scheme_memberships == []  # only current groups are shown
    (row,) = [p for p in response.context["people"] if p == trainee]
    assert [m.group for m in row.scheme_memberships] == [group]
    assert f'href="/schemes/{scheme.pk}/people/{trainee.pk}/erase/"' in content
    assert f'href="/schemes/{scheme.pk}/people/{organiser.pk}/erase/"' not in content  # not oneself


def test_an_erased_record_says_so(client, scheme, group, organiser):
    person = factories.MembershipFactory(group=group).person
    PersonErasure.objects.create(
        person=person, reason=PersonErasure.Reason.RETENTION, erased_at=timezone.now()
    )
    client.force_login(organiser)

    content = client.get(url(scheme)).content.decode()

    assert "Record erased on" in content
    assert f"/people/{person.pk}/erase/" not in content


def test_found_by_name_email_or_registration_number(client, scheme, group, organiser):
    aoife = factories.MembershipFactory(
        group=group, person__full_name="Aoife Byrne", person__email="aoife@hse.ie"
    ).person
    conor = factories.MembershipFactory(
        group=group, person__full_name="Conor Byrne", person__registration_number="IMC-4711"
    ).person
    client.force_login(organiser)

    def found(q):
        return set(client.get(url(scheme), {"q": q}).context["people"])

    assert found("byrne") == {aoife, conor}
    assert found("HSE.IE") == {aoife}
    assert found("imc-4711") == {conor}
    assert found("byrne aoife") == {aoife}  # every word
    assert found("Dublin") == set()
    response = client.get(url(scheme), {"q": "Dublin"})
    assert "No one matches “Dublin”." in response.content.decode()
    assert response.context["q"] == "Dublin"


def test_pages_follow_on_by_name_and_come_back(client, scheme, group, organiser):
    for n in range(PAGE_SIZE + 5):
        factories.MembershipFactory(group=group, person__full_name=f"Person {n:03}")
    organiser.full_name = "Zoe Organiser"
    organiser.save(update_fields=["full_name"])
    client.force_login(organiser)

    first = client.get(url(scheme))
    assert names(first) == [f"Person {n:03}" for n in range(PAGE_SIZE)]
    last_shown = first.context["people"].items[-1]
    assert f'href="?after={last_shown.pk}"' in first.content.decode()
    assert "before=" not in first.content.decode()

    second = client.get(url(scheme), {"after": last_shown.pk})
    assert names(second) == [f"Person {n:03}" for n in range(PAGE_SIZE, PAGE_SIZE + 5)] + [
        "Zoe Organiser"
    ]
    assert "after=" not in second.content.decode()
    first_shown = second.context["people"].items[0]

    back = client.get(url(scheme), {"before": first_shown.pk})
    assert names(back) == names(first)
    assert "before=" not in back.content.decode()


def test_the_search_stays_in_the_page_links(client, scheme, group, organiser):
    for n in range(PAGE_SIZE + 1):
        factories.MembershipFactory(group=group, person__full_name=f"Byrne {n:03}")
    client.force_login(organiser)

    first = client.get(url(scheme), {"q": "byrne"})
    after = first.context["people"].items[-1].pk

    assert f'href="?q=byrne&amp;after={after}"' in first.content.decode()
    assert names(client.get(url(scheme), {"q": "byrne", "after": after})) == ["Byrne 050"]


@pytest.mark.parametrize("cursor", ["999999", "abc", "-1", "1e3", ""])
def test_a_cursor_that_is_no_one_here_gives_the_first_page(
    client, scheme, group, organiser, cursor
):
    factories.MembershipFactory(group=group, person__full_name="Aaron First")
    client.force_login(organiser)

    for key in ("after", "before"):
        response = client.get(url(scheme), {key: cursor})
        assert response.status_code == 200
        assert names(response)[0] == "Aaron First"


def test_a_cursor_from_another_scheme_gives_the_first_page(client, scheme, group, organiser):
    factories.MembershipFactory(group=group, person__full_name="Aaron First")
    elsewhere = factories.MembershipFactory(person__full_name="Zed Elsewhere").person
    client.force_login(organiser)

    response = client.get(url(scheme), {"after": elsewhere.pk})

    assert names(response)[0] == "Aaron First"
    assert "Zed Elsewhere" not in response.content.decode()


def _populate(scheme, size: int) -> None:
    for group in factories.GroupFactory.create_batch(size, scheme=scheme):
        factories.LeaderFactory(group=group)
        factories.MembershipFactory.create_batch(2, group=group)


@pytest.mark.parametrize("size", [3, 30])
def test_a_page_runs_a_fixed_number_of_queries_with_no_offset(
    client, scheme, organiser, django_assert_max_num_queries, size
):
    _populate(scheme, size)
    client.force_login(organiser)
    first = client.get(url(scheme))
    after = first.context["people"].items[-1].pk if size == 30 else organiser.pk

    with django_assert_max_num_queries(PEOPLE_QUERIES) as queries:
        response = client.get(url(scheme), {"after": after})

    assert response.status_code == 200
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert not re.search(r"\bOFFSET\b", sql)  # keyset, not an offset that grows
    assert "COUNT(" not in sql  # no count of all 5,000


def test_people_with_the_same_name_are_neither_lost_nor_repeated(
    client, scheme, group, organiser, monkeypatch
):
    """The keyset is (name, pk): a page boundary between two "Mary Walsh"es loses no one."""
    monkeypatch.setattr("groups.views.PAGE_SIZE", 2)
    same = [factories.MembershipFactory(group=group, person__full_name="Mary Walsh").person]
    same += [factories.MembershipFactory(group=group, person__full_name="Mary Walsh").person]
    same += [factories.MembershipFactory(group=group, person__full_name="Mary Walsh").person]
    client.force_login(organiser)

    seen, after = [], None
    while True:
        page = client.get(url(scheme), {"after": after} if after else {}).context["people"]
        seen += [p.pk for p in page if p.full_name == "Mary Walsh"]
        if page.next_after is None:
            break
        after = page.next_after

    assert seen == sorted(p.pk for p in same)

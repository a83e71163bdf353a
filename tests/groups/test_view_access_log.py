"""`/schemes/<pk>/access-log/` and `/access-log/`: who exported whose data, for organisers
(their scheme) and staff (everything)."""

import pytest

from groups import services
from groups.models import AccessLogEntry
from groups.privacy_views import PAGE_SIZE
from tests import factories
from tests.access import ORGANISERS_ONLY, assert_sign_in_first


def url(scheme):
    return f"/schemes/{scheme.pk}/access-log/"


def entry(scheme, actor, description="Scheme overview (CSV)", subject=None):
    return services.access_log_record(
        actor=actor,
        action=AccessLogEntry.Action.OVERVIEW_EXPORT,
        scheme=scheme,
        description=description,
        subject=subject,
    )


@pytest.fixture
def logged(scheme, organiser, trainee):
    entry(scheme, organiser, "Progress of the trainee", subject=trainee)
    other = factories.OrganiserFactory()
    entry(other.scheme, other.person, "Elsewhere overview (CSV)")


def test_anonymous_is_sent_to_sign_in(client, scheme):
    assert_sign_in_first(client, url(scheme))


@pytest.mark.parametrize(("role", "status"), ORGANISERS_ONLY)
def test_a_schemes_log_is_for_its_organisers(scheme, status, signed_in):
    assert signed_in.get(url(scheme)).status_code == status


def test_the_organiser_reads_their_schemes_entries_only(client, scheme, organiser, trainee, logged):
    client.force_login(organiser)

    response = client.get(url(scheme))

    content = response.content.decode()
    assert "Progress of the trainee" in content
    assert trainee.full_name in content  # whose data
    assert "Elsewhere overview" not in content
    assert [e.description for e in response.context["page"]] == ["Progress of the trainee"]


def test_staff_read_any_schemes_log_and_the_whole_log(client, scheme, logged):
    client.force_login(factories.UserFactory(is_staff=True))

    assert client.get(url(scheme)).status_code == 200
    content = client.get("/access-log/").content.decode()
    assert "Progress of the trainee" in content
    assert "Elsewhere overview" in content


@pytest.mark.parametrize("role", ["organiser", "trainee"])
def test_the_whole_log_is_for_staff_only(client, request, role):
    client.force_login(request.getfixturevalue(role))

    assert client.get("/access-log/").status_code == 404


def test_the_log_is_paginated_newest_first(client, scheme, organiser):
    for number in range(PAGE_SIZE + 1):
        entry(scheme, organiser, f"Export {number}")
    client.force_login(organiser)

    first = client.get(url(scheme)).context["page"]
    second = client.get(url(scheme), {"page": 2}).context["page"]

    assert len(first) == PAGE_SIZE
    assert first[0].description == f"Export {PAGE_SIZE}"
    assert [e.description for e in second] == ["Export 0"]


def test_linked_from_the_organisers_scheme_page(client, scheme, organiser):
    client.force_login(organiser)

    assert url(scheme) in client.get(f"/schemes/{scheme.pk}/").content.decode()


def test_a_fixed_number_of_queries(client, scheme, organiser, django_assert_max_num_queries):
    for _ in range(30):
        entry(scheme, organiser, subject=factories.UserFactory())
    client.force_login(organiser)

    with django_assert_max_num_queries(12):
        client.get(url(scheme))

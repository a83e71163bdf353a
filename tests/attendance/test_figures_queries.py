"""The pages that read the figures table run the same number of queries at two sizes:
the overview (every sort and filter), its CSV and Excel exports, the certificate
list and the organiser's home."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from attendance.progress import OVERVIEW_SORTS
from tests.factories.attendance import bulk_records, bulk_trainees, held_sessions, past_wednesdays

# A query string per variant: every sort, then each filter.
VARIANTS = [f"?sort={sort}" for sort in OVERVIEW_SORTS] + [
    "?status=at_risk",
    "?track=psychiatry",
    "?group={group}",
    "?sort=name&page=2",
]


pytestmark = pytest.mark.usefixtures("frozen_now")


def pages(scheme, group) -> list[str]:
    overview = reverse("scheme_overview", args=[scheme.pk])
    return [
        *(overview + v.format(group=group.pk) for v in VARIANTS),
        reverse("scheme_overview_export", args=[scheme.pk, "csv"]),
        reverse("scheme_overview_export", args=[scheme.pk, "xlsx"]) + "?sort=status",
        reverse("certificates", args=[scheme.pk]),
        reverse("home"),
    ]


def measure(client, urls) -> dict[str, int]:
    counts = {}
    for url in urls:
        client.get(url)  # warm what a process loads once
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, url
        counts[url] = len(queries)
    return counts


def test_the_same_queries_at_two_sizes(client, scheme, group, organiser):
    client.force_login(organiser)
    urls = pages(scheme, group)
    sessions = held_sessions(group, past_wednesdays(2))

    def add(count, prefix):
        people = bulk_trainees(group, count, prefix=prefix)
        for session in sessions:
            bulk_records(session, people)

    add(60, "few")
    few = measure(client, urls)

    add(240, "many")
    many = measure(client, urls)

    assert many == few
    # One query for the page of rows and one for the count, whatever the size.
    assert few[urls[0]] - few[reverse("home")] < 12

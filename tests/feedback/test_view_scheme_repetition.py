"""`/schemes/<pk>/themes/repetition/`: theme counts by group and month, repeats across groups."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories
from tests.access import ORGANISERS_ONLY, assert_sign_in_first
from tests.factories.attendance import held_sessions, past_wednesdays
from tests.factories.feedback import ThemeFactory, tag

pytestmark = pytest.mark.usefixtures("frozen_now")


def url(scheme):
    return f"/schemes/{scheme.pk}/themes/repetition/"


def test_anonymous_is_sent_to_sign_in(client, scheme):
    assert_sign_in_first(client, url(scheme))


@pytest.mark.parametrize(("role", "status"), ORGANISERS_ONLY)
def test_access_by_role(scheme, status, signed_in):
    assert signed_in.get(url(scheme)).status_code == status


def test_counts_by_group_and_month(client, scheme, group, other_group, organiser):
    on_call, grief = (
        ThemeFactory(scheme=scheme, name="on-call"),
        ThemeFactory(scheme=scheme, name="grief"),
    )
    jan, feb = date(2026, 1, 1), date(2026, 2, 1)
    a = held_sessions(group, [date(2026, 1, 7), date(2026, 1, 28), date(2026, 2, 25)])
    tag(a[0], on_call)
    tag(a[1], on_call, grief)
    tag(a[2], on_call)
    [b] = held_sessions(other_group, [date(2026, 2, 4)])
    tag(b, grief)
    client.force_login(organiser)

    repetition = client.get(url(scheme)).context["repetition"]

    assert repetition.months[0] == date(2025, 3, 1)
    assert repetition.months[-1] == date(2026, 3, 1)
    months = repetition.months
    tables = {
        t.group: {r.theme.name: dict(zip(months, r.counts, strict=True)) for r in t.rows}
        for t in repetition.groups
    }
    assert tables[group]["on-call"][jan] == 2
    assert tables[group]["on-call"][feb] == 1
    assert tables[group]["grief"][jan] == 1
    assert tables[other_group] == {"grief": {m: (1 if m == feb else 0) for m in months}}


def test_repeats_are_flagged_within_groups_and_presenters_across_groups(
    client, scheme, group, other_group, organiser
):
    ann = factories.MembershipFactory(group=group).person
    factories.MembershipFactory(group=other_group, person=ann, start_date=date(2026, 1, 1))
    on_call = ThemeFactory(scheme=scheme, name="on-call")
    a = held_sessions(group, [date(2026, 1, 7), date(2026, 1, 14)])
    [b] = held_sessions(other_group, [date(2026, 2, 11)], presenter=ann)
    a[0].presenter = ann
    a[0].save()
    tag(a[0], on_call)
    tag(a[1], on_call)  # a week later in the same group: recurs
    tag(b, on_call)  # in the other group, four weeks on: only ann's repeat counts
    client.force_login(organiser)

    response = client.get(url(scheme))

    flagged = [
        (r.session.group, r.session.slot_date, r.repeat.kind, r.earlier.slot_date)
        for r in response.context["repetition"].repeats
    ]
    assert flagged == [
        (other_group, date(2026, 2, 11), "presenter", date(2026, 1, 7)),
        (group, date(2026, 1, 14), "recurs", date(2026, 1, 7)),
    ]
    content = response.content.decode()
    assert f"{ann.full_name} presented it before, on 7 Jan 2026 in {group.name}" in content
    assert "Recurs: also on 7 Jan, 7 days before" in content


def test_another_schemes_sessions_are_left_out(client, scheme, organiser):
    elsewhere = factories.GroupFactory()
    [theirs] = held_sessions(elsewhere, past_wednesdays(1))
    tag(theirs, ThemeFactory(scheme=elsewhere.scheme, name="theirs"))
    client.force_login(organiser)

    content = client.get(url(scheme)).content.decode()
    assert "theirs" not in content
    assert elsewhere.name not in content


def test_the_scheme_page_links_to_themes(client, scheme, organiser):
    client.force_login(organiser)
    content = client.get(f"/schemes/{scheme.pk}/").content.decode()
    assert f'href="/schemes/{scheme.pk}/themes/">Themes</a>' in content


def test_a_fixed_number_of_queries(client, scheme, organiser):
    themes = [ThemeFactory(scheme=scheme) for _ in range(5)]

    def add(groups, count):
        for _ in range(groups):
            group = factories.GroupFactory(scheme=scheme)
            for i, session in enumerate(held_sessions(group, past_wednesdays(count))):
                tag(session, themes[i % 5])

    add(1, 2)
    client.force_login(organiser)
    with CaptureQueriesContext(connection) as few:
        client.get(url(scheme))

    add(4, 12)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url(scheme))
    assert len(response.context["repetition"].groups) == 5
    assert len(many) == len(few)

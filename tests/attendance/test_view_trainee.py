"""`/schemes/<pk>/trainees/<pk>/`: an organiser's page about one of their trainees (the
trainee's own page: test_view_progress.py)."""

import re
from datetime import date
from html import escape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from attendance.services import certificate_issue, certificate_revoke
from groups.models import Membership
from tests import factories
from tests.access import access
from tests.factories.attendance import attend, held_sessions, past_wednesdays
from tests.factories.rosters import ClashFactory
from tests.factories.sessions import LeaveFactory, SessionFactory, wednesdays

pytestmark = pytest.mark.usefixtures("frozen_now")


def trainee_url(scheme, person):
    return f"/schemes/{scheme.pk}/trainees/{person.pk}/"


def text(html: str) -> str:
    """The page's words, tags stripped and spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def sessions(group, trainee):
    """Four held sessions: the trainee came to 3."""
    sessions = held_sessions(group, past_wednesdays(4))
    attend(trainee, sessions, ["present", "late", "absent", "present"])
    return sessions


@pytest.mark.parametrize(
    ("role", "status"),
    access(
        trainee=404,  # even their own: their page is /progress/
        organiser=200,
    ),
)
def test_a_trainees_page_is_for_the_schemes_organisers(scheme, trainee, status, signed_in):
    assert signed_in.get(trainee_url(scheme, trainee)).status_code == status


def test_someone_outside_the_scheme_is_not_found(client, scheme, organiser):
    outsider = factories.MembershipFactory().person
    client.force_login(organiser)
    assert client.get(trainee_url(scheme, outsider)).status_code == 404


def test_the_organiser_reads_their_groups_sessions_and_standing(
    client, scheme, group, other_group, organiser, trainee, sessions
):
    group.name, other_group.name = "Cork North", "Kerry"
    group.save(update_fields=["name"])
    other_group.save(update_fields=["name"])
    Membership.objects.filter(person=trainee).update(end_date=date(2026, 3, 31))
    factories.MembershipFactory(
        group=other_group,
        person=trainee,
        track=Membership.Track.GENERAL_PRACTICE,
        start_date=date(2026, 4, 1),
    )
    first, second, _ = (SessionFactory(group=group, slot_date=d) for d in wednesdays(3))
    LeaveFactory(person=trainee, start_date=first.slot_date)
    ClashFactory(session=second, person=trainee)
    client.force_login(organiser)

    response = client.get(trainee_url(scheme, trainee))

    page = text(response.content.decode())
    assert f'<h1 class="h3">{escape(trainee.full_name)}</h1>' in response.content.decode()
    assert "3 of 30 sessions" in page
    assert "On track" in page
    assert "75% (3 of 4 recorded sessions)" in page
    assert "Cork North Psychiatry 31 Jan 2026 31 Mar 2026" in page
    assert "Kerry General practice 1 Apr 2026 Open-ended" in page
    assert (
        "Wed 4 Mar 2026 · cannot attend (leave) Wed 11 Mar 2026 · cannot attend (on call)"
        " Wed 18 Mar 2026" in page
    )
    # Every register, absences too, newest first.
    assert "25 Feb 2026 Cork North Present 18 Feb 2026 Cork North Absent" in page
    assert "None yet: a certificate is issued at 30 sessions." in page
    for words in ("your", "Your", "you ", "You "):
        assert words not in page


def test_the_organiser_reads_why_a_trainee_is_at_risk(client, scheme, group, organiser, sessions):
    person = factories.MembershipFactory(group=group, end_date=wednesdays(1)[0]).person
    attend(person, sessions, ["present"] * 4)
    SessionFactory(group=group, slot_date=wednesdays(1)[0])
    client.force_login(organiser)

    page = text(client.get(trainee_url(scheme, person)).content.decode())

    assert (
        "At risk Needs 26 more; at most 1 possible before the membership ends on 4 March 2026"
        in page
    )
    assert "Talk to your scheme organiser" not in page


def test_the_organiser_reads_when_a_trainee_starts(client, scheme, group, organiser):
    person = factories.MembershipFactory(group=group, start_date=date(2026, 3, 9)).person
    SessionFactory(group=group, slot_date=wednesdays(2)[1])
    client.force_login(organiser)

    page = text(client.get(trainee_url(scheme, person)).content.decode())

    assert "Not started First session on 11 March 2026" in page
    assert "No registers yet." in page


def test_the_organiser_reads_about_the_trainees_certificates(
    client, scheme, organiser, trainee, sessions
):
    scheme.requirement.sessions_required = 3
    scheme.requirement.save()
    client.force_login(organiser)

    before = client.get(trainee_url(scheme, trainee)).content.decode()
    first = certificate_issue(actor=organiser, scheme=scheme, trainee=trainee)
    certificate_revoke(actor=organiser, certificate=first, reason="Issued in error")
    second = certificate_issue(actor=organiser, scheme=scheme, trainee=trainee)
    after = client.get(trainee_url(scheme, trainee)).content.decode()

    # Complete without a certificate: where to issue it, not the trainee's "will issue".
    assert (
        f'<a href="/schemes/{scheme.pk}/certificates/">issue it on the certificates page</a>'
        in before
    )
    assert "will issue" not in before
    page = text(after)
    assert f"Code {second.display_code}, issued 2 Mar 2026" in page
    assert f"Code {first.display_code}, issued 2 Mar 2026" in page
    assert "revoked 2 Mar 2026 (Issued in error)" in page
    assert f'href="/certificates/{second.pk}.pdf">Download the certificate' in after
    assert "issue it on" not in after
    for words in ("your", "Your", "you ", "You "):
        assert words not in text(before) + page


def test_the_same_queries_however_long_the_history(client, scheme, group, organiser, trainee):
    client.force_login(organiser)
    url = trainee_url(scheme, trainee)

    def add(weeks, last):
        attend(trainee, held_sessions(group, past_wednesdays(weeks, last)), ["absent"] * weeks)
        factories.MembershipFactory(group=factories.GroupFactory(scheme=scheme), person=trainee)
        SessionFactory(group=group)

    add(2, date(2026, 2, 25))
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)

    add(30, date(2026, 2, 11))
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)

    assert len(response.context["record"].recent) == 20
    assert len(many) == len(few)

"""Issuing certificates for everyone eligible: a confirmation that says how many and to whom,
then a page that follows the worker (`/schemes/<pk>/certificates/issuing/?run=…`, and its
JSON for the script) and ends with the result, no reload needed."""

import re
from datetime import date
from urllib.parse import parse_qs, urlparse

import pytest
from django.core.exceptions import ValidationError

from attendance import certificate_views, services
from attendance.figures import figures_refresh
from attendance.models import Certificate
from tests import factories
from tests.access import access, assert_sign_in_first
from tests.factories.attendance import attend, held_sessions, past_wednesdays
from tests.factories.certificates import REQUIRED, eligible_crowd, trainee_with_sessions

pytestmark = pytest.mark.usefixtures("frozen_now")


@pytest.fixture
def scheme(db):
    return factories.SchemeFactory(sessions_required=REQUIRED)


@pytest.fixture
def sessions(group):
    return held_sessions(group, past_wednesdays(REQUIRED))


@pytest.fixture
def due(group, sessions):
    """Three eligible trainees with no certificate yet."""
    return [
        trainee_with_sessions(group, sessions, REQUIRED, full_name=name)
        for name in ("Aoife O'Brien", "Brendan Walsh", "Ciara Nolan")
    ]


def confirm_url(scheme) -> str:
    return f"/schemes/{scheme.pk}/certificates/issue-eligible/"


def run_of(response) -> str:
    """The signed run the start redirected to."""
    return parse_qs(urlparse(response["Location"]).query)["run"][0]


def start(client, scheme, django_capture_on_commit_callbacks, *, execute=True):
    with django_capture_on_commit_callbacks(execute=execute):
        return client.post(confirm_url(scheme))


def issuing_url(scheme, run: str, *, status: bool = False) -> str:
    return f"/schemes/{scheme.pk}/certificates/issuing/{'status/' if status else ''}?run={run}"


# --- The confirmation ---------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "status"), access(organiser=200))
def test_only_the_schemes_organisers_see_the_confirmation(scheme, due, status, signed_in):
    assert signed_in.get(confirm_url(scheme)).status_code == status


@pytest.mark.parametrize(("role", "status"), access(organiser=302))
def test_only_the_schemes_organisers_start_it(
    scheme, due, status, signed_in, django_capture_on_commit_callbacks
):
    response = start(signed_in, scheme, django_capture_on_commit_callbacks)

    assert response.status_code == status
    assert Certificate.objects.count() == (3 if status == 302 else 0)


def test_anonymous_is_sent_to_sign_in(client, scheme, due):
    assert_sign_in_first(client, confirm_url(scheme))
    assert_sign_in_first(client, confirm_url(scheme), method="post")
    assert not Certificate.objects.exists()


def test_the_confirmation_says_how_many_and_to_whom_and_issues_nothing(
    client, scheme, group, sessions, organiser, due
):
    held = services.certificate_issue(actor=organiser, scheme=scheme, trainee=due[0])
    trainee_with_sessions(group, sessions, REQUIRED - 1, full_name="Not Yet Eligible")
    attend(due[0], held_sessions(group, [date(2026, 2, 27)]), ["present"])  # due a new one
    client.force_login(organiser)

    response = client.get(confirm_url(scheme))

    content = response.content.decode()
    assert "3 certificates will be issued" in content
    assert "Issue 3 certificates" in content
    rows = [
        re.sub(r"\s+", " ", row)
        for row in re.findall(r"<li class=\"list-group-item\">(.*?)</li>", content, re.S)
    ]
    assert rows == [
        f"Aoife O&#x27;Brien · 4 sessions · replaces {held.display_code} (3 sessions)",
        "Brendan Walsh · 3 sessions · first certificate",
        "Ciara Nolan · 3 sessions · first certificate",
    ]
    assert "Not Yet Eligible" not in content
    assert Certificate.objects.count() == 1


def test_the_list_to_confirm_is_paged(client, scheme, group, sessions, organiser, monkeypatch):
    monkeypatch.setattr(certificate_views, "PAGE_SIZE", 2)
    eligible_crowd(group, 5, sessions=sessions)
    client.force_login(organiser)

    first = client.get(confirm_url(scheme)).content.decode()
    last = client.get(confirm_url(scheme) + "?page=3").content.decode()

    assert "5 certificates will be issued" in first
    assert first.count('class="list-group-item"') == 2
    assert last.count('class="list-group-item"') == 1
    assert "Page 3 of 3" in last


def test_with_nobody_due_the_page_says_so_and_starting_queues_nothing(
    client, scheme, organiser, django_capture_on_commit_callbacks
):
    client.force_login(organiser)

    assert "there is nothing to issue" in client.get(confirm_url(scheme)).content.decode()
    with django_capture_on_commit_callbacks() as queued:
        response = client.post(confirm_url(scheme), follow=True)
    assert queued == []
    assert "Everyone eligible already holds an up-to-date certificate." in (
        response.content.decode()
    )


# --- Following it ------------------------------------------------------------------------------


def test_starting_queues_the_work_and_opens_the_progress_page(
    client, scheme, organiser, due, django_capture_on_commit_callbacks
):
    client.force_login(organiser)

    response = start(client, scheme, django_capture_on_commit_callbacks, execute=False)

    assert response.status_code == 302
    assert response["Location"].startswith(f"/schemes/{scheme.pk}/certificates/issuing/?run=")
    assert not Certificate.objects.exists()  # nothing issued inside the request
    page = client.get(response["Location"])
    content = page.content.decode()
    assert '<span id="issuing-issued">0</span> of 3 certificates issued.' in content
    assert 'max="3"' in content
    assert 'data-finished="false"' in content
    assert '<noscript><meta http-equiv="refresh" content="5"></noscript>' in content
    assert "/static/js/issue-progress.js" in content
    assert client.get(issuing_url(scheme, run_of(response), status=True)).json() == {
        "issued": 0,
        "total": 3,
        "finished": False,
    }


def test_the_page_shows_the_work_as_it_goes_and_the_result_at_the_end(
    client, scheme, organiser, due, django_capture_on_commit_callbacks
):
    client.force_login(organiser)
    with django_capture_on_commit_callbacks() as queued:
        response = client.post(confirm_url(scheme))
    run = run_of(response)
    services.certificate_issue(actor=organiser, scheme=scheme, trainee=due[1])  # one so far

    midway = client.get(issuing_url(scheme, run, status=True)).json()
    assert midway == {"issued": 1, "total": 3, "finished": False}

    for task in queued:
        task()

    assert client.get(issuing_url(scheme, run, status=True)).json() == {
        "issued": 3,
        "total": 3,
        "finished": True,
    }
    content = client.get(issuing_url(scheme, run)).content.decode()
    assert "Done: 3 certificates issued." in content
    assert 'data-finished="true"' in content
    assert "http-equiv" not in content  # no more refreshing
    for certificate in Certificate.objects.all():
        assert certificate.display_code in content
    assert content.index("Aoife O&#x27;Brien") < content.index("Brendan Walsh")


def test_someone_no_longer_due_ends_the_run_without_them(
    client, scheme, organiser, due, django_capture_on_commit_callbacks
):
    client.force_login(organiser)
    with django_capture_on_commit_callbacks() as queued:
        response = client.post(confirm_url(scheme))
    # Meanwhile a register is corrected: one of the three falls short.
    due[2].attendance.first().delete()
    figures_refresh(scheme=scheme, people=[due[2].pk])
    for task in queued:
        task()

    content = client.get(f"{response['Location']}").content.decode()
    assert "Done: 2 of 3 certificates issued." in content


@pytest.mark.parametrize(
    "run", ["", "not-signed", "eyJ0b3RhbCI6IDN9:forged:signature"], ids=["none", "junk", "forged"]
)
def test_a_run_made_up_is_not_found(client, scheme, organiser, run):
    client.force_login(organiser)

    assert client.get(issuing_url(scheme, run)).status_code == 404
    assert client.get(issuing_url(scheme, run, status=True)).status_code == 404


def test_a_run_of_another_scheme_is_not_found_here(
    client, scheme, organiser, due, django_capture_on_commit_callbacks
):
    other = factories.OrganiserFactory(person=organiser).scheme
    client.force_login(organiser)
    run = run_of(start(client, scheme, django_capture_on_commit_callbacks))

    assert client.get(issuing_url(other, run)).status_code == 404


@pytest.mark.parametrize(("role", "status"), access(organiser=200))
def test_only_the_schemes_organisers_follow_it(
    client, scheme, organiser, due, role, status, request, django_capture_on_commit_callbacks
):
    client.force_login(organiser)
    run = run_of(start(client, scheme, django_capture_on_commit_callbacks))
    client.force_login(request.getfixturevalue(role))

    assert client.get(issuing_url(scheme, run)).status_code == status
    assert client.get(issuing_url(scheme, run, status=True)).status_code == status


# --- Queries --------------------------------------------------------------------------------


def test_the_pages_run_a_fixed_number_of_queries(
    client,
    scheme,
    group,
    sessions,
    organiser,
    django_capture_on_commit_callbacks,
    django_assert_max_num_queries,
):
    client.force_login(organiser)
    eligible_crowd(group, 3, sessions=sessions, prefix="few")
    run = run_of(start(client, scheme, django_capture_on_commit_callbacks, execute=False))
    eligible_crowd(group, 30, sessions=sessions, prefix="many")
    services.certificates_issue_eligible(actor=organiser, scheme=scheme)

    for url in (
        confirm_url(scheme),
        issuing_url(scheme, run),
        issuing_url(scheme, run, status=True),
    ):
        with django_assert_max_num_queries(9):
            assert client.get(url).status_code == 200


# --- The service ---------------------------------------------------------------------------------


def test_one_that_cannot_be_issued_does_not_stop_the_others(scheme, organiser, due, monkeypatch):
    issue = services.certificate_issue

    def refuse_brendan(*, actor, scheme, trainee):
        if trainee.full_name == "Brendan Walsh":
            raise ValidationError("Brendan Walsh was issued a certificate a moment ago.")
        return issue(actor=actor, scheme=scheme, trainee=trainee)

    monkeypatch.setattr(services, "certificate_issue", refuse_brendan)

    issued = services.certificates_issue_eligible(actor=organiser, scheme=scheme)

    assert sorted(c.holder_name for c in issued) == ["Aoife O'Brien", "Ciara Nolan"]

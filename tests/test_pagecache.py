"""balint.pagecache: pages and exports served from the cache until their data changes."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext

from attendance import views as attendance_views
from balint.pagecache import BumpAfterWritesMiddleware
from balint.tasks import send_outbox
from groups.models import AccessLogEntry
from groups.versions import data_version, figures_version
from sessions import tasks as session_tasks
from sessions.models import Session
from tests.attendance_factories import LAST_WEDNESDAY, AttendanceFactory
from tests.session_factories import NOW, LeaveFactory, SessionFactory

# A cached page costs what signing in costs: the session and the person.
SIGNED_IN_QUERIES = 2


@pytest.fixture(autouse=True)
def _page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 60
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def session(group):
    return SessionFactory(group=group, slot_date=LAST_WEDNESDAY)


def group_url(group):
    return f"/groups/{group.pk}/"


def register_url(session):
    return f"/sessions/{session.pk}/register/"


def test_a_second_request_is_served_from_the_cache(
    client, group, leader, trainee, django_assert_num_queries
):
    client.force_login(leader)
    first = client.get(group_url(group))

    with django_assert_num_queries(SIGNED_IN_QUERIES):
        second = client.get(group_url(group))

    assert second.status_code == 200
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]


def test_without_a_cache_time_every_request_builds_the_page(client, settings, group, leader):
    settings.PAGE_CACHE_SECONDS = 0
    client.force_login(leader)
    client.get(group_url(group))

    with CaptureQueriesContext(connection) as queries:
        client.get(group_url(group))

    assert len(queries) > SIGNED_IN_QUERIES


def test_a_save_shows_on_the_next_request(client, group, leader, trainee):
    client.force_login(leader)
    client.get(group_url(group))

    trainee.full_name = "Dr Newly Renamed"
    trainee.save()

    assert "Dr Newly Renamed" in client.get(group_url(group)).content.decode()


def test_each_person_gets_their_own_page(group, leader, organiser):
    clients = {}
    for person in (leader, organiser):
        clients[person] = Client()
        clients[person].force_login(person)
        clients[person].get("/")  # builds and caches the page

    for person, other in ((leader, organiser), (organiser, leader)):
        page = clients[person].get("/").content.decode()
        assert person.full_name in page
        assert other.full_name not in page


def test_waiting_messages_are_shown_not_a_cached_page(client, session, leader, trainee):
    client.force_login(leader)
    client.get(register_url(session))
    data = {f"status_{p.pk}": "present" for p in (leader, trainee)}
    data |= {f"was_{p.pk}": "" for p in (leader, trainee)}

    response = client.post(register_url(session), data, follow=True)

    assert "Register saved (2 changes)." in response.content.decode()
    assert "Register saved" not in client.get(register_url(session)).content.decode()


def test_a_form_from_a_cached_page_still_posts(session, leader, trainee):
    client = Client(enforce_csrf_checks=True)
    client.force_login(leader)
    client.get(register_url(session))  # sets the CSRF cookie
    client.get(register_url(session))  # builds the page for that cookie
    cached = client.get(register_url(session)).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', cached).group(1)
    data = {f"status_{p.pk}": "present" for p in (leader, trainee)}
    data |= {f"was_{p.pk}": "" for p in (leader, trainee)}

    response = client.post(register_url(session), {**data, "csrfmiddlewaretoken": token})

    assert response.status_code == 302
    assert session.attendance.count() == 2


def test_the_day_is_part_of_the_key(client, group, leader, trainee):
    client.force_login(leader)
    client.get(group_url(group))
    # A bulk write outside any request or task sends no signal and bumps nothing.
    type(trainee).objects.filter(pk=trainee.pk).update(full_name="Dr Quietly Renamed")
    assert "Dr Quietly Renamed" not in client.get(group_url(group)).content.decode()

    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        assert "Dr Quietly Renamed" in client.get(group_url(group)).content.decode()


# --- What bumps the data version -------------------------------------------------------


def _through_middleware(request):
    BumpAfterWritesMiddleware(lambda request: None)(request)


@pytest.mark.parametrize(
    ("method", "signed_in", "bumps"),
    [("post", True, True), ("post", False, False), ("get", True, False)],
)
def test_a_write_request_by_a_signed_in_person_bumps(db, leader, method, signed_in, bumps):
    from django.contrib.auth.models import AnonymousUser

    request = getattr(RequestFactory(), method)("/anything/")
    request.user = leader if signed_in else AnonymousUser()
    before = data_version()

    _through_middleware(request)

    assert (data_version() != before) is bumps


def test_a_task_that_writes_bumps_and_one_that_sends_mail_does_not(db):
    before = data_version()
    send_outbox.delay()
    assert data_version() == before

    session_tasks.scan_clashes.delay()
    assert data_version() != before


def test_a_bulk_write_in_a_signed_in_request_shows_next_time(client, session, leader, trainee):
    client.force_login(leader)
    client.get(register_url(session))
    Session.objects.filter(pk=session.pk).update(
        status=Session.Status.CANCELLED, cancel_reason="Bank holiday"
    )
    # Any write request ends with a bump, whatever it wrote and however.
    client.post("/leave/", {})

    assert "cancelled" in client.get(register_url(session)).content.decode().lower()


def test_leave_bumps_pages_but_not_the_costly_figures(trainee):
    figures, pages = figures_version(), data_version()

    LeaveFactory(person=trainee)

    assert figures_version() == figures
    assert data_version() != pages


def test_a_register_entry_bumps_both(session, trainee):
    figures, pages = figures_version(), data_version()

    AttendanceFactory(session=session, person=trainee)

    assert figures_version() != figures
    assert data_version() != pages


def test_signing_in_bumps_nothing_and_a_new_name_bumps_both(client, trainee):
    figures, pages = figures_version(), data_version()
    client.force_login(trainee)  # saves last_login only
    assert (figures_version(), data_version()) == (figures, pages)

    trainee.full_name = "Dr Other Name"
    trainee.save()

    assert figures_version() != figures  # the overview's figures carry names
    assert data_version() != pages


def test_the_access_log_does_not_bump(db, organiser, scheme):
    before = data_version()
    AccessLogEntry.objects.create(
        actor=organiser, scheme=scheme, action=AccessLogEntry.Action.OVERVIEW_EXPORT
    )
    assert data_version() == before


# --- Export files ----------------------------------------------------------------------


def test_an_export_is_built_once_and_logged_every_time(
    client, monkeypatch, scheme, organiser, trainee
):
    render, content_type = attendance_views.FORMATS["csv"]
    built = []
    monkeypatch.setitem(
        attendance_views.FORMATS, "csv", (lambda e: built.append(e) or render(e), content_type)
    )
    url = f"/schemes/{scheme.pk}/overview.csv"
    client.force_login(organiser)

    first, second = client.get(url), client.get(url)

    assert second.content == first.content
    assert len(built) == 1
    assert AccessLogEntry.objects.filter(action=AccessLogEntry.Action.OVERVIEW_EXPORT).count() == 2


def test_a_cached_export_still_checks_who_asks(
    client, scheme, organiser, other_scheme_organiser, trainee
):
    url = f"/schemes/{scheme.pk}/overview.csv"
    client.force_login(organiser)
    assert client.get(url).status_code == 200

    client.force_login(other_scheme_organiser)
    assert client.get(url).status_code == 404


def test_an_export_shows_a_change_at_once(client, scheme, organiser, trainee):
    url = f"/schemes/{scheme.pk}/overview.csv"
    client.force_login(organiser)
    client.get(url)

    trainee.full_name = "Dr Export Renamed"
    trainee.save()

    assert "Dr Export Renamed" in client.get(url).content.decode("utf-8-sig")

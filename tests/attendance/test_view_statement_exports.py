"""The bulk download of statements of attendance, as an organiser sees it: asked for from
the overview (`/schemes/<pk>/statements/export/`), followed while the worker makes it and
downloaded (`/statement-exports/<pk>/`). The worker's side: test_statement_exports.py."""

from datetime import date, timedelta

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.text import slugify

from attendance import statement_services
from attendance.models import Statement, StatementExport
from groups.models import AccessLogEntry
from tests import factories
from tests.access import access, assert_sign_in_first
from tests.attendance.test_view_statements import said, text_of, zip_of
from tests.factories.attendance import attend, held_sessions, past_wednesdays
from tests.factories.certificates import require_weasyprint

pytestmark = pytest.mark.usefixtures("frozen_now")


@pytest.fixture(autouse=True)
def _weasyprint_and_media(settings, tmp_path):
    require_weasyprint()
    settings.MEDIA_ROOT = tmp_path / "media"


def ask(scheme) -> str:
    return f"/schemes/{scheme.pk}/statements/export/"


def page(export) -> str:
    return f"/statement-exports/{export.pk}/"


@pytest.fixture
def made(client, django_capture_on_commit_callbacks):
    """Ask for the ZIP as the signed-in organiser; the worker (eager) makes it on commit."""

    def made(scheme, data=None):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(ask(scheme), data or {})

    return made


@pytest.fixture
def export(scheme, organiser, trainee):
    """An export the worker is halfway through."""
    return StatementExport.objects.create(
        scheme=scheme,
        requested_by=organiser,
        which=f"scheme {scheme.name}",
        total=4,
        done=2,
        status="running",
        expires_at=timezone.now() + timedelta(hours=24),
    )


def finish(export, body=b"PK zip") -> None:
    export.status, export.done = "done", export.total
    export.file.save("statements.zip", ContentFile(body), save=True)


def test_anonymous_is_sent_to_sign_in(client, scheme, trainee, export):
    assert_sign_in_first(client, ask(scheme), method="post")
    for url in (page(export), f"{page(export)}status/", f"{page(export)}download/"):
        assert_sign_in_first(client, url)
    assert StatementExport.objects.get() == export


def test_the_overviews_button_asks_for_the_zip(client, scheme, trainee, organiser):
    client.force_login(organiser)

    content = client.get(f"/schemes/{scheme.pk}/overview/").content.decode()

    assert (
        f'<form method="post" action="{ask(scheme)}" id="statements-export">'
        '<input type="hidden" name="csrfmiddlewaretoken"'
    ) in content
    assert 'type="submit" form="statements-export">Statements (ZIP)</button>' in content


def test_the_overview_lists_the_schemes_zips_not_yet_expired(
    client, scheme, organiser, export, frozen_now
):
    old = StatementExport.objects.create(
        scheme=scheme,
        requested_by=organiser,
        which="group Old",
        total=1,
        expires_at=timezone.now() + timedelta(hours=1),
    )
    StatementExport.objects.create(
        scheme=factories.SchemeFactory(),
        requested_by=organiser,
        which="group Elsewhere",
        total=1,
        expires_at=timezone.now() + timedelta(hours=24),
    )
    client.force_login(organiser)
    frozen_now.shift(2 * 3600)  # the old one's file has expired

    content = client.get(f"/schemes/{scheme.pk}/overview/").content.decode()

    assert "Recent statement ZIPs" in content
    assert f'href="{page(export)}">Statements of scheme {scheme.name}: 4 trainees,' in content
    assert page(old) not in content
    assert "Elsewhere" not in content


def test_the_overview_takes_the_same_queries_however_many_zips(
    client, scheme, organiser, export, trainee
):
    client.force_login(organiser)
    url = f"/schemes/{scheme.pk}/overview/"

    def overview_queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    one = overview_queries()
    for _ in range(6):
        client.post(ask(scheme))
    assert overview_queries() == one
    assert StatementExport.objects.count() == 7


@pytest.mark.parametrize(("role", "status"), access(organiser=302))
def test_only_organisers_ask_for_the_zip(scheme, trainee, status, signed_in):
    assert signed_in.post(ask(scheme)).status_code == status
    assert StatementExport.objects.exists() == (status == 302)


def test_asking_takes_a_post(client, scheme, trainee, organiser):
    client.force_login(organiser)

    assert client.get(ask(scheme)).status_code == 405
    assert not StatementExport.objects.exists()


def test_the_zip_holds_a_statement_for_each_current_trainee(
    client, made, scheme, group, other_group, trainee, organiser
):
    attend(
        trainee, held_sessions(group, past_wednesdays(4)), ["present", "late", "absent", "present"]
    )
    other = factories.MembershipFactory(group=other_group, person__full_name="Zoë Other").person
    former = factories.MembershipFactory(group=group, end_date=date(2026, 2, 1)).person
    client.force_login(organiser)

    response = made(scheme)

    export = StatementExport.objects.get()
    assert response["Location"] == page(export)
    assert not AccessLogEntry.objects.exists()  # nothing was seen yet
    download = client.get(f"/statement-exports/{export.pk}/download/")
    assert download["Content-Type"] == "application/zip"
    statements = {s.person: s for s in Statement.objects.all()}
    assert set(statements) == {trainee, other}  # not the former trainee
    assert former not in statements
    archive = zip_of(download)
    assert sorted(archive.namelist()) == sorted(
        f"statement-{slugify(person.full_name)}-{statements[person].code}.pdf"
        for person in (trainee, other)
    )
    assert f"statement-zoe-other-{statements[other].code}.pdf" in archive.namelist()
    for person, statement in statements.items():
        name = next(n for n in archive.namelist() if statement.code in n)
        text = text_of(archive.read(name))
        assert person.full_name in text
        assert f"{statement.sessions_counted} of 30 sessions counted" in text
    assert statements[trainee].sessions_counted == 3
    entry = AccessLogEntry.objects.get()
    assert (entry.action, entry.subject) == (AccessLogEntry.Action.OVERVIEW_EXPORT, None)
    assert "2 trainees" in entry.description


def test_the_zip_of_one_group(client, made, scheme, group, other_group, trainee, organiser):
    factories.MembershipFactory(group=other_group)
    client.force_login(organiser)

    made(scheme, {"group": group.pk})

    assert StatementExport.objects.get().which == f"group {group.name}"
    assert Statement.objects.get().person == trainee


def test_another_schemes_group_is_not_found(client, scheme, trainee, organiser):
    client.force_login(organiser)

    for group in (factories.GroupFactory().pk, "x"):
        assert client.post(ask(scheme), {"group": group}).status_code == 404
    assert not StatementExport.objects.exists()


def test_too_many_at_once_sends_the_organiser_back_with_why(
    monkeypatch, client, made, scheme, group, trainee, organiser
):
    monkeypatch.setattr(statement_services, "STATEMENTS_AT_ONCE", 1)
    factories.MembershipFactory(group=group)
    client.force_login(organiser)

    response = made(scheme)

    assert response.status_code == 302
    assert response["Location"] == f"/schemes/{scheme.pk}/overview/"
    assert "At most 1 statements at once" in said(response)
    assert not StatementExport.objects.exists()
    assert not Statement.objects.exists()


def test_no_current_trainee_sends_the_organiser_back(client, scheme, group, organiser):
    client.force_login(organiser)

    response = client.post(ask(scheme))

    assert response.status_code == 302
    assert "No current trainees" in said(response)


@pytest.mark.parametrize(("role", "status"), access(organiser=200))
def test_only_the_schemes_organisers_follow_an_export(export, status, signed_in):
    assert signed_in.get(page(export)).status_code == status
    assert signed_in.get(f"{page(export)}status/").status_code == status


def test_any_organiser_of_the_scheme_follows_it(client, scheme, export):
    client.force_login(factories.OrganiserFactory(scheme=scheme).person)

    assert client.get(page(export)).status_code == 200


def test_the_page_shows_the_progress_and_updates_by_itself(client, organiser, export):
    client.force_login(organiser)

    content = client.get(page(export)).content.decode()
    state = client.get(f"{page(export)}status/").json()

    assert "2</span> of 4 statements" in content
    assert "updates by itself while the statements are rendered" in content
    assert f'data-status-url="{page(export)}status/"' in content
    assert state == {
        "status": "running",
        "label": "Rendering",
        "done": 2,
        "total": 4,
        "download": None,
        "error": "",
    }


def test_a_finished_export_offers_its_file(client, organiser, export):
    finish(export, b"PK the zip")
    client.force_login(organiser)
    download = f"/statement-exports/{export.pk}/download/"

    assert f'href="{download}">Download the ZIP' in client.get(page(export)).content.decode()
    assert client.get(f"{page(export)}status/").json()["download"] == download
    assert b"".join(client.get(download).streaming_content) == b"PK the zip"


def test_a_failed_export_says_why(client, organiser, export):
    StatementExport.objects.filter(pk=export.pk).update(status="failed", error="Went wrong.")
    client.force_login(organiser)

    assert "The export failed: Went wrong." in client.get(page(export)).content.decode()
    assert client.get(f"{page(export)}status/").json()["error"] == "Went wrong."


def test_no_file_before_it_is_ready_or_after_it_expires(client, organiser, export, frozen_now):
    client.force_login(organiser)
    download = f"/statement-exports/{export.pk}/download/"

    assert client.get(download).status_code == 404
    finish(export)
    assert client.get(download).status_code == 200
    frozen_now.move_to(export.expires_at)
    assert client.get(download).status_code == 404
    assert AccessLogEntry.objects.count() == 1  # the one download made


# --- Queries ---------------------------------------------------------------------------------


def test_asking_takes_the_same_queries_however_many_trainees(
    client, scheme, group, trainee, organiser
):
    client.force_login(organiser)

    def asking() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.post(ask(scheme)).status_code == 302
        return len(captured)

    few = asking()
    for _ in range(5):
        factories.MembershipFactory(group=group)
    many = asking()

    assert list(StatementExport.objects.order_by("pk").values_list("total", flat=True)) == [1, 6]
    assert many == few

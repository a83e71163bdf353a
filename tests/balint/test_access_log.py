"""Every export of other people's data writes an access-log entry: who, what, when, where."""

import inspect
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, resolve

from attendance.models import CertificateExport, StatementExport
from groups import services
from groups.models import AccessLogEntry
from tests import factories
from tests.conftest import skip_or_fail
from tests.factories.feedback import EvaluationAnswerFactory, answers, close
from tests.factories.privacy import scene_with_two_people
from tests.factories.sessions import NOW

A = AccessLogEntry.Action

# name -> (URL, who asks, action logged, subject: the one person, or None for several)
EXPORTS = {
    "overview_csv": (
        lambda s: f"/schemes/{s.scheme.pk}/overview.csv",
        "organiser",
        A.OVERVIEW_EXPORT,
        None,
    ),
    "overview_xlsx": (
        lambda s: f"/schemes/{s.scheme.pk}/overview.xlsx",
        "organiser",
        A.OVERVIEW_EXPORT,
        None,
    ),
    "register_csv": (
        lambda s: f"/groups/{s.group.pk}/register.csv",
        "organiser",
        A.REGISTER_EXPORT,
        None,
    ),
    "register_xlsx_by_leader": (
        lambda s: f"/groups/{s.group.pk}/register.xlsx",
        "leader",
        A.REGISTER_EXPORT,
        None,
    ),
    "leading_csv": (
        lambda s: f"/schemes/{s.scheme.pk}/leading.csv",
        "organiser",
        A.LEADING_LOG_EXPORT,
        None,
    ),
    "leading_xlsx": (
        lambda s: f"/schemes/{s.scheme.pk}/leading.xlsx",
        "organiser",
        A.LEADING_LOG_EXPORT,
        None,
    ),
    "certificate_pdf": (
        lambda s: f"/certificates/{s.certificates['zeb'].pk}.pdf",
        "organiser",
        A.CERTIFICATE_PDF,
        "zeb",
    ),
    "certificate_zip": (
        lambda s: f"/exports/{s.export.pk}/download/",
        "organiser",
        A.CERTIFICATE_ZIP,
        None,
    ),
    "feedback_summary": (
        lambda s: f"/sessions/{s.sessions[-2].pk}/feedback/summary/",
        "leader",
        A.FEEDBACK_SUMMARY,
        None,
    ),
    "evaluation_summary": (
        lambda s: f"/evaluations/{s.evaluation.pk}/",
        "organiser",
        A.EVALUATION_SUMMARY,
        None,
    ),
    "evaluation_csv": (
        lambda s: f"/evaluations/{s.evaluation.pk}.csv",
        "organiser",
        A.EVALUATION_EXPORT,
        None,
    ),
    "statement_pdf": (
        lambda s: f"/schemes/{s.scheme.pk}/trainees/{s.zeb.pk}/statement.pdf",
        "organiser",
        A.PROGRESS_VIEW,
        "zeb",
    ),
    "statements_zip": (
        lambda s: f"/statement-exports/{s.statement_export.pk}/download/",
        "organiser",
        A.OVERVIEW_EXPORT,
        None,
    ),
    "trainee_progress": (
        lambda s: f"/schemes/{s.scheme.pk}/trainees/{s.zeb.pk}/",
        "organiser",
        A.PROGRESS_VIEW,
        "zeb",
    ),
}

# URL names of the views above, and of views that download only the asker's own data.
LOGGED_VIEWS = {
    "scheme_overview_export",
    "group_register_export",
    "leading_log_export",
    "certificate_pdf",
    "certificate_export_download",
    "evaluation_export",
    "trainee_statement_pdf",
    "statement_export_download",
}
OWN_DATA_DOWNLOADS = {
    "session_ics": "one session of the asker's own group, for their calendar",
    "my_data_download": "the asker's own data",
    "my_statement_pdf": "the asker's own statement of attendance",
    "leading_record": "the asker's own record of sessions led and co-led",
}


pytestmark = pytest.mark.usefixtures("frozen_now")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def fake_pdf(monkeypatch):
    monkeypatch.setattr("attendance.pdf.render_certificate", lambda certificate: b"%PDF-1.7 fake")
    monkeypatch.setattr("attendance.statement_pdf.render_statement", lambda s: b"%PDF-1.7 fake")


@pytest.fixture
def scene(db):
    scene = scene_with_two_people()
    # Summaries show, and so are logged, once answering has closed with three answers:
    # the week after 18 February is over; the evaluation is closed.
    answers(scene.sessions[-2], [(4, 4, 4)] * 3)
    EvaluationAnswerFactory(evaluation=scene.evaluation)  # with Zeb's and Otto's: three
    close(scene.evaluation)
    scene.export = CertificateExport.objects.create(
        scheme=scene.scheme,
        requested_by=scene.organiser,
        total=2,
        done=2,
        status="done",
        expires_at=NOW + timedelta(hours=1),
    )
    scene.export.certificates.set(scene.certificates.values())
    scene.export.file.save("certificates.zip", ContentFile(b"PK"), save=True)
    scene.statement_export = StatementExport.objects.create(
        scheme=scene.scheme,
        requested_by=scene.organiser,
        which=f"scheme {scene.scheme.name}",
        total=2,
        done=2,
        status="done",
        expires_at=NOW + timedelta(hours=1),
    )
    scene.statement_export.file.save("statements.zip", ContentFile(b"PK"), save=True)
    AccessLogEntry.objects.all().delete()  # the scene's own, from before the test
    return scene


@pytest.mark.parametrize("name", sorted(EXPORTS))
def test_each_export_writes_one_entry(client, scene, name):
    url, who, action, subject = EXPORTS[name]
    actor = getattr(scene, who)
    client.force_login(actor)

    response = client.get(url(scene))

    assert response.status_code == 200
    entry = AccessLogEntry.objects.get()
    assert (entry.actor, entry.action, entry.scheme, entry.accessed_at) == (
        actor,
        action,
        scene.scheme,
        NOW,
    )
    assert entry.subject == (scene.people[subject] if subject else None)
    # Descriptions name groups, schemes or codes, never people.
    for person in scene.people.values():
        assert person.full_name not in entry.description
        assert person.email not in entry.description


def test_refused_requests_write_nothing(client, scene):
    client.force_login(scene.otto)
    for url, *_ in EXPORTS.values():
        assert client.get(url(scene)).status_code in (403, 404)
    client.force_login(scene.organiser)
    assert client.get(f"/schemes/{scene.scheme.pk}/overview.pdf").status_code == 404

    assert not AccessLogEntry.objects.exists()


def test_own_data_writes_nothing(client, scene):
    client.force_login(scene.leader)
    assert client.get(f"/schemes/{scene.scheme.pk}/leading.csv").status_code == 200
    client.force_login(scene.zeb)
    assert client.get(f"/certificates/{scene.certificates['zeb'].pk}.pdf").status_code == 200
    assert client.get(f"/progress/statement.pdf?scheme={scene.scheme.pk}").status_code == 200

    assert not AccessLogEntry.objects.exists()


def test_a_summary_below_the_threshold_shows_nothing_and_logs_nothing(client, scene):
    client.force_login(scene.leader)

    client.get(f"/sessions/{scene.sessions[0].pk}/feedback/summary/")  # no answers there

    assert not AccessLogEntry.objects.exists()


def _views_by_name(patterns=None, found=None):
    found = {} if found is None else found
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            _views_by_name(pattern.url_patterns, found)
        elif isinstance(pattern, URLPattern) and pattern.name:
            found[pattern.name] = pattern.callback
    return found


def test_every_download_view_of_the_apps_is_logged_or_the_askers_own():
    """A new export view fails here until it writes an entry (and joins EXPORTS) or is
    listed as the asker's own data."""
    downloads = set()
    for name, view in _views_by_name().items():
        module = getattr(inspect.unwrap(view), "__module__", "")
        if module.split(".")[0] not in {"groups", "sessions", "attendance", "feedback"}:
            continue
        source = inspect.getsource(inspect.unwrap(view))
        if any(mark in source for mark in ("Content-Disposition", "FileResponse", "_download(")):
            downloads.add(name)

    assert downloads == LOGGED_VIEWS | set(OWN_DATA_DOWNLOADS)


def test_every_logged_view_is_among_the_exports_tested(scene):
    tested = {resolve(url(scene).split("?")[0]).url_name for url, *_ in EXPORTS.values()}

    assert tested >= LOGGED_VIEWS


def test_the_service_refuses_an_unknown_action(db):
    with pytest.raises(ValueError, match="not an access-log action"):
        services.access_log_record(
            actor=factories.UserFactory(), action="peek", scheme=None, description="x"
        )


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_an_entry_does_not_wait_for_the_disk_flush_and_other_writes_still_do():
    if connection.vendor != "postgresql":
        skip_or_fail("needs PostgreSQL")
    organiser = factories.OrganiserFactory()

    with CaptureQueriesContext(connection) as queries:
        services.access_log_record(
            actor=organiser.person,
            action=A.OVERVIEW_EXPORT,
            scheme=organiser.scheme,
            description="x",
        )

    assert "SET LOCAL synchronous_commit TO OFF" in [q["sql"] for q in queries]
    with connection.cursor() as cursor:  # SET LOCAL ended with the entry's transaction
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == "on"
    assert AccessLogEntry.objects.count() == 1

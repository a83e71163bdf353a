"""The bulk statements of attendance (attendance.statement_exports): asked for by an
organiser, issued and rendered by the worker a batch at a time, joined into one ZIP,
purged when they expire. The pages: test_view_statements.py."""

import io
import zipfile
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.text import slugify

from attendance import statement_exports, statement_pdf, statement_services
from attendance.models import CertificateExport, Statement, StatementExport
from attendance.privacy import part
from attendance.tasks import build_statement_export, purge_expired_exports
from groups.models import Membership, SchemeOrganiser
from groups.services import person_erase
from tests import factories
from tests.factories.attendance import attend, held_sessions, past_wednesdays
from tests.factories.certificates import require_weasyprint
from tests.factories.sessions import NOW

pytestmark = pytest.mark.usefixtures("frozen_now")


@pytest.fixture(autouse=True)
def _weasyprint_and_media(settings, tmp_path):
    require_weasyprint()
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def trainees(group):
    """Five current trainees of the group, by name; the first came to two sessions."""
    people = [
        factories.MembershipFactory(group=group, person__full_name=f"Trainee {letter}").person
        for letter in "ABCDE"
    ]
    attend(people[0], held_sessions(group, past_wednesdays(2)), ["present", "present"])
    return people


@pytest.fixture
def small_batches(monkeypatch):
    monkeypatch.setattr(statement_exports, "BATCH_SIZE", 2)


def start(organiser, scheme, people) -> StatementExport:
    return statement_exports.statement_export_start(
        actor=organiser, scheme=scheme, people=people, which=f"scheme {scheme.name}"
    )


def names_in(export: StatementExport) -> list[str]:
    with export.file.open("rb") as handle:
        return zipfile.ZipFile(io.BytesIO(handle.read())).namelist()


# --- Asking --------------------------------------------------------------------------------


def test_asking_issues_nothing_and_queues_the_build_once_committed(
    scheme, organiser, trainees, django_capture_on_commit_callbacks, monkeypatch
):
    queued = []
    monkeypatch.setattr(statement_exports, "enqueue_on_commit", lambda *a: queued.append(a))

    export = start(organiser, scheme, trainees)

    assert (export.status, export.total, export.done) == ("pending", 5, 0)
    assert [e.person for e in export.entries.order_by("position")] == trainees
    assert not Statement.objects.exists()
    assert queued == [("attendance.tasks.build_statement_export", export.pk)]


@pytest.mark.parametrize(
    ("who", "error"),
    [
        ("trainee", PermissionDenied),
        ("leader", PermissionDenied),
        ("other_scheme_organiser", PermissionDenied),
    ],
)
def test_only_the_schemes_organisers_may_ask(request, scheme, trainees, who, error):
    with pytest.raises(error):
        start(request.getfixturevalue(who), scheme, trainees)

    assert not StatementExport.objects.exists()


def test_no_one_to_print_for_is_refused(scheme, organiser):
    with pytest.raises(ValidationError, match="No current trainees"):
        start(organiser, scheme, [])


def test_too_many_at_once_is_refused(monkeypatch, scheme, organiser, trainees):
    monkeypatch.setattr(statement_services, "STATEMENTS_AT_ONCE", 4)

    with pytest.raises(ValidationError, match="At most 4 statements at once"):
        start(organiser, scheme, trainees)


def test_someone_not_a_trainee_of_the_scheme_is_refused(scheme, organiser, trainees):
    with pytest.raises(PermissionDenied):
        start(organiser, scheme, [*trainees, factories.MembershipFactory().person])


# --- Building ------------------------------------------------------------------------------


def test_the_worker_issues_and_renders_every_batch_into_one_zip(
    scheme, organiser, trainees, small_batches, django_capture_on_commit_callbacks
):
    export = start(organiser, scheme, trainees)

    with django_capture_on_commit_callbacks(execute=True):
        build_statement_export.delay(export.pk)

    export.refresh_from_db()
    assert (export.status, export.done, export.total) == ("done", 5, 5)
    entries = list(export.entries.order_by("position").select_related("statement"))
    statements = [entry.statement for entry in entries]
    assert [s.person for s in statements] == trainees
    assert Statement.objects.count() == 5
    assert statements[0].sessions_counted == 2
    assert names_in(export) == [statement_pdf.filename(s) for s in statements]
    slug = slugify(f"scheme {scheme.name}")
    assert export.file.name == f"statement-exports/statements-{slug}-{export.pk}.zip"
    # The batches' parts went once the ZIP was committed.
    storage = export.file.storage
    assert (
        not storage.exists(f"statement-exports/{export.pk}")
        or not storage.listdir(f"statement-exports/{export.pk}")[1]
    )


def test_progress_is_committed_batch_by_batch(
    scheme, organiser, trainees, small_batches, monkeypatch
):
    export = start(organiser, scheme, trainees)
    seen = []
    render = statement_pdf.render_statement

    def watching(statement):
        # What another connection (the progress page) would read, as each PDF is made.
        seen.append(StatementExport.objects.values_list("done", flat=True).get(pk=export.pk))
        return render(statement)

    monkeypatch.setattr(statement_pdf, "render_statement", watching)

    statement_exports.statement_export_build(export_id=export.pk)

    assert seen == [0, 0, 2, 2, 4]


def test_a_delivery_again_goes_on_from_the_first_batch_not_committed(
    scheme, organiser, trainees, small_batches, monkeypatch
):
    """A worker lost in the second batch: its transaction rolled back, the first stands."""
    export = start(organiser, scheme, trainees)
    render = statement_pdf.render_statement
    calls = []

    def dying_in_the_second_batch(statement):
        calls.append(statement)
        if len(calls) == 3:
            raise SystemExit("worker lost")
        return render(statement)

    monkeypatch.setattr(statement_pdf, "render_statement", dying_in_the_second_batch)
    with pytest.raises(SystemExit):
        statement_exports.statement_export_build(export_id=export.pk)
    export.refresh_from_db()
    assert (export.status, export.done) == ("running", 2)
    first_batch = set(Statement.objects.values_list("code", flat=True))
    assert len(first_batch) == 2

    monkeypatch.setattr(statement_pdf, "render_statement", render)
    statement_exports.statement_export_build(export_id=export.pk)

    export.refresh_from_db()
    assert (export.status, export.done) == ("done", 5)
    assert Statement.objects.count() == 5  # no one issued two
    assert first_batch <= set(Statement.objects.values_list("code", flat=True))
    assert len(names_in(export)) == 5


def test_a_finished_export_delivered_again_is_left_alone(scheme, organiser, trainees):
    export = start(organiser, scheme, trainees)
    statement_exports.statement_export_build(export_id=export.pk)
    export.refresh_from_db()
    file_name = export.file.name

    statement_exports.statement_export_build(export_id=export.pk)

    export.refresh_from_db()
    assert Statement.objects.count() == 5
    assert (export.status, export.file.name) == ("done", file_name)


def test_a_failed_export_is_not_built(scheme, organiser, trainees):
    export = start(organiser, scheme, trainees)
    StatementExport.objects.filter(pk=export.pk).update(status="failed", error="earlier")

    statement_exports.statement_export_build(export_id=export.pk)

    assert not Statement.objects.exists()


def test_an_organiser_who_stepped_down_before_the_build_gets_a_failed_export(
    scheme, organiser, trainees
):
    export = start(organiser, scheme, trainees)
    SchemeOrganiser.objects.filter(person=organiser).delete()

    with pytest.raises(PermissionDenied):
        build_statement_export.delay(export.pk)

    export.refresh_from_db()
    assert (export.status, export.error) == ("failed", "Only the scheme's organisers can do this.")
    assert not Statement.objects.exists()


def test_erasing_a_trainee_deletes_the_export_and_a_late_build_does_nothing(
    scheme, organiser, trainees
):
    """The ZIP would print their name (attendance.privacy)."""
    export = start(organiser, scheme, trainees)
    Membership.objects.filter(person=trainees[3]).update(end_date=NOW.date() - timedelta(days=1))
    person_erase(actor=None, person=trainees[3])

    assert build_statement_export.delay(export.pk).get() == 0

    assert not StatementExport.objects.exists()
    assert not Statement.objects.exists()


def test_an_export_deleted_between_two_batches_stops_there(
    scheme, organiser, trainees, small_batches, monkeypatch
):
    """An erasure waits for the batch's lock, deletes the export, and the next batch
    finds it gone."""
    export = start(organiser, scheme, trainees)
    build_batch = statement_exports._build_batch

    def deleted_after_the_first(export_id, index):
        if index == 1:
            StatementExport.objects.filter(pk=export_id).delete()
        return build_batch(export_id, index)

    monkeypatch.setattr(statement_exports, "_build_batch", deleted_after_the_first)

    assert statement_exports.statement_export_build(export_id=export.pk) == 0
    assert Statement.objects.count() == 2  # the first batch's, issued before
    assert not StatementExport.objects.exists()


def test_a_batch_takes_the_same_queries_however_many_trainees(
    scheme, group, organiser, trainees, django_capture_on_commit_callbacks
):
    def build_queries(people) -> int:
        export = start(organiser, scheme, people)
        with CaptureQueriesContext(connection) as captured:
            statement_exports.statement_export_build(export_id=export.pk)
        return len(captured)

    assert build_queries(trainees[:1]) == build_queries(trainees)


# --- Expiry --------------------------------------------------------------------------------


def test_expired_exports_are_purged_and_their_statements_kept(
    scheme, organiser, trainees, frozen_now
):
    old = start(organiser, scheme, trainees[:2])
    statement_exports.statement_export_build(export_id=old.pk)
    old.refresh_from_db()
    storage, name = old.file.storage, old.file.name
    frozen_now.move_to(NOW + timedelta(hours=23))
    fresh = start(organiser, scheme, trainees[2:])
    frozen_now.move_to(NOW + timedelta(hours=25))

    assert purge_expired_exports() == 1

    assert list(StatementExport.objects.all()) == [fresh]
    assert not storage.exists(name)
    assert Statement.objects.count() == 2


# --- Personal data -------------------------------------------------------------------------


def test_the_organisers_data_lists_the_exports_they_asked_for(scheme, organiser, trainees):
    statements = start(organiser, scheme, trainees)
    certificates = CertificateExport.objects.create(
        scheme=scheme, requested_by=organiser, total=3, expires_at=NOW + timedelta(hours=1)
    )

    exported = part.export(organiser)

    assert exported["statement_exports_you_requested"] == [
        {
            "export_id": statements.pk,
            "scheme": scheme.name,
            "requested_at": statements.created_at.isoformat(),
            "statements": 5,
            "status": "Waiting",
        }
    ]
    assert exported["certificate_exports_you_requested"] == [
        {
            "export_id": certificates.pk,
            "scheme": scheme.name,
            "requested_at": certificates.created_at.isoformat(),
            "certificates": 3,
            "status": "Waiting",
        }
    ]
    assert part.export(trainees[0])["statement_exports_you_requested"] == []

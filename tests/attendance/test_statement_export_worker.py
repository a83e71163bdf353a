"""A bulk statement download survives its worker being killed (`kill -9`) mid-run.

A real `celery worker` process (the prefork pool, production settings) on the test's
PostgreSQL and a private Redis. The pool process is killed while it renders the second
batch; the worker gives the task back (task_reject_on_worker_lost) and the next delivery
goes on from the first batch not committed: every trainee gets one statement, and the ZIP
holds them all.
"""

import io
import os
import signal
import zipfile
from pathlib import Path

import pytest

from attendance import statement_exports, statement_pdf
from attendance.models import Statement, StatementExport
from tests import factories
from tests.factories.certificates import require_weasyprint
from tests.production import current_database_url
from tests.workers import answer, wait_for

pytestmark = [
    pytest.mark.services,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    # First, so that SQLite skips before a private Redis is started for nothing.
    pytest.mark.usefixtures("postgres_only"),
]

TRAINEES = 2 * statement_exports.BATCH_SIZE + 5  # three batches


def pool_processes(worker) -> list[int]:
    """The worker's pool processes: its children."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended while we looked
        if int(fields[1]) == worker.pid:
            found.append(int(stat.parent.name))
    return found


def test_a_worker_killed_mid_export_leaves_one_statement_per_trainee(
    worker_process, send, tmp_path, settings, monkeypatch
):
    require_weasyprint()
    settings.MEDIA_ROOT = tmp_path / "media"  # the worker's: BALINT_VAR_DIR is tmp_path
    group = factories.GroupFactory()
    organiser = factories.OrganiserFactory(scheme=group.scheme).person
    for _ in range(TRAINEES):
        factories.MembershipFactory(group=group)
    # Sent below to the worker's Redis, not run in place as the test settings would.
    monkeypatch.setattr(statement_exports, "enqueue_on_commit", lambda *args: None)
    export = statement_exports.statement_export_start(
        actor=organiser,
        scheme=group.scheme,
        people=[m.person for m in group.memberships.order_by("person__full_name")],
        which="scheme",
    )
    worker = worker_process("", current_database_url())
    assert answer(send("groups.tasks.ping"), worker) == "pong"  # up and consuming
    progress = StatementExport.objects.filter(pk=export.pk)

    send("attendance.tasks.build_statement_export", export.pk)
    wait_for(lambda: progress.get().done >= statement_exports.BATCH_SIZE, "the first batch")
    [pool] = pool_processes(worker)
    os.kill(pool, signal.SIGKILL)
    killed_at = progress.get()
    wait_for(lambda: progress.get().status in ("done", "failed"), "the export's end")

    assert killed_at.status == "running"
    assert statement_exports.BATCH_SIZE <= killed_at.done < TRAINEES  # killed mid-run
    export.refresh_from_db()
    assert (export.status, export.done) == ("done", TRAINEES), worker.log.read_text()[-3000:]
    assert "signal 9" in worker.log.read_text()  # the worker saw its pool process die
    assert Statement.objects.count() == TRAINEES  # no one issued two
    assert export.entries.filter(statement__isnull=True).count() == 0
    with export.file.open("rb") as handle:
        names = zipfile.ZipFile(io.BytesIO(handle.read())).namelist()
    assert sorted(names) == sorted(map(statement_pdf.filename, Statement.objects.all()))

import logging

from celery import shared_task
from celery.signals import worker_init
from django.core.exceptions import ValidationError

from attendance import certificate_exports, figures, pdf, services, statement_exports

# Registered with the worker by being imported here (autodiscovery reads tasks.py only).
from attendance.assessments.tasks import remind_overdue_assessments  # noqa: F401
from attendance.models import CertificateExport, StatementExport
from attendance.statuses import ExportStatus
from groups.models import Scheme, User

logger = logging.getLogger(__name__)


@worker_init.connect
def _warm_up_certificates(**kwargs) -> None:
    """Render once in the worker's main process, before it forks the pool: otherwise
    each pool process pays about a second on its first export. A failure is logged, not
    raised: a worker that cannot render certificates must still send reminders."""
    try:
        pdf.warm_up()
    except Exception:
        logger.exception("Certificate rendering failed to warm up.")


def _marking_failure(model, export_id: int, work):
    """Run `work`; on error the export page shows the failure instead of spinning for ever.

    The error is re-raised so it is logged and visible in the worker.
    """
    try:
        return work()
    except Exception as exc:
        said = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        model.objects.filter(pk=export_id).update(status=ExportStatus.FAILED, error=said[:200])
        raise


@shared_task(acks_late=True)
def build_certificate_export(export_id: int) -> int:
    export = _marking_failure(
        CertificateExport,
        export_id,
        lambda: certificate_exports.certificate_export_build(export_id=export_id),
    )
    return export.total


@shared_task(acks_late=True)
def render_certificate_export_chunk(export_id: int, index: int) -> None:
    _marking_failure(
        CertificateExport,
        export_id,
        lambda: certificate_exports.certificate_export_render_chunk(
            export_id=export_id, index=index
        ),
    )


@shared_task(acks_late=True)
def build_statement_export(export_id: int) -> int:
    return _marking_failure(
        StatementExport,
        export_id,
        lambda: statement_exports.statement_export_build(export_id=export_id),
    )


@shared_task
def purge_expired_exports() -> int:
    return (
        certificate_exports.certificate_exports_purge()
        + statement_exports.statement_exports_purge()
    )


@shared_task(acks_late=True)
def issue_eligible_certificates(scheme_id: int, actor_id: int) -> int:
    """Certificates for everyone eligible; run again, it issues only what is still due."""
    scheme = Scheme.objects.get(pk=scheme_id)
    actor = User.objects.get(pk=actor_id)
    return len(services.certificates_issue_eligible(actor=actor, scheme=scheme))


@shared_task
def rebuild_figures(scheme_id: int | None = None) -> int:
    """Nightly: recompute the figures table, repairing what the clock moved (sessions
    that passed) and any drift. Returns, and logs, how many rows were corrected."""
    scheme = Scheme.objects.get(pk=scheme_id) if scheme_id is not None else None
    corrected = figures.figures_rebuild(scheme=scheme)
    # Rows go stale as sessions pass, so some are expected; many more would mean a
    # write path that forgets to refresh.
    logger.log(
        logging.WARNING if corrected else logging.INFO,
        "Figures rebuilt: %s rows corrected",
        corrected,
    )
    return corrected

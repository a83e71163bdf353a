from celery import shared_task

from attendance import services
from attendance.models import CertificateExport


@shared_task(acks_late=True)
def build_certificate_export(export_id: int) -> int:
    try:
        export = services.certificate_export_build(export_id=export_id)
    except Exception as exc:
        # The page shows the failure instead of spinning for ever; the error is re-raised
        # so it is logged and visible in the worker.
        CertificateExport.objects.filter(pk=export_id).update(
            status=CertificateExport.Status.FAILED, error=str(exc)[:200]
        )
        raise
    return export.done


@shared_task
def purge_expired_exports() -> int:
    return services.certificate_exports_purge()

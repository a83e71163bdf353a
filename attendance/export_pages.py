"""What every bulk export's pages share (certificates, statements): its progress page,
the status its script polls, and the file once it is ready."""

from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import render
from django.utils import timezone

from attendance.statuses import ExportStatus


def progress_page(request, export, *, title: str, noun: str, urls: dict[str, str], back: str):
    """`urls`: "status", "download" and "back" (the page it was asked from, named `back`)."""
    return render(
        request,
        "attendance/export_progress.html",
        {"export": export, "title": title, "noun": noun, "urls": urls, "back": back},
    )


def status_answer(export, download_url: str) -> JsonResponse:
    return JsonResponse(
        {
            "status": export.status,
            "label": export.get_status_display(),
            "done": export.done,
            "total": export.total,
            "download": download_url if export.status == ExportStatus.DONE else None,
            "error": export.error,
        }
    )


def ready_file(export) -> FileResponse:
    if export.status != ExportStatus.DONE or export.expires_at <= timezone.now():
        raise Http404("This export is not ready or has expired.")
    return FileResponse(
        export.file.open("rb"), as_attachment=True, filename=export.file.name.rsplit("/", 1)[-1]
    )

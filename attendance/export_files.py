"""Files of the bulk exports (certificates, statements): the parts each batch renders,
the ZIP the last step assembles from them, and their removal."""

import zipfile
from collections.abc import Callable, Iterable

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from attendance.pdf import ZIP_TIMESTAMP
from attendance.statuses import ExportStatus


def part_name(folder: str, index: int) -> str:
    return f"{folder}/part-{index:05d}.zip"


def save_replacing(storage, name: str, content: bytes) -> None:
    """Save under exactly `name`: a copy left by a run that died before committing is
    replaced, where the storage would otherwise save beside it under another name."""
    if storage.exists(name):
        storage.delete(name)
    storage.save(name, ContentFile(content))


def write_pdfs(archive: zipfile.ZipFile, named: Iterable[tuple[str, bytes]]) -> None:
    for name, body in named:
        # WeasyPrint's PDFs are compressed already: deflating again buys nothing.
        archive.writestr(zipfile.ZipInfo(name, date_time=ZIP_TIMESTAMP), body, zipfile.ZIP_STORED)


def parts_in_order(storage, part_names: Iterable[str]) -> Iterable[tuple[str, bytes]]:
    """(name, PDF) of every file of the parts, in the order given."""
    for part_file in part_names:
        with storage.open(part_file) as handle, zipfile.ZipFile(handle) as part:
            for name in part.namelist():
                yield name, part.read(name)


def delete_folder(storage, folder: str) -> None:
    """Every file in the folder: the parts of an export, a stray copy included."""
    if storage.exists(folder):
        for name in storage.listdir(folder)[1]:
            storage.delete(f"{folder}/{name}")


def finish(export, filename: str, content: bytes, parts_folder: str) -> None:
    """Store the export's ZIP and mark it ready. The parts go once that commits: if this
    run dies first, the next delivery assembles again from them."""
    storage = export.file.storage
    # Under its own name, replacing what a run that died before committing left there.
    name = export.file.field.generate_filename(export, filename)
    if storage.exists(name):
        storage.delete(name)
    export.file.save(filename, ContentFile(content), save=False)
    export.status, export.finished_at = ExportStatus.DONE, timezone.now()
    export.save(update_fields=["file", "status", "finished_at"])
    transaction.on_commit(lambda: delete_folder(storage, parts_folder))


def purge(exports: QuerySet, parts_folder: Callable[[int], str]) -> int:
    """Delete the exports, their files and parts. Returns how many."""
    storage = exports.model._meta.get_field("file").storage
    count = 0
    for export in exports:
        if export.file:
            export.file.delete(save=False)
        delete_folder(storage, parts_folder(export.pk))
        export.delete()
        count += 1
    return count

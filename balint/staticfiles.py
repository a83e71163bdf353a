"""Front-end files taken from Python packages, only the ones the templates use.

Listing a package's whole folder in STATICFILES_DIRS collected all of Bootstrap's builds
(8.5 MB, 1,000 files once hashed and compressed twice), which made every `collectstatic`
take 25 s of two cores for two files the pages load.
"""

from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.checks import Error
from django.core.files.storage import FileSystemStorage


class PackageFilesFinder(finders.BaseFinder):
    """Finds the files named in settings.PACKAGE_STATIC_FILES: {prefix: (folder, [names])}."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.storages: dict[str, FileSystemStorage] = {}
        self.names: dict[str, list[str]] = {}
        for prefix, (folder, names) in settings.PACKAGE_STATIC_FILES.items():
            storage = FileSystemStorage(location=folder)
            storage.prefix = prefix  # collectstatic copies to <prefix>/<name>
            self.storages[prefix] = storage
            self.names[prefix] = list(names)

    def check(self, **kwargs):
        return [
            Error(f"{name} is not in {storage.location}", id="balint.E002")
            for prefix, storage in self.storages.items()
            for name in self.names[prefix]
            if not Path(storage.path(name)).is_file()
        ]

    def find(self, path: str, find_all: bool = False, **kwargs):
        prefix, _, name = path.partition("/")
        found = []
        if name in self.names.get(prefix, ()):
            found = [self.storages[prefix].path(name)]
            finders.searched_locations.append(self.storages[prefix].location)
        if find_all:
            return found
        return found[0] if found else []

    def list(self, ignore_patterns) -> Iterator[tuple[str, FileSystemStorage]]:
        for prefix, storage in self.storages.items():
            for name in self.names[prefix]:
                yield name, storage

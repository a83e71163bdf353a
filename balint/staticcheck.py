"""Production refuses to start without collected static files.

With DEBUG off, every `{% static %}` is looked up in the manifest that
collectstatic writes: without it every page answers 500, and nothing says why.
gunicorn runs this module before it starts any worker (balint/gunicorn.conf.py),
and balint/wsgi.py checks again wherever else the app is loaded.
"""

import sys

from django.conf import settings
from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage

COLLECTSTATIC = "python manage.py collectstatic --no-input"


def missing_static_manifest() -> str | None:
    """The one line to tell the operator if static files were never collected, else None."""
    if settings.DEBUG or not isinstance(staticfiles_storage, ManifestFilesMixin):
        return None
    if staticfiles_storage.read_manifest() is not None:
        return None
    manifest = staticfiles_storage.path(staticfiles_storage.manifest_name)
    return f"Static files are not collected ({manifest} is missing): run `{COLLECTSTATIC}`."


if __name__ == "__main__":
    sys.exit(missing_static_manifest())  # the line on stderr and status 1, or status 0

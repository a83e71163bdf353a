import os

from django.core.wsgi import get_wsgi_application
from gunicorn.errors import AppImportError

from balint.staticcheck import missing_static_manifest

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "balint.settings")


class StaticFilesNotCollected(AppImportError):
    """gunicorn prints an AppImportError as its message alone and stops, where any
    other error is a traceback in every worker."""


application = get_wsgi_application()

# Wherever the app is loaded (gunicorn without our config, runserver with DEBUG off):
# refuse to start rather than answer 500 to every page (balint/staticcheck.py).
if problem := missing_static_manifest():
    raise StaticFilesNotCollected(problem)

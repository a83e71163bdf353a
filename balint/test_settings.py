"""Settings for the test suite: the real settings, with speed and isolation tweaks.

DATABASE_URL and REDIS_URL still come from the environment, so `make test`
runs on SQLite by default and CI runs the same suite on PostgreSQL and Redis.
"""

import os
from urllib.parse import urlsplit, urlunsplit


def own_redis_database(url: str, process: str) -> str:
    """The Redis database of a pytest-xdist process ("gw0" uses 1, "gw1" 2, ... up to 8 with
    --maxprocesses=8), as it has a test database of its own; outside pytest-xdist, the one
    REDIS_URL names. A worker started by one process then never takes another's tasks, and
    control messages (ping, purge) stay inside the database too: kombu prefixes its
    broadcast channels with the database's number. The benchmarks use 11 to 13."""
    if not process.startswith("gw"):
        return url
    return urlunsplit(urlsplit(url)._replace(path=f"/{int(process[2:]) + 1}"))


# Before the settings read it, and for the worker processes tests start.
if os.environ.get("REDIS_URL"):
    os.environ["REDIS_URL"] = own_redis_database(
        os.environ["REDIS_URL"], os.environ.get("PYTEST_XDIST_WORKER", "")
    )

os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "test-" + "x" * 60)
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault(
    "BALINT_VAR_DIR", os.path.join(os.path.dirname(__file__), "..", "var", "test")
)

from balint.settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
WHITENOISE_AUTOREFRESH = True

# Tasks run in-process unless a test starts a real worker (tests/balint/test_celery_worker.py).
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True

# The cache is per test run: a Redis cache would leak rate-limit counters
# between tests, so tests that need Redis say so explicitly.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Sessions in the database alone, with or without REDIS_URL, so query counts are the
# same everywhere; the tests of production's cached_db turn it on
# (tests/balint/test_session_cache.py, tests/balint/test_redis_outage.py).
SESSION_ENGINE = "django.contrib.sessions.backends.db"
# Organisers sign in with a second factor; the tests of that rule turn it on
# (tests/balint/test_second_factor.py), the rest sign in with force_login.
SECOND_FACTOR_REQUIRED = False

"""The environment production starts with, for tests that read settings or start servers
in a subprocess."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[1]

# Variables the test runner or CI may set that would change what production reads.
INHERITED = ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "EMAIL_BACKEND", "SECURE_SSL_REDIRECT")


def production_env(var_dir, **overrides) -> dict[str, str]:
    """This process's environment as production would have it; an override of None removes
    the variable."""
    environ = {k: v for k, v in os.environ.items() if k not in INHERITED}
    environ.update(
        DJANGO_SETTINGS_MODULE="balint.settings",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(45)[:60],
        ALLOWED_HOSTS="balint.example.org",
        BALINT_VAR_DIR=str(var_dir),
    )
    for key, value in overrides.items():
        if value is None:
            environ.pop(key, None)
        else:
            environ[key] = value
    return environ


def current_database_url() -> str:
    """The URL of the PostgreSQL database this test runs on, for another process."""
    from django.db import connection

    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return (
        f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        f"/{db['NAME']}"
    )


def run(args, environ) -> subprocess.CompletedProcess:
    """`python *args` in the project folder with `environ`, its output captured."""
    return subprocess.run(
        [sys.executable, *args], cwd=BASE_DIR, env=environ, capture_output=True, text=True
    )


def read_setting(var_dir, expression: str, **overrides) -> subprocess.CompletedProcess:
    """What production prints for `expression` (evaluated with `settings` at hand) after
    django.setup(), with production_env's overrides."""
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print({expression})"
    )
    return run(["-c", code], production_env(var_dir, **overrides))

"""The environment production starts with, for tests that read settings or start servers
in a subprocess."""

import os
import secrets

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

"""Production refuses to start without collected static files (balint/staticcheck.py):
one line that says what to run, instead of a 500 on every page."""

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from balint.staticcheck import COLLECTSTATIC, missing_static_manifest
from tests.production import production_env
from tests.redis_server import free_port

BASE_DIR = Path(__file__).resolve().parents[2]
MANIFEST_STORAGE = "whitenoise.storage.CompressedManifestStaticFilesStorage"
# Guards against a server that hangs; not a performance assertion.
WAIT_SECONDS = 60


def write_manifest(static_root: Path) -> None:
    static_root.mkdir(parents=True, exist_ok=True)
    manifest = {"paths": {}, "version": "1.1", "hash": ""}
    (static_root / "staticfiles.json").write_text(json.dumps(manifest))


@pytest.fixture
def production_static(settings, tmp_path):
    settings.DEBUG = False
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": MANIFEST_STORAGE}}
    settings.STATIC_ROOT = tmp_path / "static"
    return settings.STATIC_ROOT


def test_without_a_manifest_the_check_names_what_to_run(production_static):
    problem = missing_static_manifest()

    assert problem == (
        f"Static files are not collected ({production_static / 'staticfiles.json'} is missing): "
        "run `python manage.py collectstatic --no-input`."
    )


def test_with_a_manifest_the_check_passes(production_static):
    write_manifest(production_static)
    assert missing_static_manifest() is None


def test_development_and_the_test_suite_need_no_manifest(settings, production_static):
    settings.DEBUG = True
    assert missing_static_manifest() is None

    settings.DEBUG = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    assert missing_static_manifest() is None


# --- gunicorn, as production starts it -------------------------------------------------


def gunicorn(tmp_path, port):
    env = production_env(
        tmp_path,
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=None,
        REDIS_URL=None,
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS="2",
    )
    command = [sys.executable, "-m", "gunicorn", "balint.wsgi", "-c", "balint/gunicorn.conf.py"]
    return subprocess.Popen(
        command, cwd=BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def healthz(port) -> int | None:
    try:
        # A worker's first request imports the app, which takes seconds on a cold machine.
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=WAIT_SECONDS) as r:
            return r.status
    except (urllib.error.URLError, ConnectionError):
        return None


def test_gunicorn_refuses_to_start_without_collected_static_files(tmp_path):
    server = gunicorn(tmp_path, free_port())
    try:
        _, errors = server.communicate(timeout=WAIT_SECONDS)
    finally:
        server.kill()

    assert server.returncode != 0
    lines = [line for line in errors.splitlines() if "Static files are not collected" in line]
    assert len(lines) == 1, errors
    assert lines[0].endswith(f"run `{COLLECTSTATIC}`.")


def test_gunicorn_serves_once_static_files_are_collected(tmp_path):
    write_manifest(tmp_path / "static")
    port = free_port()
    server = gunicorn(tmp_path, port)
    try:
        deadline = time.monotonic() + WAIT_SECONDS
        while (status := healthz(port)) is None and server.poll() is None:
            assert time.monotonic() < deadline, "gunicorn never answered"
            time.sleep(0.2)
        assert status == 200, server.stderr.read() if server.poll() is not None else status
    finally:
        server.terminate()
        server.communicate(timeout=WAIT_SECONDS)

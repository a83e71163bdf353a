"""A private redis-server per test, to stop and start again on the same port.

The shared Redis (127.0.0.1:6379) serves CI and everyone else's tests, so a test
that takes Redis away starts its own. tests/conftest.py loads this module as a
plugin: ask for `private_redis` by name, and for `production_redis_settings` for the
cache and session engine production configures with REDIS_URL set.
"""

import json
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis

from tests.production import production_env

# Guards against a server that never comes up or goes away; not performance assertions.
WAIT_SECONDS = 10
BASE_DIR = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    def __init__(self, port: int, folder: Path):
        self.port, self.folder = port, folder
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, socket_connect_timeout=1, socket_timeout=1)

    def start(self) -> None:
        command = [
            "redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "no", "--daemonize", "no", "--dir", str(self.folder),
        ]  # fmt: skip
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            try:
                self.client().ping()
                return
            except redis.ConnectionError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"redis-server did not start on port {self.port}") from None
                time.sleep(0.05)

    def stop(self, *, keep_data: bool = False) -> None:
        """Stop the server. With keep_data, its data is back after start(), as with
        a Redis that persists (docker-compose.yml's does)."""
        if self.process is None or self.process.poll() is not None:
            return
        dump = self.folder / "dump.rdb"
        if keep_data:
            self.client().shutdown(save=True)
        else:
            dump.unlink(missing_ok=True)
            self.process.terminate()
        try:
            self.process.wait(timeout=WAIT_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def private_redis(tmp_path):
    from tests.conftest import skip_or_fail

    if shutil.which("redis-server") is None:
        skip_or_fail("redis-server is not installed: no private Redis to stop and start")
    server = RedisServer(free_port(), tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def production_redis_settings(tmp_path_factory):
    """CACHES["default"] and SESSION_ENGINE as production reads them with REDIS_URL set."""
    environ = production_env(
        tmp_path_factory.mktemp("production"), REDIS_URL="redis://127.0.0.1:6379/0"
    )
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        "print(json.dumps({'cache': settings.CACHES['default'], "
        "'session_engine': settings.SESSION_ENGINE}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=BASE_DIR, env=environ, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)

"""gunicorn settings for production (docker-compose `web`). Override with GUNICORN_* env."""

import multiprocessing
import os
import subprocess
import sys

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", 2))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
# Peers gunicorn believes for X-Forwarded-Proto (wsgi.url_scheme) only. gunicorn
# keeps REMOTE_ADDR as the socket peer and never reads X-Forwarded-For; the client
# address for rate limits comes from TRUSTED_PROXY_COUNT (balint/ratelimit.py).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# Requests run without PostgreSQL's parallel workers (balint/settings.py says why).
os.environ.setdefault("DB_PARALLEL_QUERY", "0")


def on_starting(server):
    """Refuse to start, in one line and before any worker, without collected static
    files (balint/staticcheck.py). A separate process, so the master imports no Django
    and a HUP still reloads everything."""
    if subprocess.run([sys.executable, "-m", "balint.staticcheck"], check=False).returncode:
        sys.exit(1)

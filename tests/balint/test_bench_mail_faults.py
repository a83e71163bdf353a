"""bench/mail_faults.py runs to completion at a small size. Figures are printed, not asserted.

It needs what it measures: PostgreSQL (DATABASE_URL names the server; the benchmark creates
and drops its own database there) and Redis (its own database, emptied).
"""

import os

import pytest

from tests.balint.test_bench import run
from tests.conftest import skip_or_fail

pytestmark = [pytest.mark.slow, pytest.mark.services]


@pytest.fixture
def postgres_url():
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        skip_or_fail("DATABASE_URL is not PostgreSQL: the benchmark's workers share a database")
    return url


def test_the_mail_faults_benchmark_runs_at_a_small_size(postgres_url, redis_url, tmp_path):
    output = tmp_path / "results.md"
    output.write_text("# Benchmark results\n\nPages.\n")
    stdout = run(
        "bench/mail_faults.py",
        f"--database-url={postgres_url}",
        f"--redis-url={redis_url.rsplit('/', 1)[0]}/12",
        "--count=30",
        "--down-seconds=3",
        "--refuse-seconds=1",
        "--timeout=120",
        f"--output={output}",
        tmp_path=tmp_path,
    )
    assert "| worker killed mid-send, restarted | 30 |" in stdout
    text = output.read_text()
    assert text.startswith("# Benchmark results\n\nPages.\n\n## Mail under faults\n")
    assert text.count("| server away mid-batch | 30 |") == 1

"""The benchmark scripts run to completion at a small size. Figures are printed, not asserted."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, tmp_path: Path) -> str:
    result = subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        env={"PATH": str(Path(sys.executable).parent) + ":/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


@pytest.mark.slow
def test_the_page_benchmark_runs_at_a_small_size(tmp_path):
    output = tmp_path / "results.md"
    output.write_text(
        "# Benchmark results\n\nIntro.\n\n## Realistic load\n\nHeadline.\n\n"
        "## Single client (page benchmark)\n\nOld figures.\n\n## Other bench\n\nKept.\n"
    )
    stdout = run(
        "bench/pages.py",
        f"--database-url=sqlite:///{tmp_path / 'bench.sqlite3'}",
        # The smallest that still has a held session and a current trainee to request as.
        "--small=6/1/1",
        "--large=12/2/1",
        "--requests=1",
        "--clients=1",
        "--workers=1",
        "--jobs",
        f"--output={output}",
        tmp_path=tmp_path,
    )
    assert "| scheme overview |" in stdout
    # Its own section replaced in place; the headline above it and the others kept.
    written = output.read_text()
    assert written.startswith("# Benchmark results\n\nIntro.\n\n## Realistic load\n\nHeadline.\n")
    assert "Old figures." not in written
    assert "| background job (large) | seconds |" in written
    single = written.index("## Single client (page benchmark)\n")
    assert written.index("## Realistic load") < single < written.index("## Other bench\n\nKept.")


@pytest.mark.slow
def test_the_certificate_benchmark_runs_at_a_small_size(tmp_path):
    stdout = run("bench/certificates.py", "--count=12", "--workers=1", tmp_path=tmp_path)
    assert "bulk, per certificate" in stdout


@pytest.mark.slow
def test_the_certificate_benchmark_runs_on_redis_as_in_production(tmp_path, redis_url):
    # Its own Redis database: the benchmark empties it first.
    bench_url = redis_url.rsplit("/", 1)[0] + "/13"
    stdout = run(
        "bench/certificates.py",
        "--count=12",
        "--workers=1",
        f"--redis-url={bench_url}",
        tmp_path=tmp_path,
    )
    assert "broker: Redis" in stdout
    assert "bulk export (12 PDFs in a ZIP)" in stdout

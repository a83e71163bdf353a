"""bench/clash_scan.py runs to completion at a small size. Figures are printed, not asserted."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_the_clash_scan_benchmark_runs_at_a_small_size(tmp_path):
    result = subprocess.run(
        [sys.executable, "bench/clash_scan.py", "--trainees=40", "--shifts=30"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={"PATH": str(Path(sys.executable).parent) + ":/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "40 trainees in 4 groups, 208 sessions, 1200 shifts" in result.stdout
    assert "full scan, sort-and-sweep:" in result.stdout
    assert "nightly recompute, again:" in result.stdout

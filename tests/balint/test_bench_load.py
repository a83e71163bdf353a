"""The realistic-load bench runs to completion at a tiny size. Timings are never asserted."""

import importlib.util
import os
import re
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.balint.test_bench import ROOT, run

ROLE_PAGES = {
    "trainee": {"trainee home", "my rota", "my progress", "empty page"},
    "leader": {"leader home", "group page", "group sessions", "register", "group register CSV"},
    "organiser": {
        "organiser home",
        "scheme page",
        "people page",
        "scheme overview",
        "overview CSV",
    },
}


def database_url(tmp_path) -> str:
    """PostgreSQL when the suite runs on it (a database of the bench's own, dropped and
    created anew by it), else SQLite."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        # One per pytest-xdist process, as the test databases are.
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        return urlunsplit(urlsplit(url)._replace(path=f"/balint_bench_load_test_{worker}"))
    return f"sqlite:///{tmp_path / 'load.sqlite3'}"


def results_file():
    """bench/results_file.py, which the bench scripts import from next to them."""
    spec = importlib.util.spec_from_file_location("results_file", ROOT / "bench/results_file.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_section_is_replaced_in_place_or_added_first_or_last(tmp_path):
    results = results_file()
    path = tmp_path / "results.md"
    results.write_section(path, "## Single client", "## Single client\n\nOne.\n")
    assert path.read_text() == (f"{results.TITLE}\n\n{results.INTRO}\n## Single client\n\nOne.\n")
    results.write_section(path, "## Mail", "## Mail\n\nMail.\n")
    results.write_section(path, "## Load", "## Load\n\nHeadline.\n", first=True)
    results.write_section(path, "## Single client", "## Single client\n\nTwo.\n")
    results.write_section(path, "## Load", "## Load\n\nAgain.\n", first=True)
    text = path.read_text()
    assert text.startswith(f"{results.TITLE}\n\n{results.INTRO}\n## Load\n\nAgain.\n\n")
    assert text.endswith("## Single client\n\nTwo.\n\n## Mail\n\nMail.\n")
    assert "One." not in text and "Headline." not in text


def rows(stdout: str) -> dict[str, tuple[set[str], int]]:
    """request -> (roles, answers) from the printed table."""
    table = {}
    for line in stdout.splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if len(cells) == 6 and cells[2].isdigit():
            table[cells[0]] = (set(cells[1].split(", ")), int(cells[2]))
    return table


@pytest.mark.slow
def test_the_load_benchmark_runs_at_a_tiny_size(tmp_path, redis_url):
    output = tmp_path / "results.md"
    output.write_text(
        "# Benchmark results\n\nIntro.\n\n## Single client (page benchmark)\n\nOne page.\n"
        "\n## Other bench\n\nKept.\n"
    )
    stdout = run(
        "bench/load.py",
        f"--database-url={database_url(tmp_path)}",
        # Its own Redis database: the bench empties it.
        f"--redis-url={redis_url.rsplit('/', 1)[0]}/11",
        "--size=30/3/1",
        "--users=4",
        "--duration=20",
        "--think=0.5",
        "--register-every=3",
        f"--output={output}",
        tmp_path=tmp_path,
    )
    table = rows(stdout)
    for role, labels in ROLE_PAGES.items():
        seen = {label for label, (roles, answers) in table.items() if role in roles and answers}
        assert seen & labels, f"no signed-in page of a {role}: {sorted(table)}"
    assert table.get("register post", (set(), 0))[1] >= 1
    assert int(re.search(r"(\d+) registers saved", stdout).group(1)) >= 1
    assert "Errors: 0." in stdout

    written = output.read_text()
    # The headline: the first section after the title and intro, the others kept after it.
    assert written.startswith("# Benchmark results\n\nIntro.\n\n## Realistic load\n")
    assert written.count("## Realistic load") == 1
    single = written.index("## Single client (page benchmark)\n\nOne page.\n")
    assert written.index("## Realistic load") < single < written.index("## Other bench\n\nKept.")

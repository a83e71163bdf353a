"""The shape of the code: the import contracts in pyproject.toml hold (apps depend one way,
no module cycles), and no module grows past what one reads in one go."""

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MAX_LINES = 500
SKIPPED_DIRS = {".venv", "migrations", "node_modules", ".git", "var"}


def lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    command = [str(Path(sys.executable).parent / "lint-imports"), "--no-cache"]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)


def test_the_import_contracts_hold():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture
def project(tmp_path):
    """A copy of the contracts over five tiny apps that obey them, to break one at a time."""
    (tmp_path / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text())
    for app in ("balint", "groups", "sessions", "attendance", "feedback"):
        (tmp_path / app).mkdir()
        (tmp_path / app / "__init__.py").write_text("")
        (tmp_path / app / "services.py").write_text("")
        (tmp_path / app / "tasks.py").write_text(f"from {app} import services\n")
    (tmp_path / "balint" / "management" / "commands").mkdir(parents=True)
    for package in ("management", "management/commands"):
        (tmp_path / "balint" / package / "__init__.py").write_text("")
    for command in ("seed_demo", "seed_scale"):
        (tmp_path / "balint/management/commands" / f"{command}.py").write_text(
            "import feedback.services\n"
        )
    (tmp_path / "attendance" / "selectors.py").write_text("from sessions import services\n")
    return tmp_path


def test_the_contracts_pass_a_project_that_obeys_them(project):
    assert lint_imports(project).returncode == 0


def test_an_import_against_the_app_order_fails(project):
    (project / "groups" / "selectors.py").write_text("from attendance import services\n")
    result = lint_imports(project)
    assert result.returncode == 1
    assert "groups.selectors -> attendance.services" in result.stdout


def test_an_import_cycle_fails_even_through_a_function_body(project):
    (project / "sessions" / "services.py").write_text(
        textwrap.dedent(
            """
            def queue():
                from sessions import tasks
            """
        )
    )
    result = lint_imports(project)
    assert result.returncode == 1
    assert "No cycles are allowed in sessions" in result.stdout


def test_no_module_is_longer_than_one_reads_in_one_go():
    too_long = {}
    for path in ROOT.rglob("*.py"):
        if SKIPPED_DIRS.intersection(path.relative_to(ROOT).parts):
            continue
        lines = len(path.read_text().splitlines())
        if lines > MAX_LINES:
            too_long[str(path.relative_to(ROOT))] = lines
    assert too_long == {}

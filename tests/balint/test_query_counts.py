"""Every main page runs the same number of queries at two data sizes (seed_scale data)."""

import importlib.util
import io
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction

spec = importlib.util.spec_from_file_location(
    "bench_pages", Path(__file__).resolve().parents[2] / "bench" / "pages.py"
)
bench_pages = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench_pages)


def seed(name: str, prefix: str, trainees: int, groups: int) -> None:
    call_command(
        "seed_scale",
        scheme=name,
        prefix=prefix,
        trainees=trainees,
        groups=groups,
        years=1,
        shifts=4,
        stdout=io.StringIO(),
    )


# django_db: so that pytest-django sets the test database up even when these tests run
# alone. Each pytest-xdist process that gets some of them seeds and counts once.
pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def counts(django_db_setup, django_db_blocker):
    """Seeded and counted once for the module's tests, then rolled back: only the numbers
    are kept, so no row outlives the fixture."""
    with django_db_blocker.unblock(), transaction.atomic():
        cache.clear()
        seed("Small scheme", "small", trainees=12, groups=2)
        seed("Large scheme", "large", trainees=120, groups=12)
        small = bench_pages.count_queries("Small scheme", "small")
        large = bench_pages.count_queries("Large scheme", "large")
        transaction.set_rollback(True)
    cache.clear()
    return small, large


def test_every_main_page_is_measured(counts):
    small, _ = counts
    assert set(small) == {label for _, label, _ in bench_pages.PAGES}


@pytest.mark.parametrize("label", [label for _, label, _ in bench_pages.PAGES])
def test_the_same_number_of_queries_at_both_sizes(counts, label):
    small, large = counts
    assert small[label] == large[label]

"""Every main page runs the same number of queries at two data sizes (seed_scale data)."""

import importlib.util
import io
from pathlib import Path

import pytest
from django.core.management import call_command

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


@pytest.fixture
def counts(db):
    seed("Small scheme", "small", trainees=12, groups=2)
    seed("Large scheme", "large", trainees=120, groups=12)
    small = bench_pages.count_queries("Small scheme", "small")
    large = bench_pages.count_queries("Large scheme", "large")
    return small, large


def test_every_main_page_is_measured(counts):
    small, _ = counts
    assert set(small) == {label for _, label, _ in bench_pages.PAGES}


@pytest.mark.parametrize("label", [label for _, label, _ in bench_pages.PAGES])
def test_the_same_number_of_queries_at_both_sizes(counts, label):
    small, large = counts
    assert small[label] == large[label]

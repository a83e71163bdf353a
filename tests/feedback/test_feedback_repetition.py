"""feedback/repetition.py: repeats found on crafted sequences, without a database."""

from datetime import date, timedelta

from feedback.repetition import (
    PRESENTER,
    RECURS,
    Occurrence,
    find_repeats,
    months_between,
    presenters_per_quarter,
    repeats_by_key,
    tally_themes,
    theme_counts_by_month,
)

START = date(2026, 1, 7)


def weekly(*rows, group="A"):
    """Occurrences a week apart from rows of (presenter, themes)."""
    return [
        Occurrence(
            key=f"{group}{i}",
            day=START + timedelta(weeks=i),
            presenter=presenter,
            themes=frozenset(themes),
            group=group,
        )
        for i, (presenter, themes) in enumerate(rows)
    ]


def summary(repeats):
    return [(r.key, r.theme, r.kind, r.earlier, r.days) for r in repeats]


def test_nothing_repeats_in_a_varied_group():
    sessions = weekly(
        ("ann", {"on-call"}),
        ("bob", {"boundaries"}),
        ("cat", {"angry relative"}),
        ("dan", {"frequent attender"}),
    )
    assert find_repeats(sessions) == []


def test_a_theme_back_within_four_weeks_recurs():
    sessions = weekly(
        ("ann", {"on-call"}),
        ("bob", {"boundaries"}),
        ("cat", {"on-call"}),
    )
    assert summary(find_repeats(sessions)) == [("A2", "on-call", RECURS, "A0", 14)]


def test_exactly_four_weeks_counts_but_five_do_not():
    gap = [("bob", ()), ("cat", ()), ("dan", ())]
    four = weekly(("ann", {"x"}), *gap, ("eve", {"x"}))
    five = weekly(("ann", {"x"}), *gap, ("eve", ()), ("fay", {"x"}))

    assert summary(find_repeats(four)) == [("A4", "x", RECURS, "A0", 28)]
    assert find_repeats(five) == []


def test_each_recurrence_compares_with_the_latest_before_it():
    sessions = weekly(("ann", {"x"}), ("bob", {"x"}), ("cat", {"x"}))
    assert summary(find_repeats(sessions)) == [
        ("A1", "x", RECURS, "A0", 7),
        ("A2", "x", RECURS, "A1", 7),
    ]


def test_a_presenter_presenting_the_same_theme_again_is_flagged_however_long_after():
    sessions = weekly(
        ("ann", {"frequent attender"}),
        *[(f"p{i}", {f"t{i}"}) for i in range(8)],
        ("ann", {"frequent attender"}),
    )
    assert summary(find_repeats(sessions)) == [
        ("A9", "frequent attender", PRESENTER, "A0", 63),
    ]


def test_a_presenter_with_a_new_theme_is_not_flagged():
    sessions = weekly(("ann", {"on-call"}), ("bob", {"x"}), ("cat", {"y"}), ("dan", {"z"}))
    sessions += weekly(("ann", {"boundaries"}), group="B")
    assert find_repeats(sessions) == []


def test_a_presenter_repeat_within_four_weeks_is_flagged_both_ways():
    sessions = weekly(("ann", {"on-call"}), ("ann", {"on-call"}))
    assert summary(find_repeats(sessions)) == [
        ("A1", "on-call", RECURS, "A0", 7),
        ("A1", "on-call", PRESENTER, "A0", 7),
    ]


def test_sessions_without_a_presenter_never_make_a_presenter_repeat():
    sessions = weekly((None, {"x"}), ("bob", ()), ("cat", ()), ("dan", ()), ("eve", ()))
    sessions += weekly((None, {"x"}), group="B")
    assert find_repeats(sessions) == []


def test_recurrence_stays_within_a_group_but_presenters_follow_people_across_groups():
    group_a = weekly(("ann", {"on-call"}), group="A")
    group_b = weekly(("bob", {"on-call"}), ("ann", {"on-call"}), group="B")

    assert summary(find_repeats(group_a + group_b)) == [
        ("B1", "on-call", RECURS, "B0", 7),
        ("B1", "on-call", PRESENTER, "A0", 7),
    ]


def test_input_order_does_not_matter():
    sessions = weekly(("ann", {"x"}), ("bob", {"x"}), ("ann", {"x"}))
    assert find_repeats(list(reversed(sessions))) == find_repeats(sessions)


def test_repeats_are_grouped_by_the_later_session():
    sessions = weekly(("ann", {"x", "y"}), ("bob", {"x", "y"}))
    by_key = repeats_by_key(find_repeats(sessions))
    assert list(by_key) == ["A1"]
    assert sorted(r.theme for r in by_key["A1"]) == ["x", "y"]


def test_theme_counts_by_group_and_month():
    sessions = weekly(("ann", {"x"}), ("bob", {"x", "y"}), ("cat", ()), ("dan", ()), ("eve", {"x"}))
    counts = theme_counts_by_month(sessions)
    assert counts[("A", "x")] == {date(2026, 1, 1): 2, date(2026, 2, 1): 1}
    assert counts[("A", "y")] == {date(2026, 1, 1): 1}


def test_months_between_spans_year_ends():
    assert months_between(date(2025, 11, 20), date(2026, 2, 3)) == [
        date(2025, 11, 1),
        date(2025, 12, 1),
        date(2026, 1, 1),
        date(2026, 2, 1),
    ]


def test_presenters_per_quarter_counts_different_people():
    presented = [
        (date(2026, 1, 7), "ann"),
        (date(2026, 1, 14), "ann"),
        (date(2026, 3, 31), "bob"),
        (date(2026, 4, 1), "ann"),
        (date(2026, 4, 8), None),
    ]
    assert presenters_per_quarter(presented) == {(2026, 1): 2, (2026, 2): 1}


def test_tally_counts_sessions_per_theme_with_the_latest_day():
    sessions = weekly(
        ("ann", {"on-call", "grief"}),
        ("bob", {"boundaries"}),
        ("ann", {"on-call"}),
    )
    tallies = tally_themes(sessions)
    assert {theme: (t.sessions, t.last_day) for theme, t in tallies.items()} == {
        "on-call": (2, START + timedelta(weeks=2)),
        "grief": (1, START),
        "boundaries": (1, START + timedelta(weeks=1)),
    }
    assert tally_themes([]) == {}

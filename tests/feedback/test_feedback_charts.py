"""feedback/charts.py: the SVG bar chart is well formed, labelled and escapes its text;
feedback/health_charts.py: what the group health charts show."""

import xml.etree.ElementTree as ET
from datetime import date

from feedback.charts import Bar, Chart
from feedback.health_charts import health_charts
from feedback.selectors import GroupHealth
from groups.models import BalintGroup
from sessions.models import Session

SVG = "{http://www.w3.org/2000/svg}"


def chart(bars, **kwargs):
    defaults = {
        "id": "test-chart",
        "title": "Attendance",
        "desc": "Share of members present",
        "bars": bars,
        "max_value": 100,
        "ticks": [(0, "0%"), (100, "100%")],
    }
    return Chart(**{**defaults, **kwargs})


def parse(svg) -> ET.Element:
    return ET.fromstring(str(svg))  # noqa: S314 - our own output, not untrusted input


def test_an_image_with_a_title_and_description():
    root = parse(chart([Bar("4 Mar", 50, "50%")]).svg)

    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "test-chart-title test-chart-desc"
    assert root.find(f"{SVG}title").get("id") == "test-chart-title"
    assert root.find(f"{SVG}title").text == "Attendance"
    assert root.find(f"{SVG}desc").text == "Share of members present"


def test_one_bar_per_value_scaled_to_the_maximum():
    root = parse(chart([Bar("a", 100, "100%"), Bar("b", 50, "50%"), Bar("c", 0, "0%")]).svg)

    heights = [float(rect.get("height")) for rect in root.iter(f"{SVG}rect")]
    assert len(heights) == 3
    assert heights[1] == heights[0] / 2
    assert heights[2] == 0


def test_a_missing_value_draws_no_bar_but_keeps_its_place():
    root = parse(chart([Bar("a", None, "fewer than 3 answers"), Bar("b", 80, "80%")]).svg)

    rects = list(root.iter(f"{SVG}rect"))
    assert len(rects) == 1
    labels = [t.text for t in root.iter(f"{SVG}text")]
    assert "a" in labels and "b" in labels


def test_text_is_escaped():
    root = parse(chart([Bar("<b>&", 10, "x")], title='Group "<A&B>"').svg)
    assert root.find(f"{SVG}title").text == 'Group "<A&B>"'


def test_nothing_the_content_security_policy_would_refuse():
    svg = str(chart([Bar(str(i), i, str(i)) for i in range(40)]).svg)
    assert "style=" not in svg
    assert "<script" not in svg


def test_long_series_label_only_some_bars():
    root = parse(chart([Bar(f"d{i}", i, str(i)) for i in range(30)]).svg)
    labels = [t.text for t in root.iter(f"{SVG}text") if t.text.startswith("d")]
    assert 0 < len(labels) <= 12
    assert labels[0] == "d0"


def test_the_attendance_chart_counts_members_against_the_minimum():
    """A share alone hid a group of three: the chart counts members, the minimum drawn."""
    group = BalintGroup(name="Tuesday", min_members=6)
    sessions = [
        Session(slot_date=date(2026, 2, 25), status="held"),
        Session(slot_date=date(2026, 2, 18), status="held"),
    ]
    for session, attended in zip(sessions, [3, 7], strict=True):
        session.members, session.recorded, session.attended = 8, 8, attended
        session.below_minimum, session.feedback_open, session.rating = attended < 6, False, None
    health = GroupHealth(sessions=sessions, quarters=[], min_members=6)

    chart = health_charts(group, health).attendance

    assert [(bar.value, bar.text) for bar in chart.bars] == [
        (7, "7 of 8 members attended (88%)"),
        (3, "3 of 8 members attended (38%), below the group's minimum of 6"),
    ]
    labels = [t.text for t in parse(chart.svg).iter(f"{SVG}text")]
    assert {"0", "min 6", "8"} <= set(labels)

"""A tiny server-rendered SVG bar chart: no JavaScript, nothing inline for the CSP to refuse.

The SVG is an image with a title and a description (role="img"); the page puts a
visually hidden table of the same figures beside it for screen readers
(templates/feedback/_chart.html).
"""

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

HEIGHT = 180
TOP, BOTTOM, LEFT, RIGHT = 12, 48, 44, 8
MIN_STEP, MAX_STEP, MIN_WIDTH = 14, 48, 320
# Room for about this many labels under the bars; the others are left out (the table has all).
MAX_LABELS = 12
BAR_COLOUR = "#1f3b57"
GRID_COLOUR = "#adb5bd"
TEXT_COLOUR = "#212529"


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None
    text: str  # the value as the table shows it, e.g. "83%" or "fewer than 3 answers"
    axis: str = ""  # a shorter label under the bar, e.g. "3 Jun"; the label when empty


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    desc: str
    bars: Sequence[Bar]
    max_value: float
    ticks: Sequence[tuple[float, str]]
    label_heading: str = "Session"
    value_heading: str = "Value"

    @property
    def svg(self) -> SafeString:
        return bar_chart(self)


def _number(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def bar_chart(chart: Chart) -> SafeString:
    count = max(len(chart.bars), 1)
    step = max(MIN_STEP, min(MAX_STEP, (MIN_WIDTH - LEFT - RIGHT) / count))
    width = max(MIN_WIDTH, LEFT + RIGHT + step * count)
    plot = HEIGHT - TOP - BOTTOM
    base = TOP + plot

    def y(value: float) -> float:
        return base - plot * min(max(value, 0), chart.max_value) / chart.max_value

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {_number(width)} {HEIGHT}" '
        f'aria-labelledby="{escape(chart.id)}-title {escape(chart.id)}-desc">',
        f'<title id="{escape(chart.id)}-title">{escape(chart.title)}</title>',
        f'<desc id="{escape(chart.id)}-desc">{escape(chart.desc)}</desc>',
    ]
    for value, label in chart.ticks:
        at = _number(y(value))
        parts.append(
            f'<line x1="{LEFT}" x2="{_number(width - RIGHT)}" y1="{at}" y2="{at}" '
            f'stroke="{GRID_COLOUR}" stroke-width="0.5"/>'
            f'<text x="{LEFT - 4}" y="{at}" text-anchor="end" dominant-baseline="middle" '
            f'font-size="10" fill="{TEXT_COLOUR}">{escape(label)}</text>'
        )
    every = max(1, -(-len(chart.bars) // MAX_LABELS))
    for index, bar in enumerate(chart.bars):
        x = LEFT + step * index
        if bar.value is not None:
            top = y(bar.value)
            parts.append(
                f'<rect x="{_number(x + step * 0.15)}" y="{_number(top)}" '
                f'width="{_number(step * 0.7)}" height="{_number(base - top)}" '
                f'fill="{BAR_COLOUR}"><title>{escape(bar.label)}: {escape(bar.text)}</title></rect>'
            )
        if index % every == 0:
            centre = _number(x + step / 2)
            parts.append(
                f'<text x="{centre}" y="{base + 8}" font-size="10" fill="{TEXT_COLOUR}" '
                f'text-anchor="end" transform="rotate(-45 {centre} {base + 8})">'
                f"{escape(bar.axis or bar.label)}</text>"
            )
    parts.append(
        f'<line x1="{LEFT}" x2="{_number(width - RIGHT)}" y1="{base}" y2="{base}" '
        f'stroke="{TEXT_COLOUR}" stroke-width="1"/>'
    )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every interpolated text is escaped above

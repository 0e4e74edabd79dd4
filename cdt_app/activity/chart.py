"""A bar chart drawn on the server as inline SVG geometry (no JavaScript, no style attributes:
the template sets CSS classes, app.css colours them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext

from ..i18n import fmt_date, fmt_number

WIDTH, HEIGHT = 320, 170
LEFT, RIGHT, TOP, BOTTOM = 34, 4, 10, 22


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: int
    title: str


@dataclass
class Chart:
    width: int
    height: int
    baseline: float  #: y of the zero line
    left: float
    right: float  #: x where the plot ends
    bars: list[Bar] = field(default_factory=list)
    y_ticks: list[tuple[float, str]] = field(default_factory=list)
    #: (x, text-anchor, label)
    x_labels: list[tuple[float, str, str]] = field(default_factory=list)
    top_value: int = 0


def nice_ceiling(value: int) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50, … that is at least ``value`` (at least 2)."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= max(value, 2):
                return step * factor
        step *= 10


def bar_chart(days: list[tuple[date, int]]) -> Chart:
    """One bar per day, scaled to a round top value, a few dates under the axis."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top_value = nice_ceiling(max((count for _, count in days), default=0))
    baseline = TOP + plot_h
    chart = Chart(WIDTH, HEIGHT, baseline, LEFT, WIDTH - RIGHT, top_value=top_value)
    slot = plot_w / max(len(days), 1)
    for index, (day, count) in enumerate(days):
        height = round(plot_h * count / top_value, 2)
        chart.bars.append(
            Bar(
                x=round(LEFT + index * slot + slot * 0.15, 2),
                y=round(baseline - height, 2),
                width=round(slot * 0.7, 2),
                height=height,
                value=count,
                title=gettext(
                    "Visits on %(date)s: %(num)s", date=fmt_date(day), num=fmt_number(count)
                ),
            )
        )
    for fraction in (0, 0.5, 1):
        value = top_value * fraction
        if value == int(value):
            chart.y_ticks.append((round(baseline - plot_h * fraction, 2), fmt_number(int(value))))
    last = len(days) - 1
    for index in sorted({0, last // 3, 2 * last // 3, last}) if days else []:
        # the first and last labels line up with the plot's edges so they are never cut off
        if index == 0:
            x, anchor = LEFT, "start"
        elif index == last:
            x, anchor = WIDTH - RIGHT, "end"
        else:
            x, anchor = round(LEFT + index * slot + slot / 2, 2), "middle"
        chart.x_labels.append((x, anchor, days[index][0].strftime("%d/%m")))
    return chart

"""The indicators' charts, as small SVGs made on the server (no script, no style attribute:
colours come from CSS classes in static/css/app.css, "Indicators" section).

* ``place_bars``: small multiples, one per rate: a bar for each child place, its goal as a
  tick across it; the place names and percentages are written next to the chart in HTML.
* ``trend_line``: a rate at the end of each of the last 12 months, with the goal as a dashed
  line. Both scale to the width of their box (readable on a phone, printable on A4).
"""

from __future__ import annotations

from markupsafe import Markup

WIDTH, ROW, TREND_HEIGHT = 100, 8, 30
#: the height of a row on the page, as the place names' lines (static/css/app.css)
ROW_PX = 28


def _x(ratio: float | None) -> float:
    return round(WIDTH * min(max(ratio or 0.0, 0.0), 1.0), 1)


def place_bars(rows: list[tuple[float, float | None]]) -> Markup:
    """One bar a row (0 to 100 %) for each (rate, goal), the row's goal as a tick across it
    (each child place may have its own goal: a commune's overrides the province's)."""
    height = max(ROW * len(rows), ROW)
    parts = [
        f'<svg class="ind-bars" viewBox="0 0 {WIDTH} {height}" preserveAspectRatio="none" '
        f'height="{ROW_PX * max(len(rows), 1)}" aria-hidden="true" focusable="false">'
    ]
    for index, (value, goal) in enumerate(rows):
        y = index * ROW + 1
        level = "ind-bar" if goal is None or value >= goal else "ind-bar ind-bar-below"
        parts.append(f'<rect class="ind-track" y="{y}" width="{WIDTH}" height="{ROW - 2}"/>')
        parts.append(f'<rect class="{level}" y="{y}" width="{_x(value)}" height="{ROW - 2}"/>')
        if goal is not None:
            parts.append(
                f'<line class="ind-goal" x1="{_x(goal)}" x2="{_x(goal)}" '
                f'y1="{index * ROW}" y2="{index * ROW + ROW}"/>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704  # nosec B704 (numbers and fixed names only)


def trend_line(values: list[float], goal: float | None) -> Markup:
    """The rate over the months (left to right), 0 % at the bottom, 100 % at the top."""
    count = max(len(values) - 1, 1)

    def y(ratio: float) -> float:
        return round(TREND_HEIGHT - TREND_HEIGHT * min(max(ratio, 0.0), 1.0), 1)

    points = " ".join(f"{round(WIDTH * i / count, 1)},{y(v)}" for i, v in enumerate(values))
    parts = [
        f'<svg class="ind-trend" viewBox="-2 -2 {WIDTH + 4} {TREND_HEIGHT + 4}" '
        f'preserveAspectRatio="none" aria-hidden="true" focusable="false">'
        f'<rect class="ind-track" width="{WIDTH}" height="{TREND_HEIGHT}"/>'
    ]
    if goal is not None:
        parts.append(f'<line class="ind-goal" x1="0" x2="{WIDTH}" y1="{y(goal)}" y2="{y(goal)}"/>')
    parts.append(f'<polyline class="ind-line" points="{points}"/>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704  # nosec B704

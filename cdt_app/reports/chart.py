"""A horizontal bar chart of coverage per place, as inline SVG made on the server.

No script and no style attributes (strict CSP): colours and text sizes come from CSS classes
in static/css/app.css ("Coverage reports" section). Each place takes two lines, the name and
its value above a bar, so the chart stays readable at 360 px.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from ..i18n import fmt_percent
from .rows import PlaceRow

WIDTH = 640
ROW = 60  #: height of one place: label line and bar
BAR = 20
LABEL_MAX = 44


def _short(text: str) -> str:
    return text if len(text) <= LABEL_MAX else text[: LABEL_MAX - 1] + "…"


def coverage_chart(rows: list[PlaceRow], title: str) -> Markup:
    """The chart of ``rows`` (already in display order), or empty markup with no rows."""
    if not rows:
        return Markup("")
    height = ROW * len(rows) + 8
    parts = [
        f'<svg class="cov-chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-labelledby="cov-chart-title" preserveAspectRatio="xMinYMin meet">',
        f'<title id="cov-chart-title">{escape(title)}</title>',
    ]
    for index, row in enumerate(rows):
        coverage = row.figures.coverage
        top = index * ROW
        width = round(WIDTH * min(coverage, 1.0), 1)
        level = "cov-bar-low" if coverage < 0.3 else "cov-bar-mid" if coverage < 0.7 else ""
        over = " cov-bar-over" if coverage > 1 else ""
        parts.append(
            f'<g class="cov-row"><text class="cov-label" x="0" y="{top + 24}">'
            f"{escape(_short(row.name))}</text>"
            f'<text class="cov-value" x="{WIDTH}" y="{top + 24}" text-anchor="end">'
            f"{escape(fmt_percent(coverage))}</text>"
            f'<rect class="cov-track" x="0" y="{top + 32}" width="{WIDTH}" height="{BAR}" rx="4"/>'
            f'<rect class="cov-bar {level}{over}" x="0" y="{top + 32}" width="{width}" '
            f'height="{BAR}" rx="4"/></g>'
        )
    parts.append("</svg>")
    # every text above is escaped
    return Markup("".join(parts))  # noqa: S704  # nosec B704

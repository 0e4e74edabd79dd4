"""The coverage bar of one place, as a small inline SVG made on the server.

Each place of a coverage report is one line (name, bar, percentage); the bar is drawn here,
with no script and no style attribute (strict CSP): its colour comes from CSS classes in
static/css/app.css ("Coverage reports" section), its size from the line it sits in. The
percentage is written next to it, so the bar is hidden from screen readers.
"""

from __future__ import annotations

from markupsafe import Markup

WIDTH = 100  #: the bar's full length in SVG units (100 = 100%)
HEIGHT = 10


def bar_level(coverage: float) -> str:
    """The CSS class of a bar: low (< 30%), mid (< 70%), full, or over 100%."""
    if coverage > 1:
        return "cov-bar cov-bar-over"
    if coverage < 0.3:
        return "cov-bar cov-bar-low"
    return "cov-bar cov-bar-mid" if coverage < 0.7 else "cov-bar"


def coverage_bar(coverage: float) -> Markup:
    """The bar of a coverage ratio (0.453 → 45.3% of the track)."""
    width = round(WIDTH * min(max(coverage, 0.0), 1.0), 1)
    # only numbers and fixed class names: nothing to escape
    return Markup(  # noqa: S704  # nosec B704
        f'<svg class="cov-chart" viewBox="0 0 {WIDTH} {HEIGHT}" preserveAspectRatio="none" '
        f'aria-hidden="true" focusable="false">'
        f'<rect class="cov-track" width="{WIDTH}" height="{HEIGHT}"/>'
        f'<rect class="{bar_level(coverage)}" width="{width}" height="{HEIGHT}"/></svg>'
    )

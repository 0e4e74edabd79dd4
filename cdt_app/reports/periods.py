"""The period of a report: inclusive dates, the presets, and ``from``/``to``/``preset`` read
from the query string (bad values come back as Vietnamese messages, never as errors)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from ..i18n import today_local
from ..values import BadValue, parse_date

PRESETS = ("month", "quarter", "year", "all")


@dataclass(frozen=True)
class Period:
    """Inclusive dates in Asia/Ho_Chi_Minh; ``start`` None means since the beginning."""

    start: date | None
    end: date
    approved_only: bool = False
    preset: str = "all"

    @property
    def to_date(self) -> bool:
        return self.start is None


def preset_period(preset: str, today: date | None = None, approved_only: bool = False) -> Period:
    """This month, this quarter, this year (each up to today) or all time."""
    today = today or today_local()
    if preset == "month":
        start = today.replace(day=1)
    elif preset == "quarter":
        start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    elif preset == "year":
        start = date(today.year, 1, 1)
    else:
        preset, start = "all", None
    return Period(start=start, end=today, approved_only=approved_only, preset=preset)


def _parse_date(raw: str) -> date | None:
    try:
        return parse_date(raw)
    except BadValue:
        return None


def parse_period(
    args: MultiDict, today: date, approved_only: bool
) -> tuple[Period, dict[str, str]]:
    """``from`` and ``to`` (YYYY-MM-DD, inclusive) if either is given, else ``preset``; bad
    values come back as messages keyed by parameter, and the period is then all time."""
    errors: dict[str, str] = {}
    raw_from, raw_to = (args.get("from") or "").strip(), (args.get("to") or "").strip()
    if not (raw_from or raw_to):
        preset = (args.get("preset") or "all").strip()
        if preset not in PRESETS:
            errors["preset"] = _("Please choose a period.")
            preset = "all"
        return preset_period(preset, today, approved_only), errors
    start = _parse_date(raw_from) if raw_from else None
    end = _parse_date(raw_to) if raw_to else today
    if raw_from and start is None:
        errors["from"] = _("The start date is not valid (use YYYY-MM-DD).")
    if raw_to and end is None:
        errors["to"] = _("The end date is not valid (use YYYY-MM-DD).")
    if start and end and start > end:
        errors["from"] = _("The start date must not be after the end date.")
    if errors:
        return preset_period("all", today, approved_only), errors
    preset = "all" if start is None and end == today else "custom"
    return Period(start=start, end=end, approved_only=approved_only, preset=preset), errors

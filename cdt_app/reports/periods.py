"""The period of a report: inclusive dates, the presets, and ``from``/``to``/``preset`` read
from the query string (bad values come back as Vietnamese messages, never as errors)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from ..forms import date_range_message
from ..i18n import today_local
from ..values import BadValue, parse_date, parse_filter_date

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


def _read_date(raw: str, unreadable: str) -> tuple[date | None, str | None]:
    """The date typed or in the link, or the message that says what is wrong with it."""
    try:
        return parse_filter_date(raw), None
    except BadValue:
        pass
    try:
        parse_date(raw)
    except BadValue:
        return None, unreadable
    return None, date_range_message()


def parse_period(
    args: MultiDict, today: date, approved_only: bool
) -> tuple[Period, dict[str, str]]:
    """``from`` and ``to`` (inclusive; YYYY-MM-DD or dd/mm/yyyy) if either is given, else
    ``preset``; bad values (or days out of range: ``parse_filter_date``) come back as
    messages keyed by parameter, and the period is then all time."""
    errors: dict[str, str] = {}
    raw_from, raw_to = (args.get("from") or "").strip(), (args.get("to") or "").strip()
    if not (raw_from or raw_to):
        preset = (args.get("preset") or "all").strip()
        if preset not in PRESETS:
            errors["preset"] = _("Please choose a period.")
            preset = "all"
        return preset_period(preset, today, approved_only), errors
    start = end = None
    if raw_from:
        start, errors["from"] = _read_date(
            raw_from, _("The start date is not valid (use dd/mm/yyyy).")
        )
    if raw_to:
        end, errors["to"] = _read_date(raw_to, _("The end date is not valid (use dd/mm/yyyy)."))
    else:
        end = today
    errors = {key: message for key, message in errors.items() if message}
    if start and end and start > end:
        errors["from"] = _("The start date must not be after the end date.")
    if errors:
        return preset_period("all", today, approved_only), errors
    preset = "all" if start is None and end == today else "custom"
    return Period(start=start, end=end, approved_only=approved_only, preset=preset), errors

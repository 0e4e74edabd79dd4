"""The query parameters of the indicators (page, API, exports): place, on, from, level."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from ..forms import place_param
from ..i18n import today_local
from ..values import BadValue, parse_date

LEVELS = ("children", "villages")


@dataclass
class IndicatorFilters:
    place_id: int | None
    on: date
    start: date | None
    level: str
    errors: dict[str, str] = field(default_factory=dict)

    def query_args(self, **changes) -> dict:
        args = {
            "place": self.place_id,
            "on": self.on.isoformat(),
            "from": self.start.isoformat() if self.start else None,
            "level": None if self.level == "children" else self.level,
        }
        args.update(changes)
        return {key: value for key, value in args.items() if value is not None}


def parse_indicator_args(args: MultiDict, on_key: str = "on", from_key: str = "from"):
    """Read ``place``, ``on`` (default today), ``from`` and ``level``; bad values are reported
    in ``errors`` (Vietnamese) and replaced by defaults."""
    errors: dict[str, str] = {}
    place_id = place_param(args, errors)
    today = today_local()
    on, start = today, None
    raw_on = (args.get(on_key) or "").strip()
    if raw_on:
        try:
            on = parse_date(raw_on)
        except BadValue:
            errors["on"] = _("The date must be YYYY-MM-DD or dd/mm/yyyy.")
    raw_from = (args.get(from_key) or "").strip()
    if raw_from:
        try:
            start = parse_date(raw_from)
        except BadValue:
            errors["from"] = _("The date must be YYYY-MM-DD or dd/mm/yyyy.")
        else:
            if start > on:
                errors["from"] = _("The start date must be on or before the end date.")
                start = None
    level = (args.get("level") or "children").strip()
    if level not in LEVELS:
        errors["level"] = _("level must be children or villages.")
        level = "children"
    return IndicatorFilters(place_id, on, start, level, errors)

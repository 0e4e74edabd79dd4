"""The query parameters shared by the coverage page, the API and the exports.

``place``, ``from``, ``to`` (YYYY-MM-DD, inclusive), ``approved_only`` (0|1), and for the page
and exports ``preset`` (month|quarter|year|all), ``level`` (children|villages), ``sort``,
``dir``. Bad values never raise: they come back as Vietnamese messages keyed by parameter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from ..db import MAX_ID
from ..i18n import today_local
from ..values import BadValue, parse_bool, parse_date
from .queries import LEVELS, PRESETS, Period, preset_period


@dataclass
class Filters:
    place_id: int | None
    period: Period
    level: str = "children"
    sort: str = "name"
    descending: bool = False
    errors: dict[str, str] = field(default_factory=dict)

    def query_args(self, **changes) -> dict[str, str]:
        """The parameters that reproduce this view (for links and exports)."""
        args: dict[str, str] = {}
        if self.place_id is not None:
            args["place"] = str(self.place_id)
        if self.period.preset == "custom":
            if self.period.start:
                args["from"] = self.period.start.isoformat()
            args["to"] = self.period.end.isoformat()
        else:
            args["preset"] = self.period.preset
        if self.period.approved_only:
            args["approved_only"] = "1"
        if self.sort != "name" or self.descending:
            args["sort"] = self.sort
            args["dir"] = "desc" if self.descending else "asc"
        args.update({key: str(value) for key, value in changes.items() if value is not None})
        for key, value in changes.items():
            if value is None:
                args.pop(key, None)
        return args


def _parse_date(raw: str) -> date | None:
    try:
        return parse_date(raw)
    except BadValue:
        return None


def parse_filters(args: MultiDict, today: date | None = None) -> Filters:
    """Read the parameters; invalid ones are reported in ``errors`` and replaced by defaults."""
    today = today or today_local()
    errors: dict[str, str] = {}

    place_id = None
    raw_place = (args.get("place") or "").strip()
    if raw_place:
        if raw_place.isascii() and raw_place.isdigit() and 0 < int(raw_place) <= MAX_ID:
            place_id = int(raw_place)
        else:
            errors["place"] = _("The place is not valid.")

    try:
        approved_only = parse_bool(args.get("approved_only"))
    except BadValue:
        errors["approved_only"] = _("approved_only must be 0 or 1.")
        approved_only = False

    raw_from, raw_to = (args.get("from") or "").strip(), (args.get("to") or "").strip()
    start = _parse_date(raw_from) if raw_from else None
    end = _parse_date(raw_to) if raw_to else today
    if raw_from and start is None:
        errors["from"] = _("The start date is not valid (use YYYY-MM-DD).")
    if raw_to and end is None:
        errors["to"] = _("The end date is not valid (use YYYY-MM-DD).")
    if start and end and start > end:
        errors["from"] = _("The start date must not be after the end date.")
    if raw_from or raw_to:
        if "from" in errors or "to" in errors:
            period = preset_period("all", today, approved_only)
        else:
            preset = "custom"
            if start is None and end == today:
                preset = "all"
            period = Period(start=start, end=end, approved_only=approved_only, preset=preset)
    else:
        preset = (args.get("preset") or "all").strip()
        if preset not in PRESETS:
            errors["preset"] = _("Please choose a period.")
            preset = "all"
        period = preset_period(preset, today, approved_only)

    level = (args.get("level") or "children").strip()
    if level not in LEVELS:
        errors["level"] = _("level must be children or villages.")
        level = "children"
    sort = (args.get("sort") or "name").strip()[:60]
    descending = (args.get("dir") or "").strip() == "desc"
    return Filters(
        place_id=place_id,
        period=period,
        level=level,
        sort=sort,
        descending=descending,
        errors=errors,
    )

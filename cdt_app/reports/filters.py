"""The query parameters shared by the coverage page, the API and the exports.

``place``, ``from``, ``to`` (YYYY-MM-DD, inclusive), ``approved_only`` (0|1), and for the page
and exports ``preset`` (month|quarter|year|all), ``level`` (children|villages), ``sort``,
``dir``. Bad values never raise: they come back as Vietnamese messages keyed by parameter.
``load_report`` then reads the report they ask for, inside the user's area.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlmodel import Session
from werkzeug.datastructures import MultiDict

from ..forms import place_param
from ..i18n import today_local
from ..models import Place, User
from ..scope import place_or_own_or_404
from ..values import BadValue, parse_bool
from .periods import Period, parse_period
from .queries import REPORT_LEVELS, coverage_report
from .rows import CoverageReport


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


def parse_filters(args: MultiDict, today: date | None = None) -> Filters:
    """Read the parameters; invalid ones are reported in ``errors`` and replaced by defaults."""
    today = today or today_local()
    errors: dict[str, str] = {}

    place_id = place_param(args, errors)

    try:
        approved_only = parse_bool(args.get("approved_only"))
    except BadValue:
        errors["approved_only"] = _("approved_only must be 0 or 1.")
        approved_only = False

    period, period_errors = parse_period(args, today, approved_only)
    errors.update(period_errors)

    level = (args.get("level") or "children").strip()
    if level not in REPORT_LEVELS:
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


def load_report(
    session: Session, user: User, filters: Filters, level: str | None = None
) -> tuple[Place, CoverageReport]:
    """The scope-checked place of ``filters`` and its report (404 outside the user's area)."""
    place = place_or_own_or_404(session, user, filters.place_id)
    return place, coverage_report(session, place, filters.period, level or filters.level)

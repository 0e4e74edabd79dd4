"""The query parameters of the periodic report, shared by the page, the XLSX export and the API:
``place``, ``period`` (month|quarter|year), ``year``, ``number`` (or the form's ``month`` /
``quarter``), ``approved_only`` (0|1); the form that sends them without JavaScript; and the
places a user may make the report for."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask import abort
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlmodel import Session
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, SelectField

from ..forms import place_param
from ..i18n import today_local
from ..models import Place, User
from ..scope import area_condition, place_or_own_or_404
from ..values import BadValue, parse_bool
from .periodic import REPORT_LEVELS
from .report_periods import FIRST_YEAR, ROMAN, ReportPeriod, parse_report_period


@dataclass
class PeriodicFilters:
    place_id: int | None
    period: ReportPeriod
    approved_only: bool = False
    errors: dict[str, str] = field(default_factory=dict)

    def query_args(self, period: ReportPeriod | None = None) -> dict[str, str]:
        """The canonical parameters of this report (or of ``period`` instead)."""
        period = period or self.period
        args = {"period": period.kind, "year": str(period.year)}
        if period.kind != "year":
            args["number"] = str(period.number)
        if self.place_id is not None:
            args["place"] = str(self.place_id)
        if self.approved_only:
            args["approved_only"] = "1"
        return args


def parse_periodic(args: MultiDict, today: date | None = None) -> PeriodicFilters:
    today = today or today_local()
    errors: dict[str, str] = {}
    place_id = place_param(args, errors)
    try:
        approved_only = parse_bool(args.get("approved_only"))
    except BadValue:
        errors["approved_only"] = _("approved_only must be 0 or 1.")
        approved_only = False
    period, period_errors = parse_report_period(args, today)
    errors.update(period_errors)
    return PeriodicFilters(place_id, period, approved_only, errors)


def periodic_place_or_404(session: Session, user: User, place_id: int | None) -> Place:
    """The place of the report, in the user's area and a commune, district or province; 404
    otherwise (as the coverage report, nothing says whether it exists)."""
    place = place_or_own_or_404(session, user, place_id)
    if place.level not in REPORT_LEVELS:
        abort(404)
    return place


def report_places(session: Session, user: User) -> list[tuple[int, str]]:
    """(id, name) of the places in the user's area a report can be made for: the largest
    first, then by name."""
    rank = {level: index for index, level in enumerate(REPORT_LEVELS)}
    rows = session.execute(
        select(Place.id, Place.name, Place.level, Place.sort_key).where(
            area_condition(session, user), Place.level.in_(REPORT_LEVELS)
        )
    ).all()
    rows.sort(key=lambda r: (rank[r.level], r.sort_key, r.id))
    return [(r.id, r.name) for r in rows]


class PeriodicForm(FlaskForm):
    """The period chooser of the periodic report (a GET form, no JavaScript needed)."""

    class Meta:
        csrf = False

    place = SelectField(_l("Place"), choices=[])
    period = SelectField(_l("Kind of report"), choices=[])
    month = SelectField(_l("Month"), choices=[])
    quarter = SelectField(_l("Quarter"), choices=[])
    year = SelectField(_l("Year"), choices=[])
    approved_only = BooleanField(_l("Approved visits only"))


def periodic_form(
    filters: PeriodicFilters, place: Place, places: list[tuple[int, str]], today: date
) -> PeriodicForm:
    period = filters.period
    form = PeriodicForm(
        data={
            "place": str(place.id),
            "period": period.kind,
            "month": str(period.number if period.kind == "month" else period.end.month),
            "quarter": str(period.number if period.kind == "quarter" else 1),
            "year": str(period.year),
            "approved_only": filters.approved_only,
        }
    )
    form.place.choices = [(str(pid), name) for pid, name in places]
    form.period.choices = [
        ("month", _("Monthly")),
        ("quarter", _("Quarterly")),
        ("year", _("Yearly")),
    ]
    form.month.choices = [(str(m), _("Month %(month)s", month=m)) for m in range(1, 13)]
    form.quarter.choices = [
        (str(q), _("Quarter %(quarter)s", quarter=ROMAN[q - 1])) for q in range(1, 5)
    ]
    form.year.choices = [
        (str(y), str(y)) for y in range(today.year, max(FIRST_YEAR, today.year - 10) - 1, -1)
    ]
    return form

"""The indicators' exports (CSV, XLSX) and the goals form of a province or a commune."""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from ..db import get_session
from ..forms import form_transaction
from ..i18n import fmt_date, fmt_percent, today_local
from ..models import GOAL_INDICATORS
from ..permissions import can_manage_reports, can_view_reports, requires
from ..scope import get_place_or_404, place_or_own_or_404
from .exports import indicators_csv, indicators_xlsx
from .filters import parse_indicator_args
from .forms import GoalsForm
from .services import (
    GOAL_LEVELS,
    NATIONAL_GOALS,
    NATIONAL_SOURCE,
    RATE_LABELS,
    goals_for,
    indicator_report,
    own_goals,
    set_goals,
)

bp = Blueprint("indicators", __name__, url_prefix="/reports")
GOALS_HINT = _l("Leave a box empty to use the goal of the province above, or the national target.")


def _report():
    filters = parse_indicator_args(request.args)
    if filters.errors:
        abort(400)
    session = get_session()
    place = place_or_own_or_404(session, current_user, filters.place_id)
    return (
        filters,
        place,
        indicator_report(session, place, filters.on, filters.start, filters.level),
    )


def _filename(place, filters, extension: str) -> str:
    suffix = "-thon" if filters.level == "villages" else ""
    return f"chi-so-xa-hoi-so-{place.code or place.id}{suffix}-{filters.on:%Y%m%d}.{extension}"


def _attachment(filename: str) -> dict[str, str]:
    return {"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"}


@bp.get("/indicators.csv")
@login_required
@requires(can_view_reports)
def indicators_csv_export():
    filters, place, report = _report()
    return Response(
        "".join(indicators_csv(report)),
        mimetype="text/csv",
        headers=_attachment(_filename(place, filters, "csv")),
    )


@bp.get("/indicators.xlsx")
@login_required
@requires(can_view_reports)
def indicators_xlsx_export():
    filters, place, report = _report()
    info = [
        (_("Place"), f"{place.name} ({place.code})"),
        (_("On"), fmt_date(filters.on)),
        (_("Change since"), fmt_date(filters.start) if filters.start else ""),
        (_("Households with a profile"), str(report.totals.figures["profiled_households"])),
    ]
    return Response(
        indicators_xlsx(report, info),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers=_attachment(_filename(place, filters, "xlsx")),
    )


@bp.route("/indicators/goals/<int:place_id>", methods=["GET", "POST"])
@login_required
@requires(can_manage_reports)
def goals(place_id: int):
    """The goals of a province or a commune (staff)."""
    session = get_session()
    place = get_place_or_404(session, current_user, place_id)
    if place.level not in GOAL_LEVELS:
        abort(404)
    form = GoalsForm()
    if form.validate_on_submit():
        with form_transaction(form) as outcome:
            changed = set_goals(session, current_user, place, form.service_data(), form.source.data)
        if outcome.ok:
            flash(_("Goals saved: %(count)d changed.", count=changed), "success")
            return redirect(url_for("indicators.goals", place_id=place.id))
    elif not form.is_submitted():
        mine = own_goals(session, place)
        for rate in GOAL_INDICATORS:
            goal = mine.get(rate)
            form[rate].data = "" if goal is None else f"{goal.percent:g}".replace(".", ",")
        form.source.data = next((g.source for g in mine.values() if g.source), "")
    inherited = goals_for(session, [place])[place.id]
    return render_template(
        "indicators/goals.html",
        place=place,
        form=form,
        rates=[(rate, RATE_LABELS[rate]) for rate in GOAL_INDICATORS],
        inherited=inherited,
        national=NATIONAL_GOALS,
        national_source=NATIONAL_SOURCE,
        hint=GOALS_HINT,
        pct=lambda percent: fmt_percent(percent / 100) if percent is not None else _("none"),
        today=today_local(),
    )

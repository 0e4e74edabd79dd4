"""``GET /api/v1/reports/periodic``: the periodic report of a commune or the province (the same
service as the page and its XLSX export: cdt_app.reports.periodic)."""

from __future__ import annotations

from flask import jsonify, request
from flask_login import current_user

from ..db import get_session
from ..errors import error_response
from ..permissions import can_view_periodic_reports, requires
from ..reports.periodic import periodic_report, report_as_api
from ..reports.periodic_filters import parse_periodic, periodic_place_or_404
from ..reports.periodic_text import summary
from .blueprint import bp


@bp.get("/reports/periodic")
@requires(can_view_periodic_reports)
def periodic():
    """?place=<id>&period=month|quarter|year&year=YYYY&number=N&approved_only=0|1"""
    filters = parse_periodic(request.args)
    if filters.errors:
        return error_response(400, " ".join(filters.errors.values()))
    session = get_session()
    place = periodic_place_or_404(session, current_user, filters.place_id)
    report = periodic_report(session, place, filters.period, filters.approved_only)
    return jsonify(report_as_api(report, summary(report)))

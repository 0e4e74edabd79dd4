"""``GET /api/v1/indicators`` (DESIGN section 10): the digital-society indicators of a place
and of its children on a day, and with ``from`` their change over the period."""

from __future__ import annotations

from flask import jsonify, request
from flask_login import current_user

from ..db import get_session
from ..errors import error_response
from ..indicators.filters import parse_indicator_args
from ..indicators.services import indicator_report
from ..permissions import can_view_reports, requires
from ..scope import place_or_own_or_404
from .blueprint import bp


@bp.get("/indicators")
@requires(can_view_reports)
def indicators():
    """?place=<id>&on=YYYY-MM-DD[&from=YYYY-MM-DD][&level=children|villages]"""
    filters = parse_indicator_args(request.args)
    if filters.errors:
        return error_response(400, " ".join(filters.errors.values()))
    session = get_session()
    place = place_or_own_or_404(session, current_user, filters.place_id)
    report = indicator_report(session, place, filters.on, filters.start, filters.level)
    return jsonify(report.as_api())

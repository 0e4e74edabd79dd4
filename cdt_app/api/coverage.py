"""``GET /api/v1/coverage`` (DESIGN section 8): the figures of a place and of its children."""

from __future__ import annotations

from flask import jsonify, request
from flask_login import current_user

from ..db import get_session
from ..errors import error_response
from ..permissions import can_view_reports, requires
from ..reports.filters import load_report, parse_filters
from .blueprint import bp


@bp.get("/coverage")
@requires(can_view_reports)
def coverage():
    """?place=<id>&from=YYYY-MM-DD&to=YYYY-MM-DD&approved_only=0|1 (level=villages for every
    village under the place instead of its children)."""
    filters = parse_filters(request.args)
    if filters.errors:
        return error_response(400, " ".join(filters.errors.values()))
    _place, report = load_report(get_session(), current_user, filters)
    return jsonify(report.as_api())

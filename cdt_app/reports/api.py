"""``GET /api/v1/coverage`` (DESIGN section 8): the figures of a place and of its children."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, request
from flask_login import current_user

from ..permissions import can_view_reports
from .filters import parse_filters
from .views import load_report

bp = Blueprint("reports_api", __name__, url_prefix="/api/v1")


@bp.before_request
def require_viewer():
    if not current_user.is_authenticated:
        abort(401)
    if not can_view_reports(current_user):
        abort(403)


@bp.after_request
def no_store(response):
    response.headers.setdefault("Cache-Control", "no-store")
    return response


@bp.get("/coverage")
def coverage():
    """?place=<id>&from=YYYY-MM-DD&to=YYYY-MM-DD&approved_only=0|1 (level=villages for every
    village under the place instead of its children)."""
    filters = parse_filters(request.args)
    if filters.errors:
        return jsonify(error=" ".join(filters.errors.values())), 400
    _place, report = load_report(filters)
    return jsonify(report.as_api())

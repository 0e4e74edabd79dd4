"""``POST /api/v1/visits/<id>/review`` (DESIGN section 8): the review as JSON.

Session cookie plus the ``X-CSRFToken`` header. Answers: 200 with the visit's new status;
400 malformed JSON, a bad action or a missing reason; 401 not logged in; 403 a role that
does not review (or the reviewer's own visit); 404 unknown or outside the area; 409 the
status does not allow it (e.g. already approved). Errors are ``{"error": "<Vietnamese>"}``.
"""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from ..db import get_session
from ..errors import ValidationError
from ..extensions import csrf
from ..models import Visit
from ..permissions import can_review, requires
from .services import (
    ReviewConflict,
    ReviewNotAllowed,
    load_visit_for_review,
    review_visit,
)

bp = Blueprint("review_api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # checked in require_login_then_csrf, after the login check (as cdt_app.api)


@bp.before_request
def require_login_then_csrf():
    """401 before the CSRF check, so an expired session means "log in again"."""
    if not current_user.is_authenticated:
        abort(401)
    csrf.protect()


@bp.after_request
def no_store(response):
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def visit_review_json(visit: Visit) -> dict:
    return {
        "id": str(visit.id),
        "status": visit.status,
        "review_note": visit.review_note,
        "reviewed_by": visit.reviewed_by_id,
        "reviewed_at": visit.reviewed_at.isoformat() if visit.reviewed_at else None,
    }


@bp.post("/visits/<visit_id>/review")
@requires(can_review)
def review(visit_id: str):
    try:
        parsed_id = uuid.UUID(visit_id)
    except ValueError:
        abort(404)
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        return jsonify(error=_("The data sent is not valid JSON.")), 400
    session = get_session()
    visit = load_visit_for_review(session, current_user, parsed_id, lock=True)
    if visit is None:
        abort(404)
    try:
        review_visit(session, current_user, visit, payload.get("action"), payload.get("reason"))
    except ReviewNotAllowed:
        abort(403)
    except ValidationError as error:
        session.rollback()
        return jsonify(error=next(iter(error.errors.values())), errors=error.errors), 400
    except ReviewConflict as conflict:
        session.rollback()
        return jsonify(error=conflict.message, status=visit.status), 409
    session.commit()
    return jsonify(visit_review_json(visit))

"""``POST /api/v1/visits/<id>/review`` (DESIGN section 8): the review as JSON.

Answers: 200 with the visit's new status; 400 malformed JSON, a bad action or a missing
reason; 401 not logged in; 403 a role that does not review (or the reviewer's own visit); 404
unknown or outside the area; 409 the status does not allow it (e.g. already approved).
The rules are cdt_app.review.services', as for the review pages.
"""

from __future__ import annotations

import uuid

from flask import abort, jsonify
from flask_login import current_user

from ..db import get_session
from ..errors import ValidationError, error_response
from ..models import Visit
from ..permissions import can_review, requires
from ..review.services import (
    ReviewConflict,
    ReviewNotAllowed,
    load_visit_for_review,
    review_visit,
)
from .blueprint import bp
from .body import json_object, not_json


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
    payload = json_object()
    if payload is None:
        return not_json()
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
        return error_response(400, next(iter(error.errors.values())), errors=error.errors)
    except ReviewConflict as conflict:
        session.rollback()
        return error_response(409, conflict.message, status=visit.status)
    session.commit()
    return jsonify(visit_review_json(visit))

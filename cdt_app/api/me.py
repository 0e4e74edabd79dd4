"""``GET /api/v1/me`` (who am I, and the CSRF token for writes) and ``GET /api/v1/offline-data``
(what a phone keeps to work offline: cdt_app.sync.queries)."""

from __future__ import annotations

from flask import jsonify
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from ..db import get_session
from ..sync.queries import offline_data
from .blueprint import bp


@bp.get("/me")
def me():
    user = current_user
    return jsonify(
        user={
            "id": user.id,
            "username": user.username,
            "display_name": user.display_name,
            "role": user.role,
            "place_id": user.place_id,
        },
        csrf_token=generate_csrf(),
    )


@bp.get("/offline-data")
def offline():
    english = str(get_locale() or "vi") == "en"
    return jsonify(offline_data(get_session(), current_user, english=english))

"""The /api/v1 blueprint and its one guard.

Authentication is the session cookie; writes also need Flask-WTF's ``X-CSRFToken`` header.
The login check runs before the CSRF check, so a client whose session has expired gets 401
(log in again), not a CSRF error. What a role may then do is each endpoint's
``@requires(rule)`` (cdt_app.permissions). Errors are JSON ``{"error": "…"}``
(cdt_app.errors.error_response).
"""

from __future__ import annotations

from flask import Blueprint, abort, request
from flask_login import current_user

from ..db import SAFE_METHODS
from ..extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # checked in require_login_then_csrf, after the login check

#: endpoints anyone may read, logged in or not
PUBLIC = {"api.openapi"}


@bp.before_request
def require_login_then_csrf():
    if request.endpoint in PUBLIC:
        return None
    if not current_user.is_authenticated:
        abort(401)
    if request.method not in SAFE_METHODS:
        csrf.protect()
    return None


@bp.after_request
def no_store(response):
    response.headers.setdefault("Cache-Control", "no-store")
    return response

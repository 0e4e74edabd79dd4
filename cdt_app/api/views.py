"""``/api/v1``: who am I, sync, offline data and the OpenAPI document.

Authentication is the session cookie; writes also need Flask-WTF's ``X-CSRFToken`` header.
The login check runs before the CSRF check, so a client whose session has expired gets 401
(log in again), not a CSRF error. Errors are JSON ``{"error": "…"}`` (cdt_app.errors).
"""

from __future__ import annotations

import random
import time

from flask import Blueprint, abort, current_app, jsonify, request
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy.exc import OperationalError

from ..db import SAFE_METHODS, get_session, is_busy
from ..extensions import csrf
from ..sync.queries import offline_data
from ..sync.services import MAX_ITEMS, sync_items
from .openapi import openapi_document

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # checked in require_login_then_csrf, after the login check

#: whole-batch attempts when the database reports a deadlock or a lock timeout
SYNC_ATTEMPTS = 5
_PUBLIC = {"api.openapi"}


@bp.before_request
def require_login_then_csrf():
    if request.endpoint in _PUBLIC:
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


@bp.post("/sync")
def sync():
    body = request.get_json(force=True, silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("items"), list):
        abort(400)
    items = body["items"]
    if len(items) > MAX_ITEMS:
        abort(413)
    started = time.perf_counter()
    session = get_session()
    for attempt in range(1, SYNC_ATTEMPTS + 1):
        try:
            results = sync_items(session, current_user, items)
            session.commit()
            break
        except OperationalError as error:
            # a deadlock or a lock wait that timed out: nothing of this batch is stored; run
            # it again from the start (after the last attempt: 503, try again later)
            session.rollback()
            if not is_busy(error) or attempt == SYNC_ATTEMPTS:
                raise
            current_app.logger.warning("sync: database busy (attempt %d)", attempt)
            time.sleep(random.uniform(0.02, 0.1) * attempt)  # noqa: S311 (jitter)
    response = jsonify(results=results)
    elapsed_ms = (time.perf_counter() - started) * 1000
    response.headers["Server-Timing"] = f"app;dur={elapsed_ms:.1f}"  # for monitoring and bench/
    return response


@bp.get("/openapi.json")
def openapi():
    response = jsonify(openapi_document())
    response.headers["Cache-Control"] = "no-cache"
    return response

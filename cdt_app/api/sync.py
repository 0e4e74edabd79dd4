"""``POST /api/v1/sync``: the phone's outbox, stored in one transaction (cdt_app.sync.services)."""

from __future__ import annotations

import random
import time

from flask import abort, current_app, jsonify
from flask_login import current_user
from sqlalchemy.exc import OperationalError

from ..db import get_session, is_busy
from ..sync.services import MAX_ITEMS, sync_items
from .blueprint import bp
from .body import json_object, not_json

#: whole-batch attempts when the database reports a deadlock or a lock timeout
SYNC_ATTEMPTS = 5


@bp.post("/sync")
def sync():
    body = json_object()
    if body is None or not isinstance(body.get("items"), list):
        return not_json()
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

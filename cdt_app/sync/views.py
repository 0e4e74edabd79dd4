"""The "Đồng bộ" page, the offline fallback page and the service worker script.

The service worker is served from the root (``/sw.js``) so that its scope is the whole app.
Its build (a version and the files to precache) is written into the script when it is served:
the version is a hash of those files, so any change to them installs a new worker, which
fills a new cache and only removes the old one once it is active.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template
from flask_login import login_required

from .offline_app import service_worker_source

bp = Blueprint("sync", __name__)


@bp.get("/sync")
@login_required
def index():
    return render_template("sync/index.html")


@bp.get("/offline")
def offline():
    """Shown by the service worker for a page that is not kept on the phone."""
    return render_template("sync/offline.html")


@bp.get("/sw.js")
def service_worker():
    response = Response(service_worker_source(current_app), mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return response

"""The "Đồng bộ" page, the offline fallback page and the service worker script.

The service worker is served from the root (``/sw.js``) so that its scope is the whole app.
Its build (a version and the files to precache) is written into the script when it is served:
the version is a hash of those files, so any change to them installs a new worker, which
fills a new cache and only removes the old one once it is active.
"""

from __future__ import annotations

import uuid
from types import SimpleNamespace

from flask import Blueprint, Response, current_app, render_template
from flask_login import current_user, login_required

from ..db import get_session
from ..i18n import today_local
from ..scope import user_place_or_404
from ..visits.forms import VisitForm
from ..visits.queries import skills_for_form
from .offline_app import BLANK_HOUSEHOLD_ID, service_worker_source

bp = Blueprint("sync", __name__)


@bp.get("/sync")
@login_required
def index():
    return render_template("sync/index.html")


@bp.get("/sync/visit-form")
@login_required
def visit_form():
    """The visit form with a blank household, kept on the phone by the service worker.

    Offline, it stands for the visit form of any household (the page JS fills in the household
    from the data kept on the phone); online, it fixes a visit waiting in the outbox. What it
    saves always goes through the outbox, so the same service validates it.
    """
    session = get_session()
    user_place_or_404(session, current_user)
    form = VisitForm()
    form.new_id.data = str(uuid.uuid4())
    form.household_id.data = str(BLANK_HOUSEHOLD_ID)
    form.show_date(today_local())
    form.people_taught.data = "1"
    household = SimpleNamespace(
        id=BLANK_HOUSEHOLD_ID, head_name="", address="", members="{members}"
    )
    return render_template(
        "visits/form.html",
        form=form,
        household=household,
        visit=None,
        skills=skills_for_form(session),
        chosen=set(),
        completed=set(),
    )


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

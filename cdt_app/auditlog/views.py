"""The audit log for staff and administrators: read-only (GET routes only, append-only log)."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request, url_for
from flask_login import current_user, login_required

from ..db import get_session
from ..permissions import can_read_audit_log, requires
from ..scope import user_place_or_404
from ..values import clean_search, parse_page
from .describe import describe_entries, object_title
from .forms import AuditFilterForm
from .queries import KNOWN_ACTIONS, KNOWN_OBJECT_TYPES, AuditFilters, audit_entries
from .wording import type_labels

bp = Blueprint("auditlog", __name__, url_prefix="/audit")
_ARGS = ("action", "object_type", "actor", "date_from", "date_to")


def _page_url(args: dict, page: int) -> str:
    return url_for("auditlog.index", **{**args, "page": page})


@bp.get("/")
@login_required
@requires(can_read_audit_log)
def index():
    session = get_session()
    root = user_place_or_404(session, current_user)
    form = AuditFilterForm(
        formdata=request.args, actions=KNOWN_ACTIONS, object_types=KNOWN_OBJECT_TYPES
    )
    form.validate()
    filters = AuditFilters(
        action=(form.action.data or "").strip()[:40],
        object_type=(form.object_type.data or "").strip()[:40],
        actor=clean_search(form.actor.data, 64),
        date_from=form.date_from.data,
        date_to=form.date_to.data,
        page=parse_page(request.args.get("page")),
    )
    page = audit_entries(session, current_user, root, filters)
    args = {key: value for key, value in request.args.items() if key in _ARGS and value}
    return render_template(
        "auditlog/index.html",
        form=form,
        page=page,
        lines=describe_entries(session, page.entries)[0],
        filtered=bool(args),
        prev_url=_page_url(args, page.page - 1) if page.page > 1 else None,
        next_url=_page_url(args, page.page + 1) if page.has_next else None,
    )


@bp.get("/<object_type>/<object_id>")
@login_required
@requires(can_read_audit_log)
def history(object_type: str, object_id: str):
    """Every entry of one object that lies in the reader's area, newest first."""
    session = get_session()
    root = user_place_or_404(session, current_user)
    if len(object_type) > 40 or len(object_id) > 64:
        abort(404)
    page = audit_entries(
        session,
        current_user,
        root,
        AuditFilters(object_type=object_type, object_id=object_id, per_page=500),
    )
    if not page.entries:
        abort(404)
    lines, names = describe_entries(session, page.entries, link=False)
    return render_template(
        "auditlog/object.html",
        title=object_title(object_type, object_id, names),
        # the heading of a visit, an account or a household names its kind already
        type_label=type_labels()[object_type] if object_type in ("place", "skill") else "",
        place_name=page.entries[0]["place_name"],
        audit_history=lines,
        truncated=page.has_next,
    )

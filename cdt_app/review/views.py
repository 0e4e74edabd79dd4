"""The review queue and a visit's review sheet: approve one or a selection, return with a
reason. Works without JavaScript: every action is a plain form."""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from ..db import get_session
from ..errors import populate_form_errors
from ..forms import ActionForm, form_transaction, int_or_none
from ..models import Visit
from ..permissions import can_review, requires
from ..safety import safe_next
from ..scope import get_place_or_404, user_place_or_404
from ..values import parse_page
from ..visit_rows import status_history
from .forms import QueueFilterForm, ReturnForm
from .queries import (
    PER_PAGE,
    PER_PAGE_MAX,
    QUEUE_STATUSES,
    QueueFilters,
    place_options,
    review_queue,
    skill_options,
    visit_sheet,
    volunteer_options,
)
from .services import (
    ReviewConflict,
    ReviewNotAllowed,
    approve_many,
    can_review_visit,
    load_visit_for_review,
    review_visit,
)

bp = Blueprint("review", __name__, url_prefix="/review")
#: query-string parameters the queue keeps from one page (or tab) to the next
_QUEUE_ARGS = ("place", "volunteer", "date_from", "date_to", "skill", "per_page")


def _next_url() -> str:
    return safe_next(request.values.get("next")) or url_for("review.queue")


def _queue_url(args: dict, **changes) -> str:
    """The queue's URL with ``args`` changed; defaults (first page, submitted) left out."""
    merged = {key: value for key, value in {**args, **changes}.items() if value not in ("", None)}
    if merged.get("status") == "submitted":
        del merged["status"]
    return url_for("review.queue", **merged)


@bp.get("/")
@login_required
@requires(can_review)
def queue():
    session = get_session()
    root = user_place_or_404(session, current_user)
    form = QueueFilterForm(formdata=request.args)
    form.validate()
    selected = get_place_or_404(session, current_user, form.place.data) if form.place.data else None
    status = request.args.get("status", "")
    status = status if status in QUEUE_STATUSES else "submitted"
    per_page = int_or_none(request.args.get("per_page")) or PER_PAGE
    filters = QueueFilters(
        status=status,
        place=selected,
        volunteer_id=form.volunteer.data,
        date_from=form.date_from.data,
        date_to=form.date_to.data,
        skill_id=form.skill.data,
        page=parse_page(request.args.get("page")),
        per_page=min(max(per_page, 1), PER_PAGE_MAX),
    )
    places = place_options(session, root, selected) if not root.is_village else []
    volunteers, volunteers_cut = volunteer_options(session, current_user, selected or root)
    form.place.choices = [("", _("All places"))] + [
        (p["id"], "\u2003" * p["level"] + p["label"]) for p in places
    ]
    form.volunteer.choices = [("", _("Everyone"))] + volunteers
    form.skill.choices = [("", _("All skills"))] + skill_options(session)
    page = review_queue(session, current_user, filters)

    args = {key: value for key, value in request.args.items() if key in _QUEUE_ARGS}
    args["status"] = status
    here = _queue_url(args, page=page.page if page.page > 1 else None)
    return render_template(
        "review/queue.html",
        form=form,
        page=page,
        places=places,
        volunteers_cut=volunteers_cut,
        filtered=any(
            (selected, filters.volunteer_id, filters.date_from, filters.date_to, filters.skill_id)
        ),
        tab_urls={s: _queue_url(args, status=s, page=None) for s in QUEUE_STATUSES},
        clear_url=url_for("review.queue", status=status),
        prev_url=_queue_url(args, page=page.page - 1) if page.has_previous else None,
        next_url=_queue_url(args, page=page.page + 1) if page.has_next else None,
        here=here,
        action_form=ActionForm(),
    )


@bp.post("/approve")
@login_required
@requires(can_review)
def approve_selected():
    """Approve the ticked visits, or the one whose own button was pressed (``only``)."""
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    session = get_session()
    only = request.form.get("only")
    raw_ids = [only] if only else request.form.getlist("visit_ids")
    with form_transaction(flash_error=True) as outcome:
        result = approve_many(session, current_user, raw_ids)
    if not outcome.ok:
        return redirect(_next_url())
    if result.approved:
        flash(
            _("%(n)d visits approved.", n=len(result.approved))
            if len(result.approved) > 1
            else _("The visit has been approved."),
            "success",
        )
    if result.skipped:
        flash(
            ngettext(
                "%(num)d selected visit could not be approved (already reviewed or not yours to "
                "review).",
                "%(num)d selected visits could not be approved (already reviewed or not yours to "
                "review).",
                result.skipped,
            ),
            "warning",
        )
    return redirect(_next_url())


def _render_sheet(session, visit: Visit, return_form: ReturnForm):
    return render_template(
        "review/visit.html",
        sheet=visit_sheet(session, visit),
        status_history=status_history(session, visit.id),
        can_act=can_review_visit(session, current_user, visit),
        own=visit.volunteer_id == current_user.id,
        return_form=return_form,
        action_form=ActionForm(),
        next_url=_next_url(),
    )


@bp.get("/visits/<uuid:visit_id>")
@login_required
@requires(can_review)
def visit(visit_id: uuid.UUID):
    session = get_session()
    found = load_visit_for_review(session, current_user, visit_id)
    if found is None:
        abort(404)
    return _render_sheet(session, found, ReturnForm())


@bp.post("/visits/<uuid:visit_id>/approve")
@login_required
@requires(can_review)
def approve(visit_id: uuid.UUID):
    return _act(visit_id, "approve")


@bp.post("/visits/<uuid:visit_id>/return")
@login_required
@requires(can_review)
def return_visit(visit_id: uuid.UUID):
    return _act(visit_id, "return")


def _act(visit_id: uuid.UUID, action: str):
    session = get_session()
    found = load_visit_for_review(session, current_user, visit_id, lock=True)
    if found is None:
        abort(404)
    form = ReturnForm() if action == "return" else ActionForm()
    if not form.validate_on_submit():
        abort(400)
    reason = form.reason.data if action == "return" else None
    try:
        with form_transaction() as outcome:
            review_visit(session, current_user, found, action, reason)
    except ReviewNotAllowed:
        abort(403)
    except ReviewConflict as conflict:
        flash(conflict.message, "error")
        return redirect(url_for("review.visit", visit_id=visit_id, next=_next_url()))
    if not outcome.ok:
        return_form = form if action == "return" else ReturnForm()
        populate_form_errors(return_form, outcome.errors)
        return _render_sheet(session, found, return_form)
    if action == "approve":
        flash(_("The visit has been approved."), "success")
    else:
        flash(_("The visit has been returned to its author with your reason."), "success")
    return redirect(_next_url())

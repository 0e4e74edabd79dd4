"""Logging a visit, "my visits", the visit page, editing and deleting, the team's visits."""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ..db import MAX_ID, get_session
from ..forms import form_transaction
from ..households.profile import current_profile, profiles_on
from ..households.queries import area_has_many_villages, list_households
from ..households.services import get_household_or_404
from ..i18n import today_local
from ..models import Household, Place, User, Visit, VisitSkill
from ..permissions import can_see_team_visits, requires
from ..scope import user_place_or_404
from ..searches import search_key_arg, search_redirect, search_text
from ..values import BadValue, parse_int, parse_page
from ..visit_rows import skills_of_visits, status_history
from .forms import VisitForm
from .queries import (
    my_visits,
    skills_for_form,
    team_members,
    team_visits,
)
from .services import (
    VisitLocked,
    can_edit,
    delete_visit,
    get_visit_or_404,
    log_visit,
    save_visit,
)

bp = Blueprint("visits", __name__, url_prefix="/visits")


def _int_arg(name: str) -> int | None:
    try:
        return parse_int(request.args.get(name, ""), low=1, high=MAX_ID)
    except BadValue:
        return None


def _render_form(form: VisitForm, household: Household, visit: Visit | None, keep_ids=None):
    session = get_session()
    return render_template(
        "visits/form.html",
        form=form,
        household=household,
        visit=visit,
        skills=skills_for_form(session, keep_ids),
        chosen=set(form.skills.data or []) | set(form.completed.data or []),
        completed=set(form.completed.data or []),
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    session = get_session()
    user_place_or_404(session, current_user)
    if request.method == "POST" and "household_id" not in request.form:
        # the household picker's search box (cdt_app.searches: no name or phone in a URL)
        return search_redirect("visits.new") or abort(400)
    form = VisitForm()
    household_ref = form.household_id.data if form.is_submitted() else request.args.get("household")
    if not household_ref:
        if form.is_submitted():
            abort(400)
        moved = search_redirect("visits.new")  # an old link with ?q=
        if moved is not None:
            return moved
        # no household yet: choose one from the list or the search
        page = list_households(
            session,
            current_user,
            search_text(),
            parse_page(request.args.get("page")),
            recent_first=True,
        )
        return render_template(
            "households/index.html",
            page=page,
            search=search_key_arg(),
            show_village=area_has_many_villages(session, current_user),
            picking=True,
        )
    household = get_household_or_404(session, current_user, household_ref)
    if not form.is_submitted():
        form.household_id.data = str(household.id)
        form.new_id.data = str(uuid.uuid4())
        form.show_date(today_local())
        form.people_taught.data = "1"
        form.show_profile(current_profile(household))
    elif form.validate_on_submit():
        with form_transaction(form) as outcome:
            visit, is_new = log_visit(session, current_user, form.service_data(), form.new_id.data)
        if outcome.ok:
            if is_new:
                flash(_("The visit has been saved."), "success")
            # the visit saved, and the next one: the same household or another
            return redirect(url_for("visits.detail", visit_id=visit.id, saved=1))
    return _render_form(form, household, None)


@bp.get("/mine")
@login_required
def mine():
    session = get_session()
    page = parse_page(request.args.get("page"))
    return render_template("visits/mine.html", groups=my_visits(session, current_user, page))


@bp.get("/team")
@login_required
@requires(can_see_team_visits)
def team():
    session = get_session()
    volunteer_id = _int_arg("volunteer")
    page = parse_page(request.args.get("page"))
    rows, has_next = team_visits(session, current_user, page, volunteer_id)
    return render_template(
        "visits/team.html",
        rows=rows,
        has_next=has_next,
        page=page,
        members=team_members(session, current_user),
        volunteer_id=volunteer_id,
    )


@bp.get("/<uuid:visit_id>")
@login_required
def detail(visit_id: uuid.UUID):
    session = get_session()
    visit = get_visit_or_404(session, current_user, visit_id)
    history = status_history(session, visit.id)  # who, when, reason (review's partial)
    return render_template(
        "visits/detail.html",
        visit=visit,
        household=session.get(Household, visit.household_id),
        village=session.get(Place, visit.village_id),
        author=session.get(User, visit.volunteer_id),
        skills=skills_of_visits(session, [visit.id])[visit.id],
        history=history,
        editable=can_edit(current_user, visit),
        just_saved=request.args.get("saved") == "1" and visit.volunteer_id == current_user.id,
    )


def _editable_or_403(visit: Visit) -> None:
    if not can_edit(current_user, visit):
        abort(403)


@bp.route("/<uuid:visit_id>/edit", methods=["GET", "POST"])
@login_required
def edit(visit_id: uuid.UUID):
    session = get_session()
    visit = get_visit_or_404(session, current_user, visit_id)
    _editable_or_403(visit)
    household = session.get(Household, visit.household_id)
    current = skills_of_visits(session, [visit.id])[visit.id]
    keep_ids = set(
        session.scalars(select(VisitSkill.skill_id).where(VisitSkill.visit_id == visit.id))
    )
    form = VisitForm()
    if not form.is_submitted():
        form.household_id.data = str(visit.household_id)
        form.show_date(visit.visited_on)
        form.people_taught.data = str(visit.people_taught)
        form.notes.data = visit.notes
        form.skills.data = [s.code for s in current]
        form.completed.data = [s.code for s in current if s.completed]
        form.lat.data = "" if visit.lat is None else str(visit.lat)
        form.lon.data = "" if visit.lon is None else str(visit.lon)
        # as on the visit's day, with what the visit recorded; compared without it
        base = {"members": household.members}
        with_it = profiles_on(session, [household.id], visit.visited_on)[household.id]
        without = profiles_on(session, [household.id], visit.visited_on, visit.id)[household.id]
        form.show_profile({**base, **with_it}, {**base, **without})
    elif form.validate_on_submit():
        try:
            with form_transaction(form) as outcome:
                save_visit(session, current_user, form.service_data(), visit=visit)
        except VisitLocked:
            abort(403)
        if outcome.ok:
            flash(_("The changes have been saved."), "success")
            return redirect(url_for("visits.detail", visit_id=visit.id))
    return _render_form(form, household, visit, keep_ids)


@bp.route("/<uuid:visit_id>/delete", methods=["GET", "POST"])
@login_required
def delete(visit_id: uuid.UUID):
    session = get_session()
    visit = get_visit_or_404(session, current_user, visit_id)
    _editable_or_403(visit)
    if request.method == "POST":
        try:
            delete_visit(session, current_user, visit)
        except VisitLocked:
            session.rollback()
            abort(403)
        session.commit()
        flash(_("The visit has been deleted."), "success")
        return redirect(url_for("visits.mine"))
    return render_template(
        "visits/delete.html", visit=visit, household=session.get(Household, visit.household_id)
    )

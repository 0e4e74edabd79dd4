"""The skills catalogue (staff and admins): list, add, rename, reorder, retire, reactivate."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..db import get_session
from ..forms import form_transaction
from ..models import Skill
from ..permissions import can_manage_skills, requires
from ..values import parse_bool
from .forms import SkillForm
from .services import move_skill, ordered_skills, save_skill, set_active

bp = Blueprint("skills", __name__, url_prefix="/skills")


def _skill_or_404(session, skill_id: int) -> Skill:
    skill = session.get(Skill, skill_id)
    if skill is None:
        abort(404)
    return skill


@bp.get("/")
@login_required
@requires(can_manage_skills)
def index():
    return render_template("skills/index.html", skills=ordered_skills(get_session()))


@bp.route("/new", methods=["GET", "POST"])
@login_required
@requires(can_manage_skills)
def create():
    session = get_session()
    form = SkillForm()
    if form.validate_on_submit():
        with form_transaction(form) as outcome:
            save_skill(session, current_user, form.data)
        if outcome.ok:
            flash(_("The skill has been added."), "success")
            return redirect(url_for("skills.index"))
    return render_template("skills/form.html", form=form, skill=None)


@bp.route("/<int:skill_id>/edit", methods=["GET", "POST"])
@login_required
@requires(can_manage_skills)
def edit(skill_id: int):
    session = get_session()
    skill = _skill_or_404(session, skill_id)
    form = SkillForm(obj=skill)
    if form.validate_on_submit():
        with form_transaction(form) as outcome:
            save_skill(session, current_user, form.data, skill=skill)
        if outcome.ok:
            flash(_("The changes have been saved."), "success")
            return redirect(url_for("skills.index"))
    return render_template("skills/form.html", form=form, skill=skill)


@bp.post("/<int:skill_id>/move")
@login_required
@requires(can_manage_skills)
def move(skill_id: int):
    session = get_session()
    skill = _skill_or_404(session, skill_id)
    move_skill(session, current_user, skill, request.form.get("direction", ""))
    session.commit()
    return redirect(url_for("skills.index") + f"#skill-{skill.id}")


@bp.post("/<int:skill_id>/active")
@login_required
@requires(can_manage_skills)
def toggle(skill_id: int):
    session = get_session()
    skill = _skill_or_404(session, skill_id)
    active = parse_bool(request.form.get("active"), default=False)
    set_active(session, current_user, skill, active)
    session.commit()
    if active:
        flash(_("The skill is offered again in new visits."), "success")
    else:
        flash(_("The skill is retired: it is no longer offered, and stays in history."), "success")
    return redirect(url_for("skills.index"))

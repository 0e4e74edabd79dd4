"""People: accounts in the manager's area."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ..auth.access import roles_required
from ..db import get_session
from ..errors import ValidationError, populate_form_errors
from ..models import ROLE_RANK, ROLES, Place, User
from ..scope import area_condition, place_in_area, user_place
from .forms import UserForm, role_labels
from .services import MANAGER_MAX_ROLE, UserInput, create_user, update_user

bp = Blueprint("users", __name__, url_prefix="/users")
MANAGERS = tuple(MANAGER_MAX_ROLE)


def _role_choices() -> list[tuple[str, str]]:
    limit = ROLE_RANK[MANAGER_MAX_ROLE[current_user.role]]
    labels = role_labels()
    return [(role, str(labels[role])) for role in ROLES if ROLE_RANK[role] <= limit]


def _get_user_or_404(session, user_id: int) -> User:
    user = session.get(User, user_id)
    place = session.get(Place, user.place_id) if user and user.place_id else None
    if user is None or not place_in_area(session, current_user, place):
        abort(404)
    return user


def _place_by_code(session, code: str) -> Place:
    place = session.scalar(
        select(Place).where(Place.code == (code or "").strip()).order_by(Place.code_scheme)
    )
    if place is None or not place_in_area(session, current_user, place):
        raise ValidationError({"place_code": _("No place with this code in your area.")})
    return place


@bp.get("/")
@login_required
@roles_required(*MANAGERS)
def index():
    session = get_session()
    rows = session.execute(
        select(User, Place)
        .join(Place, Place.id == User.place_id)
        .where(area_condition(session, current_user))
        .order_by(Place.sort_key, User.username)
    ).all()
    return render_template("users/index.html", rows=rows, role_labels=role_labels())


@bp.route("/new", methods=["GET", "POST"])
@login_required
@roles_required(*MANAGERS)
def create():
    session = get_session()
    form = UserForm()
    form.role.choices = _role_choices()
    if form.validate_on_submit():
        try:
            place = _place_by_code(session, form.place_code.data)
            user = create_user(
                session,
                current_user,
                UserInput(
                    username=form.username.data,
                    display_name=form.display_name.data or "",
                    role=form.role.data,
                    place_id=place.id,
                    password=form.password.data or "",
                    active=bool(form.active.data),
                ),
                actor_place=user_place(session, current_user),
            )
        except ValidationError as error:
            session.rollback()
            populate_form_errors(
                form, {("place_code" if k == "place_id" else k): v for k, v in error.errors.items()}
            )
        else:
            session.commit()
            flash(
                _("The account %(username)s has been created.", username=user.username), "success"
            )
            return redirect(url_for("users.index"))
    elif not form.is_submitted():
        own = user_place(session, current_user)
        form.place_code.data = own.code if own else ""
    return render_template("users/form.html", form=form, user=None)


@bp.route("/<int:user_id>/edit", methods=["GET", "POST"])
@login_required
@roles_required(*MANAGERS)
def edit(user_id: int):
    session = get_session()
    user = _get_user_or_404(session, user_id)
    if ROLE_RANK[user.role] > ROLE_RANK[MANAGER_MAX_ROLE[current_user.role]]:
        abort(403)
    form = UserForm(obj=user)
    form.role.choices = _role_choices()
    del form.password
    if not form.is_submitted():
        form.place_code.data = session.get(Place, user.place_id).code
    if form.validate_on_submit():
        try:
            place = _place_by_code(session, form.place_code.data)
            update_user(
                session,
                current_user,
                user,
                UserInput(
                    username=form.username.data,
                    display_name=form.display_name.data or "",
                    role=form.role.data,
                    place_id=place.id,
                    active=bool(form.active.data),
                ),
                actor_place=user_place(session, current_user),
            )
        except ValidationError as error:
            session.rollback()
            populate_form_errors(
                form, {("place_code" if k == "place_id" else k): v for k, v in error.errors.items()}
            )
        else:
            session.commit()
            flash(_("The changes have been saved."), "success")
            return redirect(url_for("users.index"))
    return render_template("users/form.html", form=form, user=user)

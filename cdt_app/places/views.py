"""Browse places with drill-down; create, edit, move and import (staff and admins)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ..auth.access import roles_required
from ..db import get_session
from ..errors import ValidationError, populate_form_errors
from ..models import Place
from ..scope import get_place_or_404, place_in_area, user_place
from .forms import ImportForm, PlaceForm
from .importer import ImportRefused, import_places, read_rows
from .services import PlaceInput, ancestors_of, children_of, create_place, update_place

bp = Blueprint("places", __name__, url_prefix="/places")
MANAGERS = ("staff", "admin")


@bp.get("/")
@login_required
def index():
    place = user_place(get_session(), current_user)
    if place is None:
        abort(404)
    return redirect(url_for("places.detail", place_id=place.id))


@bp.get("/<int:place_id>")
@login_required
def detail(place_id: int):
    session = get_session()
    place = get_place_or_404(session, current_user, place_id)
    root = user_place(session, current_user)
    trail = [p for p in ancestors_of(session, place) if place_in_area(session, current_user, p)]
    return render_template(
        "places/detail.html",
        place=place,
        children=children_of(session, place),
        trail=trail,
        can_manage=current_user.role in MANAGERS,
        is_root=place.id == root.id,
    )


def _input_from(form: PlaceForm, parent_id: int | None) -> PlaceInput:
    return PlaceInput(
        name=form.name.data or "",
        kind=form.kind.data or "",
        code=form.code.data or "",
        parent_id=parent_id,
        target_households=form.target_households.data,
        active=bool(form.active.data),
    )


def _parent_from_code(session, form: PlaceForm) -> Place | None:
    """The parent named by code, inside the user's area; a form error otherwise."""
    code = (form.parent_code.data or "").strip()
    if not code:
        return None
    parent = session.scalar(select(Place).where(Place.code == code).order_by(Place.code_scheme))
    if parent is None or not place_in_area(session, current_user, parent):
        raise ValidationError({"parent_code": _("No place with this code in your area.")})
    return parent


@bp.route("/<int:parent_id>/new", methods=["GET", "POST"])
@login_required
@roles_required(*MANAGERS)
def create(parent_id: int):
    session = get_session()
    parent = get_place_or_404(session, current_user, parent_id)
    form = PlaceForm(parent_code=parent.code)
    if request.method == "GET":
        form.kind.data = "thon" if parent.level in ("commune", "district") else "xa"
    if form.validate_on_submit():
        try:
            new_parent = _parent_from_code(session, form) or parent
            place = create_place(session, current_user, _input_from(form, new_parent.id))
        except ValidationError as error:
            populate_form_errors(
                form,
                {("parent_code" if k == "parent_id" else k): v for k, v in error.errors.items()},
            )
        else:
            session.commit()
            flash(_("The place has been created."), "success")
            return redirect(url_for("places.detail", place_id=place.id))
    return render_template("places/form.html", form=form, parent=parent, place=None)


@bp.route("/<int:place_id>/edit", methods=["GET", "POST"])
@login_required
@roles_required(*MANAGERS)
def edit(place_id: int):
    session = get_session()
    place = get_place_or_404(session, current_user, place_id)
    is_root = place.id == user_place(session, current_user).id
    parent = session.get(Place, place.parent_id) if place.parent_id else None
    form = PlaceForm(obj=place, parent_code=parent.code if parent else "")
    if form.validate_on_submit():
        try:
            new_parent = _parent_from_code(session, form)
            if is_root and (new_parent.id if new_parent else None) != place.parent_id:
                raise ValidationError({"parent_code": _("You cannot move your own place.")})
            if new_parent is None and not is_root:
                raise ValidationError({"parent_code": _("Please enter the parent's code.")})
            update_place(
                session,
                current_user,
                place,
                _input_from(form, new_parent.id if new_parent else None),
            )
        except ValidationError as error:
            session.rollback()
            populate_form_errors(
                form,
                {("parent_code" if k == "parent_id" else k): v for k, v in error.errors.items()},
            )
        else:
            session.commit()
            flash(_("The changes have been saved."), "success")
            return redirect(url_for("places.detail", place_id=place.id))
    return render_template("places/form.html", form=form, parent=parent, place=place)


@bp.route("/import", methods=["GET", "POST"])
@login_required
@roles_required(*MANAGERS)
def upload():
    session = get_session()
    form = ImportForm()
    errors: list[tuple[int, str]] = []
    if form.validate_on_submit():
        upload_file = form.file.data
        try:
            rows = read_rows(upload_file.filename or "", upload_file.read())
            result = import_places(
                session, current_user, rows, within=user_place(session, current_user)
            )
        except ImportRefused as refused:
            session.rollback()
            errors = refused.errors
        else:
            session.commit()
            flash(
                _(
                    "Import finished: %(created)d created, %(updated)d updated.",
                    created=result.created,
                    updated=result.updated,
                ),
                "success",
            )
            return redirect(url_for("places.index"))
    return render_template("places/import.html", form=form, errors=errors)

"""Browse places with drill-down; create, edit, move, merge and import (staff and admins)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from ..db import get_session
from ..errors import ValidationError
from ..forms import form_transaction
from ..models import Place
from ..permissions import can_add_people_at_places, can_manage_places, requires
from ..scope import get_place_or_404, place_in_area, user_place, user_place_or_404
from .forms import ImportForm, MergeForm, PlaceForm
from .importer import ImportRefused, import_places, read_rows
from .kinds import kind_choices, kinds_under, tree_scheme
from .picker import build_picker, chosen_place, picker_pressed
from .queries import (
    children_with_counts,
    household_count,
    merge_candidates,
    people_count,
)
from .services import PlaceInput, ancestors_of, create_place, merge_villages, update_place

bp = Blueprint("places", __name__, url_prefix="/places")


#: the picker's form field for the parent
PARENT = "parent_id"


@bp.get("/")
@login_required
def index():
    place = user_place_or_404(get_session(), current_user)
    return redirect(url_for("places.detail", place_id=place.id))


@bp.get("/<int:place_id>")
@login_required
def detail(place_id: int):
    session = get_session()
    place = get_place_or_404(session, current_user, place_id)
    root = user_place(session, current_user)
    trail = [p for p in ancestors_of(session, place) if place_in_area(session, current_user, p)]
    village_facts = None
    if place.is_village:
        village_facts = {
            "households": household_count(session, place),
            "people": people_count(session, place),
        }
    can_manage = can_manage_places(current_user)
    return render_template(
        "places/detail.html",
        place=place,
        children=[] if place.is_village else children_with_counts(session, place),
        trail=trail,
        village_facts=village_facts,
        can_manage=can_manage,
        can_add_people=can_add_people_at_places(current_user),
        can_merge=can_manage and place.is_village and place.active and place.id != root.id,
        is_root=place.id == root.id,
    )


def _input_from(form: PlaceForm, parent_id: int | None, scheme: str) -> PlaceInput:
    return PlaceInput(
        name=form.name.data or "",
        kind=form.kind.data or "",
        code=form.code.data or "",
        code_scheme=scheme,
        parent_id=parent_id,
        target_households=form.target_value(),
        active=bool(form.active.data),
    )


def _parent_picker(session, place: Place | None, default: Place | None):
    """The parent picker: places that can hold others (not villages, not ``place``'s own
    subtree), inside the user's area."""

    def can_hold(candidate: Place) -> bool:
        inside = place is not None and candidate.path.startswith(place.path)
        return not candidate.is_village and not inside

    data = request.form if request.method == "POST" else None
    return build_picker(
        session, current_user, data, name=PARENT, default=default, selectable=can_hold
    )


def _picked_parent(session) -> Place:
    parent = chosen_place(session, current_user, request.form, name=PARENT)
    if parent is None:
        raise ValidationError({PARENT: _("Please choose the parent place.")})
    return parent


def _form_page(form: PlaceForm, parent: Place | None, place: Place | None, picker, **extra):
    return render_template(
        "places/form.html", form=form, parent=parent, place=place, picker=picker, **extra
    )


@bp.route("/<int:parent_id>/new", methods=["GET", "POST"])
@login_required
@requires(can_manage_places)
def create(parent_id: int):
    session = get_session()
    parent = get_place_or_404(session, current_user, parent_id)
    if parent.is_village:
        abort(404)
    form = PlaceForm()
    picker = _parent_picker(session, None, parent)
    under = picker.chosen if picker.chosen and not picker.chosen.is_village else parent
    scheme = tree_scheme(under)
    form.kind.choices = kind_choices(kinds_under(under, scheme))
    if request.method == "GET" and form.kind.choices:
        form.kind.data = form.kind.choices[0][0]
    if form.is_submitted() and picker_pressed(request.form, PARENT):
        return _form_page(form, parent, None, picker)  # search or open: nothing is saved
    if form.validate_on_submit():
        with form_transaction(form) as outcome:
            data = _input_from(form, _picked_parent(session).id, scheme)
            place = create_place(session, current_user, data)
        if outcome.ok:
            flash(_("The place has been created."), "success")
            return redirect(url_for("places.detail", place_id=place.id))
    return _form_page(form, parent, None, picker)


@bp.route("/<int:place_id>/edit", methods=["GET", "POST"])
@login_required
@requires(can_manage_places)
def edit(place_id: int):
    session = get_session()
    place = get_place_or_404(session, current_user, place_id)
    is_root = place.id == user_place(session, current_user).id
    parent = session.get(Place, place.parent_id) if place.parent_id else None
    form = PlaceForm(obj=place)
    picker = None
    if is_root:  # the user's own place stays where it is
        del form.parent_id
    else:
        picker = _parent_picker(session, place, parent)
        if form.is_submitted() and picker_pressed(request.form, PARENT):
            return _form_page(form, parent, place, picker)  # search or open: nothing saved
    scheme = tree_scheme(place, parent)
    form.kind.choices = kind_choices(kinds_under(parent, scheme), place.kind)
    asking = saving = False
    if form.validate_on_submit():
        # taking a place out of use asks first: the same form again, saying what it means
        asking = place.active and not form.active.data and not form.confirm_deactivate.data
        saving = not asking
    if saving:
        with form_transaction(form) as outcome:
            new_parent_id = place.parent_id if is_root else _picked_parent(session).id
            update_place(session, current_user, place, _input_from(form, new_parent_id, scheme))
        if outcome.ok:
            flash(_("The changes have been saved."), "success")
            return redirect(url_for("places.detail", place_id=place.id))
    facts = None
    if asking:
        facts = {
            "households": household_count(session, place) if place.is_village else None,
            "people": people_count(session, place),
        }
    return _form_page(form, parent, place, picker, asking=asking, facts=facts)


@bp.route("/<int:place_id>/merge", methods=["GET", "POST"])
@login_required
@requires(can_manage_places)
def merge(place_id: int):
    session = get_session()
    source = get_place_or_404(session, current_user, place_id)
    if not source.is_village or not source.active:
        abort(404)
    candidates = merge_candidates(session, current_user, source)
    form = MergeForm()
    form.target_id.choices = [("", _("Choose a village"))] + [
        (str(v.id), v.name) for v in candidates
    ]
    if form.validate_on_submit():
        by_id = {str(v.id): v for v in candidates}
        target = by_id.get(form.target_id.data or "")
        with form_transaction(form) as outcome:
            if target is None:
                raise ValidationError({"target_id": _("Please choose the village to merge into.")})
            result = merge_villages(session, current_user, source, target)
        if outcome.ok:
            flash(
                _(
                    "%(source)s has been merged into %(target)s: %(households)s and %(visits)s "
                    "moved.",
                    source=source.name,
                    target=target.name,
                    households=ngettext(
                        "%(num)d household", "%(num)d households", result.households
                    ),
                    visits=ngettext("%(num)d visit", "%(num)d visits", result.visits),
                ),
                "success",
            )
            return redirect(url_for("places.detail", place_id=target.id))
    return render_template(
        "places/merge.html",
        form=form,
        place=source,
        households=household_count(session, source),
        has_candidates=bool(candidates),
    )


@bp.route("/import", methods=["GET", "POST"])
@login_required
@requires(can_manage_places)
def upload():
    session = get_session()
    root = user_place_or_404(session, current_user)
    form = ImportForm()
    errors: list[tuple[int, str]] = []
    if form.validate_on_submit():
        upload_file = form.file.data
        try:
            rows = read_rows(upload_file.filename or "", upload_file.read())
            result = import_places(session, current_user, rows, within=root)
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

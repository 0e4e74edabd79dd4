"""Households of the user's area: list and search, register, edit, and the household page."""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..db import get_session
from ..forms import form_transaction
from ..models import Household, Place
from ..scope import user_place_or_404
from ..searches import search_key_arg, search_redirect, search_text
from ..values import parse_page
from ..visit_rows import household_visits
from .forms import HouseholdForm
from .queries import area_has_many_villages, list_households, village_choices
from .services import find_duplicates, get_household_or_404, register_household, save_household

bp = Blueprint("households", __name__, url_prefix="/households")


@bp.route("/", methods=["GET", "POST"])
@login_required
def index():
    """The list; the search box posts, and its text is kept behind ``?s=`` (cdt_app.searches),
    so that no name or phone is ever in a URL."""
    session = get_session()
    user_place_or_404(session, current_user)
    moved = search_redirect("households.index")
    if moved is not None:
        return moved
    page = list_households(
        session, current_user, search_text(), parse_page(request.args.get("page"))
    )
    return render_template(
        "households/index.html",
        page=page,
        search=search_key_arg(),
        show_village=area_has_many_villages(session, current_user),
        picking=False,
    )


def _prepare(form: HouseholdForm, villages: list[Place]) -> None:
    form.village_id.choices = [("", _("Choose a village"))] * (len(villages) != 1) + [
        (str(v.id), v.name) for v in villages
    ]


def _duplicates(session, form: HouseholdForm, villages: list[Place], exclude_id) -> list[Household]:
    """The duplicate warning, looked for only once the village is known to be one of the
    user's (a village of another area is refused by the service, and nothing is read there)."""
    if form.confirm_duplicate.data:
        return []
    if form.village_id.data not in {str(village.id) for village in villages}:
        return []
    return find_duplicates(
        session,
        current_user,
        form.village_id.data,
        form.head_name.data,
        form.address.data,
        form.phone.data,
        exclude_id=exclude_id,
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    session = get_session()
    villages = village_choices(session, current_user)
    if not villages:
        abort(404)
    form = HouseholdForm()
    _prepare(form, villages)
    duplicates: list[Household] = []
    if not form.is_submitted():
        form.new_id.data = str(uuid.uuid4())
        wanted = request.args.get("village", "")
        form.village_id.data = (
            wanted if wanted else (str(villages[0].id) if len(villages) == 1 else "")
        )
    elif form.validate_on_submit():
        duplicates = _duplicates(session, form, villages, exclude_id=form.new_id.data)
        if not duplicates:
            with form_transaction(form) as outcome:
                household, is_new = register_household(
                    session, current_user, form.service_data(), form.new_id.data
                )
            if outcome.ok:
                if is_new:
                    flash(_("The household has been registered."), "success")
                return redirect(url_for("households.detail", household_id=household.id))
    return render_template("households/form.html", form=form, household=None, duplicates=duplicates)


@bp.get("/<uuid:household_id>")
@login_required
def detail(household_id: uuid.UUID):
    session = get_session()
    household = get_household_or_404(session, current_user, household_id)
    visits = household_visits(session, household)
    return render_template(
        "households/detail.html",
        household=household,
        village=session.get(Place, household.village_id),
        visits=visits,
    )


@bp.route("/<uuid:household_id>/edit", methods=["GET", "POST"])
@login_required
def edit(household_id: uuid.UUID):
    session = get_session()
    household = get_household_or_404(session, current_user, household_id)
    if household.anonymised_at is not None:
        abort(404)
    villages = village_choices(session, current_user)
    form = HouseholdForm(obj=household)
    _prepare(form, villages)
    duplicates: list[Household] = []
    if not form.is_submitted():
        form.village_id.data = str(household.village_id)
        form.members.data = str(household.members)
        form.show_profile(household)
    elif form.validate_on_submit():
        duplicates = _duplicates(session, form, villages, exclude_id=household.id)
        if not duplicates:
            with form_transaction(form) as outcome:
                save_household(session, current_user, form.service_data(), household=household)
            if outcome.ok:
                flash(_("The changes have been saved."), "success")
                return redirect(url_for("households.detail", household_id=household.id))
    return render_template(
        "households/form.html", form=form, household=household, duplicates=duplicates
    )

"""Erase a household's personal data on request, and export everything held about it."""

from __future__ import annotations

import json
import uuid

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..db import get_session
from ..households.services import get_household_or_404
from ..models import Place
from ..permissions import can_handle_personal_data, requires
from .forms import AnonymiseForm, ExportForm
from .services import (
    anonymise_household,
    record_export,
    subject_access,
    subject_access_csv,
)

bp = Blueprint("privacy", __name__, url_prefix="/privacy")


@bp.route("/households/<uuid:household_id>/anonymise", methods=["GET", "POST"])
@login_required
@requires(can_handle_personal_data)
def anonymise(household_id: uuid.UUID):
    session = get_session()
    household = get_household_or_404(session, current_user, household_id)
    if household.anonymised_at is not None:
        flash(_("The personal data of this household has already been erased."), "info")
        return redirect(url_for("households.detail", household_id=household.id))
    form = AnonymiseForm()
    if form.validate_on_submit():
        anonymise_household(session, current_user, household)
        session.commit()
        flash(_("The personal data of the household has been erased."), "success")
        return redirect(url_for("households.detail", household_id=household.id))
    return render_template(
        "privacy/anonymise.html",
        form=form,
        household=household,
        village=session.get(Place, household.village_id),
    )


@bp.post("/households/<uuid:household_id>/export")
@login_required
@requires(can_handle_personal_data)
def export(household_id: uuid.UUID):
    session = get_session()
    household = get_household_or_404(session, current_user, household_id)
    form = ExportForm()
    if not form.validate_on_submit():
        abort(400)
    data = subject_access(session, household)
    record_export(session, current_user, household, form.format.data)
    session.commit()
    name = f"ho-{household.id}"
    if form.format.data == "csv":
        body, mimetype = subject_access_csv(data), "text/csv; charset=utf-8"
    else:
        body = json.dumps(data, ensure_ascii=False, indent=2)
        mimetype = "application/json; charset=utf-8"
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.{form.format.data}"'
    response.headers["Cache-Control"] = "no-store"
    return response

"""Home page per role and the language switch."""

from __future__ import annotations

from flask import Blueprint, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..db import get_session
from ..i18n import LANGUAGE_COOKIE, SUPPORTED_LANGUAGES
from ..safety import safe_next
from ..scope import user_place
from .services import home_summary

bp = Blueprint("main", __name__)


@bp.get("/")
@login_required
def home():
    session = get_session()
    place = user_place(session, current_user)
    summary = home_summary(session, current_user)
    return render_template("main/home.html", place=place, summary=summary)


@bp.route("/lang/<code>", methods=["GET", "POST"])
def set_language(code: str):
    """Remember the chosen language in a cookie (one year), then go back."""
    target = safe_next(request.values.get("next")) or url_for("main.home")
    response = make_response(redirect(target))
    if code in SUPPORTED_LANGUAGES:
        response.set_cookie(
            LANGUAGE_COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True
        )
    return response


@bp.get("/healthz")
def healthz():
    return {"status": "ok"}

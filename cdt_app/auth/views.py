"""Log in, log out, and the user's own account."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..db import get_session
from ..errors import ValidationError, populate_form_errors
from ..safety import safe_next
from ..scope import user_place
from .forms import ChangePasswordForm, LoginForm
from .services import authenticate, change_own_password

bp = Blueprint("auth", __name__)

DEMO_ACCOUNTS = ("admin", "canbo", "doan", "totruong", "tinhnguyen", "tinhnguyen2")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(get_session(), form.username.data, form.password.data)
        if user is None:
            form.password.errors = [_("The username or password is not correct.")]
        else:
            session.clear()  # a new session at login
            login_user(user)
            session.permanent = True
            target = safe_next(request.args.get("next")) or url_for("main.home")
            if user.must_change_password:
                flash(_("Please choose a new password before you continue."), "info")
                target = url_for("auth.account")
            return redirect(target)
    demo = DEMO_ACCOUNTS if current_app.config["CDT_DEMO"] else ()
    return render_template("auth/login.html", form=form, demo_accounts=demo)


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    session.clear()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    db = get_session()
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            change_own_password(
                db, current_user, form.current_password.data, form.new_password.data
            )
        except ValidationError as error:
            populate_form_errors(form, error.errors)
        else:
            db.commit()
            login_user(current_user)  # the session version changed: renew this session only
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("auth.account"))
    return render_template("auth/account.html", form=form, place=user_place(db, current_user))

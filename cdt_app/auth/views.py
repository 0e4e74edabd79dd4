"""Log in (with the optional second step), log out, and the user's own account."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..db import get_session
from ..extensions import limiter
from ..forms import form_transaction
from ..permissions import can_use_two_step, requires, role_labels
from ..safety import safe_next
from ..scope import user_place
from .forms import (
    ChangePasswordForm,
    LoginForm,
    PasswordConfirmForm,
    TotpConfirmForm,
    TwoStepForm,
)
from .services import (
    change_own_password,
    check_login,
    confirm_totp,
    disable_totp,
    end_all_sessions,
    normalise_username,
    regenerate_recovery_codes,
    remaining_recovery_codes,
    start_totp_enrolment,
    totp_uri,
    verify_second_factor,
)
from .session import end_session, load_user, now, renew_login, start_session
from .throttle import Guesses, password_guesses

bp = Blueprint("auth", __name__)

#: the demo accounts and their roles, shown on the login page in demo mode
DEMO_ACCOUNTS = (
    ("admin", "admin"),
    ("canbo", "staff"),
    ("doan", "coordinator"),
    ("totruong", "team_lead"),
    ("tinhnguyen", "volunteer"),
    ("tinhnguyen2", "volunteer"),
)
PENDING = "pending_login"
#: seconds allowed between the password and the second step
PENDING_LIFETIME_S = 300


def _address_limit() -> str:
    """Every attempt per address; guesses per account are limited by .throttle.Guesses."""
    return current_app.config["CDT_LOGIN_LIMIT_ADDRESS"]


def _finish_login(user, target: str | None):
    start_session(user)
    get_session().commit()
    current_app.logger.info("login succeeded: user %s", user.id)
    if user.must_change_password:
        return redirect(url_for("auth.account"))
    return redirect(safe_next(target) or url_for("main.home"))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_address_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        db = get_session()
        guesses = Guesses("login", normalise_username(form.username.data)[:64])
        guesses.check()
        checked = check_login(db, form.username.data, form.password.data)
        guesses.record(right=checked.password_right)
        user = checked.user
        if checked.refusal:
            current_app.logger.warning("login refused (locked or misplaced account)")
            form.form_errors.append(checked.refusal)
        elif user is None:
            current_app.logger.warning("login failed from %s", request.remote_addr)
            form.password.errors = [_("The username or password is not correct.")]
        elif user.totp_enabled:
            db.commit()  # a re-hashed password
            session.clear()
            session[PENDING] = {
                "id": user.get_id(),
                "at": int(now()),
                "next": safe_next(request.args.get("next")) or "",
            }
            return redirect(url_for("auth.login_two_step"))
        else:
            return _finish_login(user, request.args.get("next"))
    demo = DEMO_ACCOUNTS if current_app.config["CDT_DEMO"] else ()
    return render_template(
        "auth/login.html", form=form, demo_accounts=demo, role_labels=role_labels()
    )


@bp.route("/login/two-step", methods=["GET", "POST"])
@limiter.limit(_address_limit, methods=["POST"])
def login_two_step():
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or now() - pending.get("at", 0) > PENDING_LIFETIME_S:
        session.pop(PENDING, None)
        flash(_("Please log in again."), "info")
        return redirect(url_for("auth.login"))
    user = load_user(str(pending.get("id", "")))
    if user is None:
        session.pop(PENDING, None)
        return redirect(url_for("auth.login"))
    form = TwoStepForm()
    if form.validate_on_submit():
        db = get_session()
        guesses = Guesses("two-step", str(user.id))
        guesses.check()
        right = verify_second_factor(db, user, form.code.data)
        guesses.record(right)
        if right:
            return _finish_login(user, pending.get("next"))
        db.rollback()
        current_app.logger.warning("two-step login failed: user %s", user.id)
        form.code.errors = [_("The code is not correct.")]
    return render_template("auth/two_step_login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    """Log out everywhere: every session of this user ends."""
    db = get_session()
    end_all_sessions(db, current_user)
    db.commit()
    end_session()
    flash(_("You have logged out."), "info")
    response = make_response(redirect(url_for("auth.login")))
    # the offline outbox lives in storage: clear only the HTTP cache, never unsent visits
    response.headers["Clear-Site-Data"] = '"cache"'
    return response


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    db = get_session()
    form = ChangePasswordForm()
    if form.validate_on_submit():
        with form_transaction(form) as outcome:
            with password_guesses(current_user.id):
                change_own_password(
                    db, current_user, form.current_password.data, form.new_password.data
                )
        if outcome.ok:
            renew_login(current_user)  # every other session has ended; keep this one
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("auth.account"))
    return render_template(
        "auth/account.html",
        form=form,
        place=user_place(db, current_user),
        two_step=can_use_two_step(current_user),
    )


# --- two-step login settings ----------------------------------------------------------------


@bp.get("/account/two-step")
@login_required
@requires(can_use_two_step, status=404)
def two_step():
    db = get_session()
    return render_template(
        "auth/two_step.html",
        confirm_form=TotpConfirmForm(),
        recovery_form=PasswordConfirmForm(prefix="recovery"),
        disable_form=PasswordConfirmForm(prefix="disable"),
        secret=current_user.totp_secret if not current_user.totp_enabled else None,
        uri=totp_uri(current_user)
        if current_user.totp_secret and not current_user.totp_enabled
        else None,
        remaining=remaining_recovery_codes(db, current_user) if current_user.totp_enabled else 0,
    )


@bp.post("/account/two-step/start")
@login_required
@requires(can_use_two_step, status=404)
def two_step_start():
    db = get_session()  # CSRFProtect has checked the token; the password comes with the code
    with form_transaction():  # already on: nothing to start, the page says so
        start_totp_enrolment(db, current_user)
    return redirect(url_for("auth.two_step"))


def _show_codes(codes: list[str]):
    response = make_response(render_template("auth/recovery_codes.html", codes=codes))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/account/two-step/confirm")
@login_required
@requires(can_use_two_step, status=404)
def two_step_confirm():
    db = get_session()
    form = TotpConfirmForm()
    if form.validate_on_submit():
        with form_transaction(form) as outcome:
            with password_guesses(current_user.id):
                codes = confirm_totp(db, current_user, form.code.data, form.password.data)
        if outcome.ok:
            renew_login(current_user)
            flash(_("Two-step login is on."), "success")
            return _show_codes(codes)
    return render_template(
        "auth/two_step.html",
        confirm_form=form,
        recovery_form=PasswordConfirmForm(prefix="recovery"),
        disable_form=PasswordConfirmForm(prefix="disable"),
        secret=current_user.totp_secret,
        uri=totp_uri(current_user) if current_user.totp_secret else None,
        remaining=0,
    )


@bp.post("/account/two-step/recovery-codes")
@login_required
@requires(can_use_two_step, status=404)
def two_step_recovery_codes():
    db = get_session()
    form = PasswordConfirmForm(prefix="recovery")
    if form.validate_on_submit():
        with form_transaction(flash_error=True) as outcome:
            with password_guesses(current_user.id):
                codes = regenerate_recovery_codes(db, current_user, form.password.data)
        if outcome.ok:
            return _show_codes(codes)
    return redirect(url_for("auth.two_step"))


@bp.post("/account/two-step/disable")
@login_required
@requires(can_use_two_step, status=404)
def two_step_disable():
    db = get_session()
    form = PasswordConfirmForm(prefix="disable")
    if form.validate_on_submit():
        with form_transaction(flash_error=True) as outcome:
            with password_guesses(current_user.id):
                disable_totp(db, current_user, form.password.data)
        if outcome.ok:
            renew_login(current_user)
            flash(_("Two-step login is off."), "success")
    return redirect(url_for("auth.two_step"))

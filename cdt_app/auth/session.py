"""Flask-Login wiring and the session rules checked on every request.

* The login id carries the user's session version ("<id>:<version>"): logout, a password
  change, a change of the two-step login and deactivation bump the version, which ends every
  session of that user at their next request.
* The signed session cookie holds when the user logged in and when they were last seen, so the
  idle and absolute timeouts cost no database write.
* A user who must change their password, or an admin without two-step login, is sent to do it
  before anything else.
"""

from __future__ import annotations

import time

from flask import Flask, current_app, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from flask_wtf.csrf import generate_csrf

from ..db import get_session
from ..errors import error_response
from ..extensions import login_manager
from ..models import User

LOGIN_AT = "login_at"
SEEN_AT = "seen_at"
#: refresh "last seen" at most once a minute, so most responses do not rewrite the cookie
SEEN_RESOLUTION_S = 60
#: endpoints a user may reach while a password change or two-step enrolment is pending
_ALWAYS_ALLOWED = {
    "static",
    "auth.logout",
    "main.set_language",
    "main.healthz",
    "sync.service_worker",
    "sync.offline",
}
_PASSWORD_CHANGE = _ALWAYS_ALLOWED | {"auth.account"}
_TOTP_ENROL = _ALWAYS_ALLOWED | {
    "auth.account",
    "auth.two_step",
    "auth.two_step_start",
    "auth.two_step_confirm",
}


def now() -> float:
    return time.time()


def load_user(login_id: str) -> User | None:
    """Load the user of ``"<id>:<session_version>"``; None when stale or deactivated."""
    user_id, _sep, version = login_id.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = get_session().get(User, int(user_id))
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user


def start_session(user: User) -> None:
    """A brand-new session for ``user`` (nothing carried over from before the login)."""
    session.clear()
    login_user(user)
    session.permanent = True
    session[LOGIN_AT] = session[SEEN_AT] = int(now())
    # Make the session's CSRF secret now: otherwise requests racing right after login (the
    # service worker precaching pages) would each make their own, and the last cookie wins.
    g.pop("csrf_token", None)
    generate_csrf()


def renew_login(user: User) -> None:
    """Keep this session after the user's session version changed (ends the others)."""
    real = getattr(user, "_get_current_object", lambda: user)()  # never store the proxy
    login_user(real)


def end_session() -> None:
    logout_user()
    session.clear()


def _expired() -> bool:
    config = current_app.config
    moment = now()
    login_at, seen_at = session.get(LOGIN_AT), session.get(SEEN_AT)
    if not isinstance(login_at, int) or not isinstance(seen_at, int):
        return True
    idle = config["CDT_IDLE_TIMEOUT"].total_seconds()
    absolute = config["CDT_ABSOLUTE_TIMEOUT"].total_seconds()
    return moment - seen_at > idle or moment - login_at > absolute


def _refuse(message: str, target: str):
    if request.path.startswith("/api/"):
        return error_response(403, message)
    if request.method == "GET":
        flash(message, "info")
    return redirect(target)


def enforce_session_rules():
    """before_request: timeouts, then a pending password change or two-step enrolment."""
    if request.endpoint == "static":
        return None  # no session work (and no user query) for CSS, JS and icons
    if "_user_id" in session:
        if _expired():
            end_session()
            if not request.path.startswith("/api/"):
                flash(_("Your session has ended. Please log in again."), "info")
            return None
        moment = int(now())
        if moment - session[SEEN_AT] >= SEEN_RESOLUTION_S:
            session[SEEN_AT] = moment
    if request.endpoint is None or not current_user.is_authenticated:
        return None
    if current_user.must_change_password and request.endpoint not in _PASSWORD_CHANGE:
        return _refuse(
            _("Please choose a new password before you continue."), url_for("auth.account")
        )
    if (
        current_user.role == "admin"
        and not current_user.totp_enabled
        and current_app.config["CDT_ADMIN_TOTP_REQUIRED"]
        and request.endpoint not in _TOTP_ENROL
    ):
        return _refuse(
            _("Administrators must turn on two-step login before they continue."),
            url_for("auth.two_step"),
        )
    return None


def init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to continue.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_user)
    app.before_request(enforce_session_rules)

"""Flask-Login wiring: the login id carries the user's session version."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from ..db import get_session
from ..extensions import login_manager
from ..models import User


def load_user(login_id: str) -> User | None:
    """Load the user of ``"<id>:<session_version>"``; None when stale or deactivated."""
    user_id, _, version = login_id.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = get_session().get(User, int(user_id))
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user


def init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to continue.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_user)

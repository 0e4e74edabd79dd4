"""Role checks for views. Place checks live in cdt_app.scope."""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user


def roles_required(*roles: str):
    """403 unless the logged-in user has one of ``roles`` (use after @login_required)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated or current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator

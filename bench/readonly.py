"""Reading the shared province-scale data sets without writing to them.

The data sets of bench/coverage.py are shared by several benches: these helpers sign a test
client in by its session cookie (no login POST, which would write the login's traces) and
leave out the audit entry an export writes (one short INSERT of its own, after the export's
reads; it is timed by the tests, not here).
"""

from __future__ import annotations

import time
from contextlib import contextmanager


def sign_in(app, client, username: str) -> None:
    """Sign ``client`` in as ``username`` the way a login does, without the login request."""
    from sqlalchemy import select

    from cdt_app.auth.session import LOGIN_AT, SEEN_AT
    from cdt_app.db import new_session
    from cdt_app.models import User

    with app.app_context(), new_session(write=False) as session:
        user = session.scalar(select(User).where(User.username == username))
        assert user is not None, f"no account {username!r} in this data set"
        login_id = user.get_id()
    with client.session_transaction() as session:
        session.clear()
        session["_user_id"] = login_id
        session["_fresh"] = True
        session.permanent = True
        session[LOGIN_AT] = session[SEEN_AT] = int(time.time())


@contextmanager
def exports_not_audited():
    from cdt_app.reports import views

    kept = views._audit_export
    views._audit_export = lambda *args, **kwargs: None
    try:
        yield
    finally:
        views._audit_export = kept

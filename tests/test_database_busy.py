"""A lock the database cannot give in time is a 503 "try again" in Vietnamese, never a 500.

Phones retry a 5xx with backoff (static/js/outbox-status.js), so nothing is lost; the answer must
still say what happened and store nothing.
"""

from __future__ import annotations

import sqlite3
import uuid

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import OperationalError

from cdt_app.db import is_busy
from cdt_app.models import Visit
from cdt_app.sync import services as sync_services
from tests.conftest import PG_URL, AuthActions
from tests.factories import make_household, make_tree, make_user
from tests.test_api_sync import login_api, sync, visit_item

BUSY_MESSAGE = "Máy chủ đang bận. Không có gì bị mất; vui lòng thử lại sau giây lát."


def _error(original: Exception) -> OperationalError:
    return OperationalError("SELECT 1", {}, original)


class _PgError(Exception):
    def __init__(self, sqlstate: str):
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def test_is_busy_tells_lock_waits_from_other_database_errors():
    assert is_busy(_error(sqlite3.OperationalError("database is locked")))
    assert is_busy(_error(_PgError("55P03")))  # lock_timeout
    assert is_busy(_error(_PgError("40P01")))  # deadlock
    assert not is_busy(_error(sqlite3.OperationalError("no such table: visit")))
    assert not is_busy(_error(_PgError("08006")))  # connection failure
    assert not is_busy(ValueError("locked"))


def test_a_busy_database_on_a_page_is_a_vietnamese_503(client, auth, db, monkeypatch):
    tree = make_tree(db)
    make_user(db, "volunteer", tree["village_a1"], username="tinhnguyen")
    auth.login("tinhnguyen")

    def locked(*_args, **_kwargs):
        raise _error(sqlite3.OperationalError("database is locked"))

    monkeypatch.setattr("cdt_app.households.views.list_households", locked)
    response = client.get("/households/")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "10"
    assert BUSY_MESSAGE in response.text

    def broken(*_args, **_kwargs):
        raise _error(sqlite3.OperationalError("no such table: household"))

    monkeypatch.setattr("cdt_app.households.views.list_households", broken)
    assert client.get("/households/").status_code == 500  # not every database error is "busy"


def _hold_the_lock(app, user_id: int):
    """Another connection holding what a sync of ``user_id`` needs; returns its release."""
    if PG_URL:  # the per-user advisory lock of the sync service
        engine = create_engine(app.config["CDT_DATABASE_URL"])
        connection = engine.connect()
        connection.execute(
            text("SELECT pg_advisory_lock(:space, :user_id)"),
            {"space": sync_services._LOCK_SPACE, "user_id": user_id},
        )

        def release() -> None:
            connection.rollback()
            connection.close()
            engine.dispose()

        return release
    # SQLite: another writer holds the database's write lock
    other = sqlite3.connect(app.config["CDT_DATABASE_URL"].split("///", 1)[1], isolation_level=None)
    other.execute("BEGIN IMMEDIATE")

    def release_sqlite() -> None:
        other.rollback()
        other.close()

    return release_sqlite


def test_a_sync_that_waits_too_long_for_a_lock_is_a_503_that_stores_nothing(app_with, db):
    app = app_with(CDT_LOCK_TIMEOUT_MS=150)
    tree = make_tree(db)
    volunteer = make_user(db, "volunteer", tree["village_a1"], username="tinhnguyen")
    household = make_household(db, tree["village_a1"], volunteer)
    client = app.test_client()
    token = login_api(client, AuthActions(client))
    item = visit_item(household.id)

    release = _hold_the_lock(app, volunteer.id)
    try:
        response = sync(client, token, [item])
    finally:
        release()
    assert response.status_code == 503
    assert response.json == {"error": BUSY_MESSAGE}
    assert response.headers["Retry-After"] == "10"
    db.rollback()
    assert db.scalar(select(func.count()).select_from(Visit)) == 0

    again = sync(client, token, [item])  # the phone's retry, once the lock is free
    assert again.status_code == 200
    assert again.json["results"][0]["status"] == "created"
    db.rollback()
    assert db.get(Visit, uuid.UUID(item["id"])) is not None

"""Database engine per app and one session per app context.

SQLite runs in WAL mode with foreign keys on and a busy timeout. Transactions of requests that
write (POST, PUT, PATCH, DELETE) and of CLI commands begin IMMEDIATE, so a read-then-write
transaction waits for the write lock instead of failing with SQLITE_BUSY. PostgreSQL is used
through psycopg 3 when ``CDT_DATABASE_URL`` starts with ``postgresql+psycopg://``, with a
``lock_timeout``. A lock not obtained in time (``is_busy``) is answered 503, try again later.
The app factory (``register_database``) also makes every session keep the per-village coverage
aggregates in step (cdt_app.reports.upkeep).

SQLite's ``PRAGMA synchronous`` is FULL (``CDT_SQLITE_SYNCHRONOUS``): in WAL mode a commit is
then on disk before it is acknowledged, so a power cut loses nothing acknowledged.
"""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path
from typing import Any

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import Engine, create_engine, event
from sqlmodel import Session

from .config import SQLITE_SYNCHRONOUS
from .values import BadValue, parse_uuid

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: the largest id an INTEGER column holds (PostgreSQL refuses larger ones with an error)
MAX_ID = 2**31 - 1
_IMMEDIATE = "cdt_sqlite_immediate"


def make_engine(url: str, lock_timeout_ms: int = 10000, synchronous: str = "FULL") -> Engine:
    """Create the engine for ``url``; a transaction waits ``lock_timeout_ms`` at most for a lock.

    ``synchronous`` is SQLite's ``PRAGMA synchronous`` (FULL, EXTRA or NORMAL).
    """
    if url.startswith("sqlite"):
        db_path = url.split("///", 1)[-1]
        if db_path and db_path != ":memory:":
            Path(db_path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": lock_timeout_ms / 1000},
            hide_parameters=True,  # no personal data in logged SQL or error messages
        )
        _configure_sqlite(engine, lock_timeout_ms, synchronous)
        return engine
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=20,
        hide_parameters=True,
        connect_args={"options": f"-c lock_timeout={int(lock_timeout_ms)}"},
    )


#: PostgreSQL's SQLSTATEs of a lock not obtained: deadlock, lock timeout, serialisation failure
_BUSY_SQLSTATES = {"40P01", "55P03", "40001"}


def is_busy(error: BaseException) -> bool:
    """Did the database refuse for want of a lock (worth trying again later)?"""
    original = getattr(error, "orig", error)
    if getattr(original, "sqlstate", None) in _BUSY_SQLSTATES:
        return True
    return isinstance(original, sqlite3.OperationalError) and (
        "locked" in str(original) or "busy" in str(original)
    )


def _configure_sqlite(engine: Engine, busy_timeout_ms: int, synchronous: str) -> None:
    if synchronous.upper() not in SQLITE_SYNCHRONOUS:
        raise ValueError(f"PRAGMA synchronous={synchronous!r} is not one of {SQLITE_SYNCHRONOUS}")

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite's own is always DEFERRED).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        # in WAL mode, NORMAL may lose the last commits on power loss; FULL syncs each commit
        cursor.execute(f"PRAGMA synchronous={synchronous.upper()}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        if connection.get_execution_options().get(_IMMEDIATE):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("BEGIN")


def init_app(app: Flask) -> None:
    """Create the app's engine and close the session at the end of each app context."""
    app.extensions["cdt_engine"] = make_engine(
        app.config["CDT_DATABASE_URL"],
        app.config["CDT_LOCK_TIMEOUT_MS"],
        app.config.get("CDT_SQLITE_SYNCHRONOUS", "FULL"),
    )
    app.teardown_appcontext(close_session)


def get_engine() -> Engine:
    return current_app.extensions["cdt_engine"]


def new_session(engine: Engine | None = None, write: bool = True) -> Session:
    """A session outside the request cycle (CLI, scripts); ``write`` begins IMMEDIATE."""
    engine = engine or get_engine()
    if write:
        engine = engine.execution_options(**{_IMMEDIATE: True})
    return Session(engine, expire_on_commit=False)


def get_session() -> Session:
    """The session of the current app context, created on first use.

    In a request whose method writes, and outside requests (CLI), the transaction begins
    IMMEDIATE on SQLite.
    """
    if "db_session" not in g:
        write = not has_request_context() or request.method not in SAFE_METHODS
        g.db_session = new_session(write=write)
    return g.db_session


def close_session(_exc: BaseException | None = None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


def resent(
    session: Session, model: type, client_id: Any, owner: str, actor_id: int
) -> tuple[Any | None, uuid.UUID | None]:
    """For a form that makes its record's id when shown (``client_id``): the record the actor
    already saved with that id (the same form sent twice), and the id a new record may take
    (None: a fresh one, when ``client_id`` is not a UUID or someone else's record has it)."""
    try:
        key = parse_uuid(client_id)
    except BadValue:
        return None, None
    existing = session.get(model, key)
    if existing is None:
        return None, key
    return (existing, None) if getattr(existing, owner) == actor_id else (None, None)

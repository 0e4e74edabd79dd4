"""Durability on power loss: a commit the server acknowledged is on disk. SQLite runs in WAL
mode with ``synchronous=FULL`` (NORMAL may lose the last commits), a setting; PostgreSQL
with ``synchronous_commit`` on."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from cdt_app.config import ConfigError, load_config
from cdt_app.db import make_engine

FULL, NORMAL = 2, 1  # the values PRAGMA synchronous reads back


def _fresh_connection_pragmas(engine) -> tuple[int, str]:
    engine.dispose()  # no pooled connection: the one made now runs the connect hook
    with engine.connect() as conn:
        synchronous = conn.exec_driver_sql("PRAGMA synchronous").scalar()
        journal = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
    return synchronous, journal


def test_the_app_database_keeps_every_acknowledged_commit(app):
    engine = app.extensions["cdt_engine"]
    assert app.config["CDT_SQLITE_SYNCHRONOUS"] == "FULL"
    if engine.dialect.name == "sqlite":
        assert _fresh_connection_pragmas(engine) == (FULL, "wal")
    else:  # PostgreSQL acknowledges a commit once its WAL record is flushed
        with engine.connect() as conn:
            assert conn.execute(text("SHOW synchronous_commit")).scalar() == "on"
            assert conn.execute(text("SHOW fsync")).scalar() == "on"


def test_a_new_sqlite_engine_is_full_by_default(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    try:
        assert _fresh_connection_pragmas(engine) == (FULL, "wal")
    finally:
        engine.dispose()


def test_the_level_is_a_setting(tmp_path, monkeypatch):
    monkeypatch.setenv("CDT_SQLITE_SYNCHRONOUS", "normal")
    assert load_config(tmp_path, {"SECRET_KEY": "k"})["CDT_SQLITE_SYNCHRONOUS"] == "NORMAL"
    engine = make_engine(f"sqlite:///{tmp_path / 'normal.sqlite3'}", synchronous="NORMAL")
    try:
        assert _fresh_connection_pragmas(engine) == (NORMAL, "wal")
    finally:
        engine.dispose()
    monkeypatch.delenv("CDT_SQLITE_SYNCHRONOUS")
    assert load_config(tmp_path, {"SECRET_KEY": "k"})["CDT_SQLITE_SYNCHRONOUS"] == "FULL"


@pytest.mark.parametrize("level", ["OFF", "0", "FULL; DROP TABLE visit"])
def test_an_unsafe_or_unknown_level_is_refused(tmp_path, monkeypatch, level):
    monkeypatch.setenv("CDT_SQLITE_SYNCHRONOUS", level)
    with pytest.raises(ConfigError, match="CDT_SQLITE_SYNCHRONOUS"):
        load_config(tmp_path, {"SECRET_KEY": "k"})
    with pytest.raises(ValueError, match="synchronous"):
        make_engine(f"sqlite:///{tmp_path / 'refused.sqlite3'}", synchronous=level)

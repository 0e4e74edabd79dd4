"""The app factory, configuration and database settings."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from cdt_app import create_app
from cdt_app.config import ConfigError


def test_production_without_secret_refuses_to_start(monkeypatch):
    monkeypatch.setenv("CDT_ENV", "production")
    monkeypatch.delenv("CDT_SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="CDT_SECRET_KEY"):
        create_app()


def test_development_secret_is_generated_once_and_kept(tmp_path):
    from cdt_app.config import load_config

    first = load_config(tmp_path)["SECRET_KEY"]
    second = load_config(tmp_path)["SECRET_KEY"]
    assert first == second and len(first) == 64
    assert (tmp_path / "secret_key").read_text().strip() == first


def _sqlite_app(tmp_path):
    """SQLite is the embedded default: its settings are tested in every run, whatever engine
    the rest of the suite uses."""
    from sqlmodel import SQLModel

    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "CDT_DATABASE_URL": f"sqlite:///{tmp_path}/own.sqlite3",
        }
    )
    SQLModel.metadata.create_all(app.extensions["cdt_engine"])
    return app


def test_sqlite_pragmas(tmp_path):
    engine = _sqlite_app(tmp_path).extensions["cdt_engine"]
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 1000
    engine.dispose()


def test_write_transactions_begin_immediate(tmp_path):
    """A write session holds the write lock from its first statement: a second writer waits,
    while a read-only session does not block writers."""
    import sqlite3

    from cdt_app.db import new_session

    app = _sqlite_app(tmp_path)
    path = str(tmp_path / "own.sqlite3")
    with app.app_context():
        session = new_session(write=True)
        session.execute(text("SELECT 1"))  # only a read, but the transaction is IMMEDIATE
        other = sqlite3.connect(path, timeout=0.1)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        other.close()
        session.rollback()
        reader = new_session(write=False)
        reader.execute(text("SELECT 1"))
        other = sqlite3.connect(path, timeout=0.1)
        other.execute("BEGIN IMMEDIATE")
        other.rollback()
        other.close()
        reader.close()
        session.close()
    app.extensions["cdt_engine"].dispose()


def test_unknown_page_is_vietnamese_404(client):
    response = client.get("/khong-co-trang-nay")
    assert response.status_code == 404
    assert "Không tìm thấy" in response.text
    assert 'lang="vi"' in response.text


def test_healthz(client):
    assert client.get("/healthz").json == {"status": "ok"}

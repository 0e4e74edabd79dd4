"""Durability (ASVS 5.0 V14.2, V13): `cdt backup` takes a consistent online copy of SQLite
while writes go on, and the copy restores to a working app."""

from __future__ import annotations

import sqlite3
import stat
import threading
import time
import uuid

from sqlmodel import SQLModel

from cdt_app import create_app
from tests.conftest import AuthActions
from tests.factories import make_household, make_tree, make_user, make_visit


def _sqlite_app(path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "CDT_DATABASE_URL": f"sqlite:///{path}",
            "RATELIMIT_ENABLED": False,
            "CDT_ADMIN_TOTP_REQUIRED": False,
        }
    )
    SQLModel.metadata.create_all(app.extensions["cdt_engine"])
    from sqlmodel import Session

    from cdt_app.skills.seed import seed_skills

    with Session(app.extensions["cdt_engine"]) as session:
        seed_skills(session)
        session.commit()
    return app


def _writer(path, village_id, volunteer_id, stop, written):
    """Each transaction adds one household and its visit; a half-copied one would show."""
    conn = sqlite3.connect(path, timeout=30, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    while not stop.is_set():
        household, visit = uuid.uuid4().hex, uuid.uuid4().hex
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(
            "INSERT INTO household (id, village_id, head_name, address, members, consent, "
            "notes, search_key, sort_key, created_at, updated_at) "
            "VALUES (?, ?, 'Hộ thử', '', 1, 1, '', '', '', '2026-01-01', '2026-01-01')",
            (household, village_id),
        )
        conn.execute(
            "INSERT INTO visit (id, household_id, village_id, volunteer_id, visited_on, "
            "people_taught, notes, status, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, '2026-01-02', 1, '', 'submitted', '2026-01-02', '2026-01-02')",
            (visit, household, village_id, volunteer_id),
        )
        conn.execute("COMMIT")
        written.append(household)
    conn.close()


def test_backup_during_writes_is_consistent_and_restores(tmp_path):
    source = tmp_path / "live.sqlite3"
    app = _sqlite_app(source)
    from sqlmodel import Session

    with Session(app.extensions["cdt_engine"], expire_on_commit=False) as db:
        tree = make_tree(db)
        volunteer = make_user(db, "volunteer", tree["village_a1"], username="tv")
        household = make_household(db, tree["village_a1"], volunteer, head_name="Hồ Thị Lan")
        make_visit(db, household, volunteer)
        village_id, volunteer_id, household_id = tree["village_a1"].id, volunteer.id, household.id

    stop, written = threading.Event(), []
    thread = threading.Thread(
        target=_writer, args=(str(source), village_id, volunteer_id, stop, written)
    )
    thread.start()
    try:
        time.sleep(0.3)
        target = tmp_path / "backups" / "cdt.sqlite3"
        result = app.test_cli_runner().invoke(args=["cdt", "backup", str(target)])
        time.sleep(0.2)
    finally:
        stop.set()
        thread.join()
    assert result.exit_code == 0, result.output
    assert len(written) > 5  # writes really happened around the backup
    assert stat.S_IMODE(target.stat().st_mode) == 0o600

    copy = sqlite3.connect(target)
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert copy.execute("PRAGMA foreign_key_check").fetchall() == []
    households = copy.execute("SELECT count(*) FROM household").fetchone()[0]
    visits = copy.execute("SELECT count(*) FROM visit").fetchone()[0]
    orphans = copy.execute(
        "SELECT count(*) FROM household h WHERE NOT EXISTS "
        "(SELECT 1 FROM visit v WHERE v.household_id = h.id)"
    ).fetchone()[0]
    copy.close()
    assert households == visits and orphans == 0  # no transaction was half copied
    assert 1 <= households <= len(written) + 1

    # restore: an app on the copy works and shows the data
    restored = tmp_path / "restored.sqlite3"
    restored.write_bytes(target.read_bytes())
    restored_app = _sqlite_app(restored)
    client = restored_app.test_client()
    assert AuthActions(client).login("tv").status_code == 302
    assert "Hồ Thị Lan" in client.get(f"/households/{household_id}").text
    restored_app.extensions["cdt_engine"].dispose()
    app.extensions["cdt_engine"].dispose()


def test_backup_refuses_postgresql_and_points_to_pg_dump(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "CDT_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none",
        }
    )
    result = app.test_cli_runner().invoke(args=["cdt", "backup", str(tmp_path / "x")])
    assert result.exit_code == 1 and "pg_dump" in result.output
    assert not (tmp_path / "x").exists()


def test_readme_documents_pg_dump():
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    assert "pg_dump" in readme and "pg_restore" in readme

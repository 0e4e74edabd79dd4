"""The Alembic migrations build exactly the schema of the models, on SQLite and PostgreSQL.

Each test migrates a brand-new empty database (a file on SQLite; a database of its own on
PostgreSQL, next to the test database) with ``flask cdt migrate``, then asks Alembic's
autogenerate comparison for differences with SQLModel.metadata: there must be none.
"""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, func, inspect, select, text
from sqlmodel import SQLModel

import cdt_app.models  # noqa: F401  (every table)
from cdt_app import create_app
from cdt_app.models import Skill
from tests.conftest import PG_URL


def _empty_database(tmp_path, worker_id: str) -> str:
    if not PG_URL:
        return f"sqlite:///{tmp_path}/migrated.sqlite3"
    base, _, name = PG_URL.rpartition("/")
    db_name = f"{name}_migrations_{worker_id}"
    admin = create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{db_name}"'))
    admin.dispose()
    return f"{base}/{db_name}"


@pytest.fixture
def empty_app(tmp_path, worker_id):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "CDT_ENV": "testing",
            "CDT_DATABASE_URL": _empty_database(tmp_path, worker_id),
        }
    )
    yield app
    app.extensions["cdt_engine"].dispose()


def _differences(engine) -> list:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, SQLModel.metadata)


def test_migrate_builds_the_schema_of_the_models(empty_app):
    result = empty_app.test_cli_runner().invoke(args=["cdt", "migrate"])
    assert result.exit_code == 0, result.output
    engine = empty_app.extensions["cdt_engine"]
    tables = set(inspect(engine).get_table_names())
    assert set(SQLModel.metadata.tables) <= tables and "alembic_version" in tables
    assert _differences(engine) == []
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Skill)).scalar() == 8


def test_migrate_twice_changes_nothing(empty_app):
    runner = empty_app.test_cli_runner()
    assert runner.invoke(args=["cdt", "migrate"]).exit_code == 0
    again = runner.invoke(args=["cdt", "migrate"])
    assert again.exit_code == 0 and "danh mục nội dung hướng dẫn không thay đổi" in again.output
    with empty_app.extensions["cdt_engine"].connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == _head(
            empty_app
        )


def _script(app) -> ScriptDirectory:
    from cdt_app.cli import alembic_config

    with app.app_context():
        return ScriptDirectory.from_config(alembic_config())


def _head(app) -> str:
    return _script(app).get_current_head()


def test_one_line_of_revisions_from_the_first_release(empty_app):
    """0001 is the first release's schema, frozen; every change since is one revision after
    another (no branches), numbered in order."""
    script = _script(empty_app)
    assert len(script.get_heads()) == 1
    chain = [rev.revision for rev in script.walk_revisions()][::-1]
    assert chain[0] == "0001"
    assert chain == [f"{n:04d}" for n in range(1, len(chain) + 1)]


def test_the_duplicate_key_is_filled_for_households_of_the_first_release(empty_app):
    """Upgrading a first-release database fills ``household.duplicate_key`` from the head's
    name (anonymised households keep an empty key)."""
    from alembic import command

    from cdt_app.cli import alembic_config

    with empty_app.app_context():
        command.upgrade(alembic_config(), "0001")
    engine = empty_app.extensions["cdt_engine"]
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO place (name, kind, level, code, code_scheme, path, depth, active,"
                " sort_key) VALUES ('Thôn Một', 'Thôn', 'village', 'T1', 'local', '/1/', 0,"
                " :yes, 'thon mot')"
            ),
            {"yes": True},
        )
        village = conn.execute(text("SELECT id FROM place")).scalar()
        for hid, name, anonymised in (
            ("00000000-0000-4000-8000-000000000001", "Vũ Thị Hoà", None),
            ("00000000-0000-4000-8000-000000000002", "Hộ đã xóa thông tin", "2026-02-01 00:00:00"),
        ):
            conn.execute(
                text(
                    "INSERT INTO household (id, village_id, head_name, address, members,"
                    " consent, notes, search_key, sort_key, anonymised_at, created_at,"
                    " updated_at) VALUES (:id, :village, :name, 'Số 9, xóm 3', 3, :yes, '',"
                    " 'k', 'k', :anonymised, :now, :now)"
                ),
                {
                    "id": hid,
                    "village": village,
                    "name": name,
                    "yes": True,
                    "anonymised": anonymised,
                    "now": "2026-01-01 00:00:00",
                },
            )
    with empty_app.app_context():
        command.upgrade(alembic_config(), "0002")
    with engine.connect() as conn:
        keys = dict(conn.execute(text("SELECT head_name, duplicate_key FROM household")).all())
    assert keys == {"Vũ Thị Hoà": "vuthihoa", "Hộ đã xóa thông tin": ""}


def test_downgrade_to_base_leaves_an_empty_database(empty_app):
    from alembic import command

    from cdt_app.cli import alembic_config

    assert empty_app.test_cli_runner().invoke(args=["cdt", "migrate"]).exit_code == 0
    with empty_app.app_context():
        command.downgrade(alembic_config(), "base")
    remaining = set(inspect(empty_app.extensions["cdt_engine"]).get_table_names())
    assert remaining <= {"alembic_version"}

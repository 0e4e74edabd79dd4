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
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0002"


def test_one_initial_migration_with_a_single_head(empty_app):
    from cdt_app.cli import alembic_config

    with empty_app.app_context():
        script = ScriptDirectory.from_config(alembic_config())
    assert script.get_heads() == ["0002"]
    assert [rev.revision for rev in script.walk_revisions()] == ["0002", "0001"]


def test_downgrade_to_base_leaves_an_empty_database(empty_app):
    from alembic import command

    from cdt_app.cli import alembic_config

    assert empty_app.test_cli_runner().invoke(args=["cdt", "migrate"]).exit_code == 0
    with empty_app.app_context():
        command.downgrade(alembic_config(), "base")
    remaining = set(inspect(empty_app.extensions["cdt_engine"]).get_table_names())
    assert remaining <= {"alembic_version"}

"""Bulk writing for the province-scale demo: rows of Python values straight to the driver
(executemany on SQLite, COPY on PostgreSQL) on the session's own connection.

Such writes bypass the ORM events that keep the coverage aggregates up to date: the loader
rebuilds the aggregates once at the end.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from ..models import Household, Visit, VisitSkill


class BulkWriter:
    """Append rows of Python values to a table on the session's own connection, fast."""

    def __init__(self, session: Session, table: sa.Table, columns: list[str]):
        self.connection = session.connection()
        self.dialect = self.connection.dialect.name
        self.table = table
        self.columns = columns
        names = ", ".join(columns)
        if self.dialect == "postgresql":
            self.sql = f"COPY {table.name} ({names}) FROM STDIN"  # noqa: S608  # nosec B608
        else:
            marks = ", ".join("?" for _ in columns)
            self.sql = f"INSERT INTO {table.name} ({names}) VALUES ({marks})"  # noqa: S608  # nosec B608
            self.convert = [self._sqlite_converter(table.c[name].type) for name in columns]

    def _sqlite_converter(self, column_type) -> Callable[[Any], Any]:
        processor = column_type.bind_processor(self.connection.dialect)
        if isinstance(column_type, sa.Uuid):
            return lambda value: value.hex if value is not None else None
        if isinstance(column_type, sa.Date) and not isinstance(column_type, sa.DateTime):
            return lambda value: value.isoformat() if value is not None else None
        if processor is None:
            return lambda value: value
        cache: dict[Any, Any] = {}

        def convert(value):  # datetimes and booleans repeat: process each distinct value once
            if value not in cache:
                if len(cache) > 1000:
                    cache.clear()
                cache[value] = processor(value)
            return cache[value]

        return convert

    def write(self, rows: Iterable[tuple]) -> int:
        raw = self.connection.connection.driver_connection
        count = 0
        if self.dialect == "postgresql":
            with raw.cursor() as cursor, cursor.copy(self.sql) as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
            return count
        converted = [
            tuple(convert(value) for convert, value in zip(self.convert, row, strict=True))
            for row in rows
        ]
        cursor = raw.cursor()
        cursor.executemany(self.sql, converted)
        cursor.close()
        return len(converted)


HOUSEHOLD_COLUMNS = (
    "id village_id head_name address phone members smartphone_adults consent "
    "consent_by_id consent_at notes search_key duplicate_key sort_key created_by_id created_at "
    "updated_at"
).split()
VISIT_COLUMNS = (
    "id household_id village_id volunteer_id visited_on people_taught notes status "
    "review_note reviewed_by_id reviewed_at created_at updated_at deleted_at"
).split()


def writers(session: Session) -> dict[str, BulkWriter]:
    """One writer per bulk-loaded table, on the session's current connection."""
    return {
        "household": BulkWriter(session, Household.__table__, HOUSEHOLD_COLUMNS),
        "visit": BulkWriter(session, Visit.__table__, VISIT_COLUMNS),
        "visit_skill": BulkWriter(
            session, VisitSkill.__table__, ["visit_id", "skill_id", "completed"]
        ),
    }


def fast_sqlite(session: Session, on: bool) -> None:
    """SQLite: no fsync while loading (a crash means loading again), FULL afterwards."""
    session.commit()
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        raw = connection.connection.driver_connection
        # the level cannot change inside a transaction: step out of the one just begun
        raw.execute("COMMIT")
        raw.execute(f"PRAGMA synchronous={'OFF' if on else 'FULL'}")
        raw.execute(f"PRAGMA cache_size={-400_000 if on else -2000}")
        raw.execute("BEGIN IMMEDIATE")


def analyze(session: Session) -> None:
    """Fresh planner statistics after the bulk load."""
    engine = session.get_bind()
    session.commit()
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
    else:
        with engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")

"""Shared column helpers."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa


def utcnow() -> datetime:
    """Now, aware, in UTC (SQLModel's UTCDateTime stores and returns aware UTC values)."""
    return datetime.now(UTC)


def binary_string(length: int) -> sa.types.TypeEngine:
    """A string compared byte by byte on both engines (``C`` collation on PostgreSQL).

    Used for materialised paths and sort/search keys, whose order must not depend on the
    server's locale.
    """
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")

"""Online backup of the SQLite database with the SQLite backup API."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path


class BackupError(RuntimeError):
    """The copy failed its integrity check."""


def backup_sqlite(source_path: str, target: Path) -> None:
    """Copy a consistent snapshot of ``source_path`` to ``target`` while the app runs.

    The backup API copies every page under one read transaction, so writers that commit
    meanwhile are either wholly in the copy or not at all. The copy is checked with
    ``PRAGMA integrity_check`` and readable by its owner only (it holds personal data).
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.close(fd)
    source = sqlite3.connect(source_path, timeout=30)
    try:
        destination = sqlite3.connect(str(partial))
        try:
            source.backup(destination)
            result = destination.execute("PRAGMA integrity_check").fetchone()[0]
            # the copy is a plain rollback-journal file: one file to move or restore
            destination.execute("PRAGMA journal_mode=DELETE")
        finally:
            destination.close()
    finally:
        source.close()
    if result != "ok":
        partial.unlink(missing_ok=True)
        raise BackupError(result)
    os.replace(partial, target)

"""Online backup of the SQLite database with the SQLite backup API."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def backup_sqlite(source_path: str, target: Path) -> None:
    """Copy a consistent snapshot of ``source_path`` to ``target`` while the app runs."""
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(source_path)
    try:
        destination = sqlite3.connect(str(target))
        try:
            source.backup(destination)
        finally:
            destination.close()
    finally:
        source.close()

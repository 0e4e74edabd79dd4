"""A list of common passwords that are refused (no composition rules, per NIST/OWASP)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=1)
def _common() -> frozenset[str]:
    path = Path(__file__).with_name("common_passwords.txt")
    return frozenset(
        line.strip().lower()
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    )


def is_common(password: str) -> bool:
    """Is ``password`` (ignoring case and surrounding spaces) on the list?"""
    return password.strip().lower() in _common()

"""What the home page of each role shows. Later features add their figures here."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from ..models import User


def home_summary(session: Session, user: User) -> dict[str, Any]:
    """Ready-made figures for the home page of ``user`` (no queries from templates)."""
    return {}

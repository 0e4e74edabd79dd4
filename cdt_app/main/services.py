"""What the home page of each role shows. Later features add their figures here."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from ..models import User
from ..permissions import is_field_member, sees_home_coverage


def home_summary(session: Session, user: User) -> dict[str, Any]:
    """Ready-made figures for the home page of ``user`` (no queries from templates)."""
    from ..review.queries import review_home_figures

    summary: dict[str, Any] = {}
    summary.update(review_home_figures(session, user))
    if is_field_member(user):
        from ..visits.queries import home_figures

        summary.update(home_figures(session, user))
    if sees_home_coverage(user):
        from ..reports.queries import home_coverage

        summary.update(home_coverage(session, user))
    return summary

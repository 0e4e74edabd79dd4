"""Reads for the people pages: scoped, sorted the Vietnamese way in SQL, paginated."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlmodel import Session

from ..i18n import search_key
from ..models import ROLES, Place, User
from ..scope import area_condition

PAGE_SIZE = 50


@dataclass
class PeoplePage:
    rows: list[tuple[User, Place]]
    total: int
    page: int
    pages: int


def people_page(
    session: Session,
    actor: User,
    query: str = "",
    role: str = "",
    status: str = "",
    page: int = 1,
) -> PeoplePage:
    """Accounts whose place is in ``actor``'s area, by name in Vietnamese order: two queries
    (the count and the page) whatever the number of rows."""
    conditions = [area_condition(session, actor)]
    folded = search_key(query)[:100]
    if folded:
        conditions.append(User.search_key.contains(folded, autoescape=True))
    if role in ROLES:
        conditions.append(User.role == role)
    if status == "active":
        conditions.append(User.active.is_(True))
    elif status == "inactive":
        conditions.append(User.active.is_(False))
    base = select(User, Place).join(Place, Place.id == User.place_id).where(*conditions)
    total = session.scalar(select(func.count()).select_from(base.subquery()))
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    rows = session.execute(
        base.order_by(User.active.desc(), User.sort_key, User.id)
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    return PeoplePage(rows=[tuple(r) for r in rows], total=total, page=page, pages=pages)

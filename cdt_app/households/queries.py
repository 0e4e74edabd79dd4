"""Reading households: the paginated, searchable list of the user's area."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, case, func, select
from sqlmodel import Session

from ..i18n import search_key
from ..models import Household, Place, User, Visit
from ..models.base import utcnow
from ..permissions import is_field_member
from ..scope import village_ids_in_area
from ..values import MAX_PAGE, BadValue, clean_line

PER_PAGE = 25
#: a household registered this long ago or less is "just registered": first in the picker
RECENT = timedelta(days=1)
_PHONE_LIKE = re.compile(r"[+\d][\d\s.\-()]*")


@dataclass
class HouseholdRow:
    household: Household
    village_name: str
    last_visit: date | None


@dataclass
class HouseholdPage:
    rows: list[HouseholdRow]
    page: int
    has_next: bool
    query: str


def search_terms(query: str) -> list[str]:
    """The folded words to look for; a phone number typed with spaces or +84 becomes one term."""
    try:
        text = clean_line(query)[:100]
    except BadValue:
        return []
    if _PHONE_LIKE.fullmatch(text):
        digits = re.sub(r"\D", "", text)
        if text.startswith("+84") or (digits.startswith("84") and len(digits) >= 11):
            digits = "0" + digits[2:]
        if len(digits) >= 3:
            return [digits]
    return [word for word in search_key(text).split() if word][:8]


def village_choices(session: Session, user: User) -> list[Place]:
    """The active villages of the user's area, in Vietnamese order."""
    return list(
        session.scalars(
            select(Place)
            .where(Place.id.in_(village_ids_in_area(session, user)), Place.active.is_(True))
            .order_by(Place.sort_key)
            .limit(2000)
        )
    )


def list_households(
    session: Session,
    user: User,
    query: str = "",
    page: int = 1,
    per_page: int = PER_PAGE,
    *,
    recent_first: bool = False,
) -> HouseholdPage:
    """One page of the area's households, sorted by the stored Vietnamese sort key in SQL;
    with ``recent_first`` (the household picker of a team member) those the user registered
    in the last ``RECENT`` come first.

    Search matches every folded word of ``query`` inside the indexed ``search_key`` column
    with LIKE, so nothing is loaded into Python beyond the page itself.
    """
    page = max(1, min(page, MAX_PAGE))
    statement = (
        select(Household, Place.name)
        .join(Place, Place.id == Household.village_id)
        .where(
            Household.village_id.in_(village_ids_in_area(session, user)),
            Household.deleted_at.is_(None),
        )
    )
    for term in search_terms(query):
        statement = statement.where(Household.search_key.contains(term, autoescape=True))
    order = [Household.sort_key, Household.id]
    if recent_first and is_field_member(user):  # one village: the sort stays small
        registered_now = and_(
            Household.created_by_id == user.id, Household.created_at >= utcnow() - RECENT
        )
        order.insert(0, case((registered_now, 0), else_=1))
    statement = statement.order_by(*order).offset((page - 1) * per_page).limit(per_page + 1)
    found = session.execute(statement).all()
    has_next = len(found) > per_page
    found = found[:per_page]
    last = last_visits(session, [household.id for household, _name in found])
    rows = [HouseholdRow(household, name, last.get(household.id)) for household, name in found]
    return HouseholdPage(rows=rows, page=page, has_next=has_next, query=query)


def last_visits(session: Session, household_ids: list) -> dict:
    """{household id: date of its latest visit} for a page of households."""
    if not household_ids:
        return {}
    return dict(
        session.execute(
            select(Visit.household_id, func.max(Visit.visited_on))
            .where(Visit.household_id.in_(household_ids), Visit.deleted_at.is_(None))
            .group_by(Visit.household_id)
        ).all()
    )


def area_has_many_villages(session: Session, user: User) -> bool:
    ids = session.scalars(village_ids_in_area(session, user).limit(2)).all()
    return len(ids) > 1

"""Reading visits: "my visits", the team's visits, the skills of the form, the home figures
(the rows of the lists are built by cdt_app.visit_rows)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from ..i18n import today_local
from ..models import Household, Skill, User, Visit
from ..scope import village_ids_in_area
from ..values import MAX_PAGE
from ..visit_rows import VisitRow, visit_rows, with_names

PER_PAGE = 30
#: "my visits": the visits of a page (on a phone: about four screens), and the returned ones
#: listed before them on the first page (all of them, in practice)
MINE_PER_PAGE = 20
RETURNED_MAX = 100


def skills_for_form(session: Session, keep_ids: set[int] | None = None) -> list[Skill]:
    """Active skills in catalogue order, plus retired ones already on the visit being edited."""
    condition = Skill.active.is_(True)
    if keep_ids:
        condition = condition | Skill.id.in_(keep_ids)
    return list(
        session.scalars(select(Skill).where(condition).order_by(Skill.sort_order, Skill.id))
    )


def week_start(today: date) -> date:
    """Monday of the week of ``today``."""
    return today - timedelta(days=today.weekday())


@dataclass
class MyVisits:
    """One page of "my visits", newest first, in the groups of the page: the returned ones
    (on the first page, whatever their date), today, the rest of this week, earlier."""

    returned: list[VisitRow]
    today: list[VisitRow]
    week: list[VisitRow]
    earlier: list[VisitRow]
    #: of the whole list, not only of this page
    today_total: int
    week_total: int
    page: int
    has_next: bool


def my_visits(session: Session, user: User, page: int = 1) -> MyVisits:
    """The author's visits: a page of ``MINE_PER_PAGE`` of those not returned, newest first,
    with the returned ones before them on the first page; five queries."""
    page = max(1, min(page, MAX_PAGE))
    today = today_local()
    monday = week_start(today)
    mine = Visit.volunteer_id == user.id
    newest = (Visit.visited_on.desc(), Visit.created_at.desc(), Visit.id)
    returned = []
    if page == 1:
        returned = visit_rows(
            session,
            with_names(mine, Visit.status == "returned").order_by(*newest).limit(RETURNED_MAX),
        )
    rows = visit_rows(
        session,
        with_names(mine, Visit.status != "returned")
        .order_by(*newest)
        .offset((page - 1) * MINE_PER_PAGE)
        .limit(MINE_PER_PAGE + 1),
    )
    this_week = (Visit.visited_on >= monday, Visit.visited_on != today)
    totals = session.execute(
        select(
            func.count().filter(Visit.visited_on == today),
            func.count().filter(*this_week),
        ).where(
            mine, Visit.status != "returned", Visit.deleted_at.is_(None), Visit.visited_on >= monday
        )
    ).one()
    rows, has_next = rows[:MINE_PER_PAGE], len(rows) > MINE_PER_PAGE
    return MyVisits(
        returned=returned,
        today=[row for row in rows if row.visit.visited_on == today],
        week=[row for row in rows if monday <= row.visit.visited_on < today],
        earlier=[row for row in rows if row.visit.visited_on < monday],
        today_total=totals[0],
        week_total=totals[1],
        page=page,
        has_next=has_next,
    )


def team_visits(
    session: Session, user: User, page: int = 1, volunteer_id: int | None = None
) -> tuple[list[VisitRow], bool]:
    """Visits of the user's area (the team's village for a team lead), newest first."""
    page = max(1, min(page, MAX_PAGE))
    statement = with_names(Visit.village_id.in_(village_ids_in_area(session, user)))
    if volunteer_id:
        statement = statement.where(Visit.volunteer_id == volunteer_id)
    statement = (
        statement.order_by(Visit.visited_on.desc(), Visit.created_at.desc())
        .offset((page - 1) * PER_PAGE)
        .limit(PER_PAGE + 1)
    )
    rows = visit_rows(session, statement)
    return rows[:PER_PAGE], len(rows) > PER_PAGE


def team_members(session: Session, user: User) -> list[User]:
    """Accounts placed in the villages of the user's area (for the team filter)."""
    return list(
        session.scalars(
            select(User)
            .where(User.place_id.in_(village_ids_in_area(session, user)))
            .order_by(User.display_name, User.username)
            .limit(500)
        )
    )


def home_figures(session: Session, user: User) -> dict[str, Any]:
    """For the home page of volunteers and team leads: the visits of today and of this week,
    and the households visited last (two queries)."""
    today = today_local()
    monday = week_start(today)
    mine = (Visit.volunteer_id == user.id, Visit.deleted_at.is_(None))
    today_count, week_count = session.execute(
        select(func.count().filter(Visit.visited_on == today), func.count()).where(
            *mine, Visit.visited_on >= monday
        )
    ).one()
    latest = (
        select(Visit.household_id, func.max(Visit.created_at).label("last"))
        .where(*mine)
        .group_by(Visit.household_id)
        .subquery()
    )
    recent = session.execute(
        select(Household)
        .join(latest, latest.c.household_id == Household.id)
        .where(
            Household.deleted_at.is_(None),
            Household.village_id.in_(village_ids_in_area(session, user)),
        )
        .order_by(latest.c.last.desc())
        .limit(5)
    ).scalars()
    return {
        "visits_today": today_count,
        "visits_week": week_count,
        "recent_households": list(recent),
    }

"""Reading visits: "my visits", a household's history, the team's visits, the home figures."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from ..i18n import _locale, today_local
from ..models import Household, Skill, User, Visit, VisitSkill
from ..scope import village_ids_in_area
from ..values import MAX_PAGE

PER_PAGE = 30


@dataclass
class SkillTaught:
    code: str
    name: str
    completed: bool
    active: bool = True


@dataclass
class VisitRow:
    visit: Visit
    household_name: str
    volunteer_name: str = ""
    skills: list[SkillTaught] = field(default_factory=list)


def skill_name(skill: Skill | Any) -> str:
    """The skill's name in the page's language (Vietnamese unless English is chosen)."""
    if _locale() == "en" and getattr(skill, "name_en", ""):
        return skill.name_en
    return skill.name_vi


def skills_for_form(session: Session, keep_ids: set[int] | None = None) -> list[Skill]:
    """Active skills in catalogue order, plus retired ones already on the visit being edited."""
    condition = Skill.active.is_(True)
    if keep_ids:
        condition = condition | Skill.id.in_(keep_ids)
    return list(
        session.scalars(select(Skill).where(condition).order_by(Skill.sort_order, Skill.id))
    )


def skills_of_visits(session: Session, visit_ids: list[uuid.UUID]) -> dict:
    """{visit id: [SkillTaught]} for a page of visits, in catalogue order (one query)."""
    result: dict = {visit_id: [] for visit_id in visit_ids}
    if not visit_ids:
        return result
    rows = session.execute(
        select(VisitSkill.visit_id, VisitSkill.completed, Skill)
        .join(Skill, Skill.id == VisitSkill.skill_id)
        .where(VisitSkill.visit_id.in_(visit_ids))
        .order_by(Skill.sort_order, Skill.id)
    ).all()
    for visit_id, completed, skill in rows:
        result[visit_id].append(SkillTaught(skill.code, skill_name(skill), completed, skill.active))
    return result


def _rows(session: Session, statement) -> list[VisitRow]:
    found = session.execute(statement).all()
    skills = skills_of_visits(session, [row[0].id for row in found])
    return [
        VisitRow(
            visit=row[0],
            household_name=row[1],
            volunteer_name=(row[2] or row[3]) if len(row) > 2 else "",
            skills=skills[row[0].id],
        )
        for row in found
    ]


def _with_names(*conditions):
    return (
        select(Visit, Household.head_name, User.display_name, User.username)
        .join(Household, Household.id == Visit.household_id)
        .join(User, User.id == Visit.volunteer_id)
        .where(Visit.deleted_at.is_(None), *conditions)
    )


def week_start(today: date) -> date:
    """Monday of the week of ``today``."""
    return today - timedelta(days=today.weekday())


def my_visits(session: Session, user: User) -> dict[str, list[VisitRow]]:
    """The author's visits: returned ones first (any date), then today, the rest of this week
    and the latest earlier ones."""
    today = today_local()
    monday = week_start(today)
    mine = Visit.volunteer_id == user.id
    newest = (Visit.visited_on.desc(), Visit.created_at.desc())
    returned = _rows(
        session, _with_names(mine, Visit.status == "returned").order_by(*newest).limit(100)
    )
    recent = _rows(
        session,
        _with_names(mine, Visit.status != "returned", Visit.visited_on >= monday).order_by(*newest),
    )
    earlier = _rows(
        session,
        _with_names(mine, Visit.status != "returned", Visit.visited_on < monday)
        .order_by(*newest)
        .limit(20),
    )
    return {
        "returned": returned,
        "today": [row for row in recent if row.visit.visited_on == today],
        "week": [row for row in recent if row.visit.visited_on != today],
        "earlier": earlier,
    }


def household_visits(session: Session, household: Household, limit: int = 100) -> list[VisitRow]:
    """The household's visit history, newest first."""
    statement = (
        _with_names(Visit.household_id == household.id)
        .order_by(Visit.visited_on.desc(), Visit.created_at.desc())
        .limit(limit)
    )
    return _rows(session, statement)


def team_visits(
    session: Session, user: User, page: int = 1, volunteer_id: int | None = None
) -> tuple[list[VisitRow], bool]:
    """Visits of the user's area (the team's village for a team lead), newest first."""
    page = max(1, min(page, MAX_PAGE))
    statement = _with_names(Visit.village_id.in_(village_ids_in_area(session, user)))
    if volunteer_id:
        statement = statement.where(Visit.volunteer_id == volunteer_id)
    statement = (
        statement.order_by(Visit.visited_on.desc(), Visit.created_at.desc())
        .offset((page - 1) * PER_PAGE)
        .limit(PER_PAGE + 1)
    )
    rows = _rows(session, statement)
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
    """For the home page of volunteers and team leads: counts and the recent households."""
    today = today_local()
    monday = week_start(today)
    mine = (Visit.volunteer_id == user.id, Visit.deleted_at.is_(None))
    counts = dict(
        session.execute(
            select(Visit.status, func.count())
            .where(*mine, Visit.status == "returned")
            .group_by(Visit.status)
        ).all()
    )
    today_count = session.scalar(
        select(func.count()).select_from(Visit).where(*mine, Visit.visited_on == today)
    )
    week_count = session.scalar(
        select(func.count()).select_from(Visit).where(*mine, Visit.visited_on >= monday)
    )
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
        "visits_today": today_count or 0,
        "visits_week": week_count or 0,
        "visits_returned": counts.get("returned", 0),
        "recent_households": list(recent),
    }

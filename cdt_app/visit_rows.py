"""The rows of every list of visits: a household's history (the household page), "my
visits" and the team's visits. Each row is the visit with its household's and its author's
names and the skills taught, read in two queries for a whole list.

Outside the features on purpose: the households and the visits pages both show such lists,
and neither feature imports the other's internals for them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from .i18n import _locale
from .models import Household, Skill, User, Visit, VisitSkill


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


def visit_rows(session: Session, statement) -> list[VisitRow]:
    """The rows of ``statement`` (a ``with_names`` select), with their skills."""
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


def with_names(*conditions):
    """The visits that are not deleted and meet ``conditions``, with the names of their
    household and author."""
    return (
        select(Visit, Household.head_name, User.display_name, User.username)
        .join(Household, Household.id == Visit.household_id)
        .join(User, User.id == Visit.volunteer_id)
        .where(Visit.deleted_at.is_(None), *conditions)
    )


def household_visits(session: Session, household: Household, limit: int = 100) -> list[VisitRow]:
    """The household's visit history, newest first."""
    statement = (
        with_names(Visit.household_id == household.id)
        .order_by(Visit.visited_on.desc(), Visit.created_at.desc())
        .limit(limit)
    )
    return visit_rows(session, statement)

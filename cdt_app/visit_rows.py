"""The rows of every list of visits: a household's history (the household page), "my
visits" and the team's visits, and a visit's status history (the visit and review pages).
Each row is the visit with its household's and its author's names and the skills taught,
read in two queries for a whole list.

Outside the features on purpose: the households, visits and review pages all show such
lists, and none of those features imports another's internals for them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session

from .i18n import skill_name
from .models import Household, Skill, User, Visit, VisitSkill, VisitStatusChange


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


@dataclass
class StatusChangeRow:
    at: datetime
    from_status: str | None
    to_status: str
    reason: str | None
    actor_name: str


def status_history(session: Session, visit_id: uuid.UUID) -> list[StatusChangeRow]:
    """Every status change of the visit, oldest first, with who made it: one query.

    Show it with ``{% include "review/_status_history.html" %}`` and pass the list to the
    template as ``status_history``.
    """
    rows = session.execute(
        select(
            VisitStatusChange.at,
            VisitStatusChange.from_status,
            VisitStatusChange.to_status,
            VisitStatusChange.reason,
            User.display_name,
            User.username,
        )
        .outerjoin(User, User.id == VisitStatusChange.actor_id)
        .where(VisitStatusChange.visit_id == visit_id)
        .order_by(VisitStatusChange.at, VisitStatusChange.id)
    ).all()
    return [
        StatusChangeRow(
            at=row.at,
            from_status=row.from_status,
            to_status=row.to_status,
            reason=row.reason,
            actor_name=row.display_name or row.username or "",
        )
        for row in rows
    ]

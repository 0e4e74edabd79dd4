"""The skills catalogue: add, rename, reorder, retire and reactivate. Never deleted, so the
history and the reports keep every skill ever taught. Services flush, never commit."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlmodel import Session

from ..audit import diff, record, snapshot
from ..errors import ValidationError
from ..models import Skill, User
from ..values import BadValue, clean_line

_AUDITED = ("code", "name_vi", "name_en", "group", "active", "sort_order")
_CODE = re.compile(r"[a-z][a-z0-9_]{1,39}")


def _line(data: Mapping[str, Any], field: str, limit: int, errors: dict, message: str) -> str:
    try:
        value = clean_line(data.get(field))
    except BadValue:
        value = ""
    if len(value) > limit:
        errors[field] = message
    return value


def save_skill(
    session: Session, actor: User, data: Mapping[str, Any], skill: Skill | None = None
) -> Skill:
    """Create a skill (code, names, group) or rename one; the code never changes once made."""
    errors: dict[str, str] = {}
    name_vi = _line(
        data, "name_vi", 200, errors, _("The name is too long (at most 200 characters).")
    )
    if not name_vi and "name_vi" not in errors:
        errors["name_vi"] = _("Please enter the Vietnamese name.")
    name_en = _line(
        data, "name_en", 200, errors, _("The name is too long (at most 200 characters).")
    )
    group = _line(data, "group", 80, errors, _("The group is too long (at most 80 characters)."))
    code = skill.code if skill is not None else ""
    if skill is None:
        try:
            code = clean_line(data.get("code")).lower()
        except BadValue:
            code = ""
        if not _CODE.fullmatch(code):
            errors["code"] = _(
                "The code must be 2 to 40 lower-case letters, digits or _ and start with a letter."
            )
        elif session.scalar(select(Skill.id).where(Skill.code == code)) is not None:
            errors["code"] = _("This code is already used by another skill.")
    if errors:
        raise ValidationError(errors)
    creating = skill is None
    before = {} if creating else snapshot(skill, _AUDITED)
    if creating:
        last = session.scalar(select(func.max(Skill.sort_order))) or 0
        skill = Skill(code=code, sort_order=last + 10, active=True)
    skill.name_vi, skill.name_en, skill.group = name_vi, name_en, group
    session.add(skill)
    session.flush()
    changes = diff(before, snapshot(skill, _AUDITED))
    if creating or changes:
        record(session, actor, "create" if creating else "update", skill, changes)
    return skill


def ordered_skills(session: Session) -> list[Skill]:
    return list(session.scalars(select(Skill).order_by(Skill.sort_order, Skill.id)))


def move_skill(session: Session, actor: User, skill: Skill, direction: str) -> None:
    """Swap the skill with its neighbour above ("up") or below ("down"); renumber 10, 20, …"""
    skills = ordered_skills(session)
    index = next(i for i, s in enumerate(skills) if s.id == skill.id)
    other = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down") or not 0 <= other < len(skills):
        return
    skills[index], skills[other] = skills[other], skills[index]
    for position, item in enumerate(skills, start=1):
        if item.sort_order != position * 10:
            before = item.sort_order
            item.sort_order = position * 10
            session.add(item)
            if item.id == skill.id:
                record(session, actor, "reorder", item, {"sort_order": [before, item.sort_order]})
    session.flush()


def set_active(session: Session, actor: User, skill: Skill, active: bool) -> None:
    """Retire (not offered in new visits, kept in history) or reactivate a skill."""
    if skill.active == active:
        return
    skill.active = active
    session.add(skill)
    session.flush()
    record(
        session,
        actor,
        "reactivate" if active else "retire",
        skill,
        {"active": [not active, active]},
    )

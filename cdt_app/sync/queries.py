"""What the phone keeps for offline work (``GET /api/v1/offline-data``): the active skills and,
for the people who work in a village (volunteers and team leads), their village and its
households. Other roles work online: they get the app shell (the service worker) and their own
pending items (the outbox on their device), no households."""

from __future__ import annotations

from typing import Any

from sqlalchemy import false, select
from sqlmodel import Session

from ..i18n import today_local
from ..models import PROFILE_FIELDS, Household, Place, Skill, User, utcnow
from ..permissions import is_field_member
from ..scope import area_condition

#: households sent at most; a volunteer's village holds a few hundred
MAX_HOUSEHOLDS = 5000


def offline_places(session: Session, user: User):
    """The places whose households the user keeps offline: a volunteer's or team lead's own
    village (inside their area); nothing for the other roles, whose area may hold a province."""
    if not is_field_member(user) or not user.place_id:
        return false()
    return area_condition(session, user) & (Place.id == user.place_id)


def offline_data(session: Session, user: User, english: bool = False) -> dict[str, Any]:
    """Ready-to-serialise data of the offline client, all limited to the user's village."""
    kept = offline_places(session, user)
    village_rows = session.execute(
        select(Place.id, Place.name, Place.kind, Place.parent_id)
        .where(kept, Place.level == "village", Place.active.is_(True))
        .order_by(Place.sort_key, Place.id)
    ).all()
    villages = [
        {"id": row.id, "name": row.name, "kind": row.kind, "parent_id": row.parent_id}
        for row in village_rows
    ]

    skills = [
        {
            "code": skill.code,
            "name": (skill.name_en or skill.name_vi) if english else skill.name_vi,
            "group": skill.group,
        }
        for skill in session.scalars(
            select(Skill).where(Skill.active.is_(True)).order_by(Skill.sort_order, Skill.code)
        )
    ]

    household_rows = session.execute(
        select(
            Household.id,
            Household.village_id,
            Household.head_name,
            Household.address,
            *(getattr(Household, field) for field in PROFILE_FIELDS),
        )
        .join(Place, Place.id == Household.village_id)
        .where(kept, Place.level == "village", Household.deleted_at.is_(None))
        .order_by(Household.sort_key, Household.id)
        .limit(MAX_HOUSEHOLDS + 1)
    ).all()
    households = [
        {
            "id": str(row.id),
            "village_id": row.village_id,
            "head_name": row.head_name,
            "address": row.address,
            "members": row.members,
            # the digital profile as of today, for the visit form (a field left out: not known)
            "profile": {
                field: getattr(row, field)
                for field in PROFILE_FIELDS
                if getattr(row, field) is not None
            },
        }
        for row in household_rows[:MAX_HOUSEHOLDS]
    ]
    return {
        "user_id": user.id,
        "generated_at": utcnow().isoformat(),
        "today": today_local().isoformat(),
        "villages": villages,
        "skills": skills,
        "households": households,
        "truncated": len(household_rows) > MAX_HOUSEHOLDS,
    }

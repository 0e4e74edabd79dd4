"""Personal data of households (Luật 91/2025/QH15, Nghị định 356/2025): erasure on request
("xóa thông tin cá nhân"), the subject-access export, and the retention rule.

Anonymising keeps the household row and its visits, so every count stays the same; what could
identify the family goes: the name becomes a placeholder, the address, phone and notes are
removed, and the visits lose their notes and GPS position. The audit log is append-only and
never held these values in clear (cdt_app.audit masks them). Services flush, never commit.
"""

from __future__ import annotations

import csv
import io
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlmodel import Session

from ..audit import record
from ..i18n import search_key, sort_key
from ..models import AuditLog, Household, Place, Skill, User, Visit, VisitSkill, utcnow

#: stored in place of the head of household's name (the data is in Vietnamese)
PLACEHOLDER_NAME = "Hộ đã xóa thông tin cá nhân"
HOUSEHOLD_EXPORT_FIELDS = (
    "id",
    "head_name",
    "address",
    "phone",
    "members",
    "smartphone_members",
    "consent",
    "consent_at",
    "notes",
    "created_at",
    "updated_at",
    "deleted_at",
    "anonymised_at",
)


def anonymise_household(
    session: Session, actor: User | None, household: Household, reason: str = "request"
) -> bool:
    """Erase the personal data of ``household``; False when it was already erased."""
    if household.anonymised_at is not None:
        return False
    now = utcnow()
    household.head_name = PLACEHOLDER_NAME
    household.address, household.phone, household.notes = "", None, ""
    household.search_key = search_key(PLACEHOLDER_NAME)
    household.sort_key = sort_key(PLACEHOLDER_NAME)
    household.anonymised_at = household.updated_at = now
    session.add(household)
    visits = session.scalars(select(Visit).where(Visit.household_id == household.id)).all()
    for visit in visits:
        visit.notes, visit.lat, visit.lon = "", None, None
        session.add(visit)
    session.flush()
    record(
        session,
        actor,
        "anonymise",
        household,
        {"reason": [None, reason], "visits": [None, len(visits)]},
        place_id=household.village_id,
    )
    return True


# --- subject-access export -----------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _display_name(session: Session, user_id: int | None) -> str | None:
    if user_id is None:
        return None
    user = session.get(User, user_id)
    return user.display_name if user else None


def subject_access(session: Session, household: Household) -> dict[str, Any]:
    """Everything the app holds about ``household``, as plain JSON-ready data."""
    village = session.get(Place, household.village_id)
    data: dict[str, Any] = {
        "household": {
            field: _plain(getattr(household, field)) for field in HOUSEHOLD_EXPORT_FIELDS
        },
    }
    data["household"]["village"] = village.name if village else None
    data["household"]["consent_recorded_by"] = _display_name(session, household.consent_by_id)
    data["household"]["registered_by"] = _display_name(session, household.created_by_id)
    visits = session.scalars(
        select(Visit).where(Visit.household_id == household.id).order_by(Visit.visited_on)
    ).all()
    skills = {
        (row.visit_id, row.code): row
        for row in session.execute(
            select(VisitSkill.visit_id, VisitSkill.completed, Skill.code, Skill.name_vi)
            .join(Skill, Skill.id == VisitSkill.skill_id)
            .where(VisitSkill.visit_id.in_([visit.id for visit in visits]))
        )
    }
    data["visits"] = [
        {
            "id": str(visit.id),
            "visited_on": visit.visited_on.isoformat(),
            "volunteer": _display_name(session, visit.volunteer_id),
            "people_taught": visit.people_taught,
            "skills": [
                {"code": code, "name": row.name_vi, "completed": row.completed}
                for (visit_id, code), row in sorted(skills.items(), key=lambda item: item[0][1])
                if visit_id == visit.id
            ],
            "notes": visit.notes,
            "lat": visit.lat,
            "lon": visit.lon,
            "status": visit.status,
            "created_at": _plain(visit.created_at),
            "deleted_at": _plain(visit.deleted_at),
        }
        for visit in visits
    ]
    history = session.scalars(
        select(AuditLog)
        .where(
            or_(
                (AuditLog.object_type == "household") & (AuditLog.object_id == str(household.id)),
                (AuditLog.object_type == "visit")
                & AuditLog.object_id.in_([str(visit.id) for visit in visits]),
            )
        )
        .order_by(AuditLog.at, AuditLog.id)
    ).all()
    data["history"] = [
        {
            "at": _plain(entry.at),
            "action": entry.action,
            "object": entry.object_type,
            "object_id": entry.object_id,
        }
        for entry in history
    ]
    data["exported_at"] = utcnow().isoformat()
    return data


def _cell(value: Any) -> str:
    """A CSV cell that a spreadsheet never runs as a formula."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def subject_access_csv(data: dict[str, Any]) -> str:
    """The export as one CSV table (section, record, field, value), UTF-8 with BOM."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(["section", "record", "field", "value"])
    household = data["household"]
    for field, value in household.items():
        writer.writerow(["household", _cell(household["id"]), field, _cell(value)])
    for visit in data["visits"]:
        for field, value in visit.items():
            if field == "skills":
                value = "; ".join(
                    f"{s['code']}{' (completed)' if s['completed'] else ''}" for s in value
                )
            writer.writerow(["visit", visit["id"], field, _cell(value)])
    for number, entry in enumerate(data["history"], start=1):
        for field, value in entry.items():
            writer.writerow(["history", number, field, _cell(value)])
    return out.getvalue()


def record_export(session: Session, actor: User, household: Household, fmt: str) -> None:
    record(
        session,
        actor,
        "export",
        household,
        {"format": [None, fmt]},
        place_id=household.village_id,
    )


# --- retention -----------------------------------------------------------------------------


def expired_households(session: Session, cutoff: datetime, limit: int = 500) -> list[Household]:
    """Households not yet anonymised whose last activity (their own change or any change to
    one of their visits) is older than ``cutoff``."""
    last_visit = (
        select(func.max(Visit.updated_at))
        .where(Visit.household_id == Household.id)
        .correlate(Household)
        .scalar_subquery()
    )
    return list(
        session.scalars(
            select(Household)
            .where(
                Household.anonymised_at.is_(None),
                Household.updated_at < cutoff,
                or_(last_visit.is_(None), last_visit < cutoff),
            )
            .order_by(Household.updated_at)
            .limit(limit)
        )
    )


def retention_cutoff(days: int, now: datetime | None = None) -> datetime:
    return (now or utcnow()) - timedelta(days=days)

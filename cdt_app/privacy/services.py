"""Personal data of households (Luật 91/2025/QH15, Nghị định 356/2025): erasure on request
("xóa thông tin cá nhân"), the subject-access export, and the retention rule.

Anonymising keeps the household row and its visits, so every count stays the same; what could
identify the family goes, from every table that holds text about it (``ERASURE_SCOPE``, the
one list to extend when a table is added): the name becomes a placeholder, the address, phone
and notes are removed, the visits lose their notes and GPS position, and a reviewer's reason
(which may name the person) is replaced by ``ERASED``. The audit log keeps that something
happened, by whom and when, but its entries about the household and its visits lose their
personal values (cdt_app.audit.redact); a new entry says who erased them. Services flush,
never commit.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, case, func, or_, select, update
from sqlmodel import Session

from ..audit import ERASED, record, redact
from ..i18n import search_key, sort_key
from ..models import (
    AuditLog,
    Household,
    Place,
    Skill,
    User,
    Visit,
    VisitSkill,
    VisitStatusChange,
    utcnow,
)
from ..values import strip_controls

#: stored in place of the head of household's name (the data is in Vietnamese)
PLACEHOLDER_NAME = "Hộ đã xóa thông tin cá nhân"
HOUSEHOLD_EXPORT_FIELDS = (
    "id",
    "head_name",
    "address",
    "phone",
    "members",
    "adults",
    "smartphone_adults",
    "vneid_level2",
    "payment_adults",
    "health_record",
    "broadband",
    "consent",
    "consent_at",
    "notes",
    "created_at",
    "updated_at",
    "deleted_at",
    "anonymised_at",
)


@dataclass(frozen=True)
class ErasedTable:
    """One table's part of a household's erasure."""

    model: type
    #: the table's rows tied to one household (its id → a WHERE condition)
    rows: Callable[[uuid.UUID], ColumnElement[bool]]
    #: column → what replaces its value (also the fields erased from the rows' audit entries)
    values: Mapping[str, Any]
    #: ``object_type`` of the rows' audit entries (None: the table is not audited itself)
    audit_type: str | None = None


def _said(column: Any) -> Any:
    """ERASED where ``column`` held some text (a return reason), else what it held."""
    return case((column.is_(None) | (column == ""), column), else_=ERASED)


def _visits_of(household_id: uuid.UUID) -> Any:
    return select(Visit.id).where(Visit.household_id == household_id)


#: every table holding text about a household, and how it is erased: add a table here
ERASURE_SCOPE: tuple[ErasedTable, ...] = (
    ErasedTable(
        Household,
        lambda household_id: Household.id == household_id,
        {
            "head_name": PLACEHOLDER_NAME,
            "address": "",
            "phone": None,
            "notes": "",
            "search_key": search_key(PLACEHOLDER_NAME),
            "duplicate_key": "",
            "sort_key": sort_key(PLACEHOLDER_NAME),
            "payload_hash": None,  # a hash of the name, address and phone
        },
        "household",
    ),
    ErasedTable(
        Visit,
        lambda household_id: Visit.household_id == household_id,
        {"notes": "", "lat": None, "lon": None, "review_note": _said(Visit.review_note)},
        "visit",
    ),
    ErasedTable(
        VisitStatusChange,
        lambda household_id: VisitStatusChange.visit_id.in_(_visits_of(household_id)),
        {"reason": _said(VisitStatusChange.reason)},
    ),
)


def anonymise_household(
    session: Session, actor: User | None, household: Household, reason: str = "request"
) -> bool:
    """Erase the personal data of ``household``; False when it was already erased."""
    if household.anonymised_at is not None:
        return False
    session.flush()  # pending rows and audit entries are erased too
    visits = session.scalar(
        select(func.count()).select_from(Visit).where(Visit.household_id == household.id)
    )
    redacted = 0
    for part in ERASURE_SCOPE:
        condition = part.rows(household.id)
        if part.audit_type is not None:
            ids = [str(key) for key in session.scalars(select(part.model.id).where(condition))]
            redacted += redact(session, part.audit_type, ids, frozenset(part.values))
        session.execute(
            update(part.model)
            .where(condition)
            .values(part.values)
            .execution_options(synchronize_session="fetch")
        )
    household.anonymised_at = household.updated_at = utcnow()
    session.add(household)
    session.flush()
    record(
        session,
        actor,
        "anonymise",
        household,
        {
            "reason": [None, reason],
            "visits": [None, visits],
            "audit_entries": [None, redacted],
        },
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
    """A CSV cell that a spreadsheet never runs as a formula, without control characters."""
    text = "" if value is None else strip_controls(str(value), keep="\t\n\r")
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

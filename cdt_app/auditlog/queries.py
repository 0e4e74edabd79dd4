"""The audit log list: filtered, scoped to the reader's area, newest first, paginated.

An entry belongs to the place it names; an entry without a place (e.g. a password change)
belongs to its actor's place. Entries with neither are shown to administrators only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import aliased
from sqlmodel import Session

from ..audit import entry_view
from ..i18n import TZ
from ..models import AuditLog, Place, User
from ..scope import subtree_condition

PER_PAGE = 50
#: actions and object types written today; the filters also accept any other value
KNOWN_ACTIONS = (
    "create",
    "update",
    "delete",
    "review",
    "import",
    "export",
    "merge",
    "retire",
    "reactivate",
    "deactivate",
    "reorder",
    "anonymise",
    "password_change",
    "password_reset",
    "totp_on",
    "totp_off",
    "recovery_codes",
    "recovery_code_used",
)
KNOWN_OBJECT_TYPES = ("household", "visit", "place", "app_user", "skill", "report")


@dataclass
class AuditFilters:
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    actor: str = ""  #: a username, or the start of one
    date_from: date | None = None
    date_to: date | None = None
    page: int = 1
    per_page: int = PER_PAGE


@dataclass
class AuditPage:
    entries: list[dict[str, Any]] = field(default_factory=list)
    page: int = 1
    has_next: bool = False


def local_day_start(day: date) -> datetime:
    """Midnight of ``day`` in Asia/Ho_Chi_Minh, as an aware UTC datetime."""
    return datetime.combine(day, time.min, TZ).astimezone(UTC)


def audit_entries(session: Session, reader: User, root: Place, filters: AuditFilters) -> AuditPage:
    """One page of entries inside ``root`` (the reader's place): one query."""
    actor, entry_place = aliased(User), aliased(Place)
    in_area = subtree_condition(entry_place.path, root.path)
    if reader.role == "admin":
        in_area = or_(in_area, entry_place.id.is_(None))
    query = (
        select(AuditLog, actor.display_name, actor.username, entry_place.name.label("place_name"))
        .outerjoin(actor, actor.id == AuditLog.actor_id)
        .outerjoin(entry_place, entry_place.id == func.coalesce(AuditLog.place_id, actor.place_id))
        .where(in_area)
    )
    if filters.action:
        query = query.where(AuditLog.action == filters.action)
    if filters.object_type:
        query = query.where(AuditLog.object_type == filters.object_type)
    if filters.object_id:
        query = query.where(AuditLog.object_id == filters.object_id)
    if filters.actor:
        name = filters.actor.lower()
        query = query.where(actor.username.startswith(name, autoescape=True))
    if filters.date_from:
        query = query.where(AuditLog.at >= local_day_start(filters.date_from))
    if filters.date_to:
        query = query.where(AuditLog.at < local_day_start(filters.date_to + timedelta(days=1)))
    rows = session.execute(
        query.order_by(AuditLog.at.desc(), AuditLog.id.desc())
        .limit(filters.per_page + 1)
        .offset((filters.page - 1) * filters.per_page)
    ).all()
    entries = []
    for entry, display_name, username, place_name in rows[: filters.per_page]:
        view = entry_view(entry, display_name or username)
        view["place_name"] = place_name or ""
        entries.append(view)
    return AuditPage(entries=entries, page=filters.page, has_next=len(rows) > filters.per_page)

"""The audit log: who did what to which object, with before/after values (personal data masked)."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import Session

from .i18n import mask_phone
from .models import AuditLog

#: fields whose values are personal data: masked in the log
_MASKED = {"head_name", "address", "notes", "password_hash", "totp_secret"}


def _mask(field: str, value: Any) -> Any:
    if value is None:
        return None
    if field == "phone":
        return mask_phone(str(value))
    if field in _MASKED:
        return "***"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, (int, float, bool, str)):
        return value
    return str(value)


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [before, after]} for the fields that changed, masked."""
    return {
        field: [_mask(field, before.get(field)), _mask(field, after.get(field))]
        for field in sorted(set(before) | set(after))
        if before.get(field) != after.get(field)
    }


def snapshot(obj: Any, fields: list[str] | tuple[str, ...]) -> dict[str, Any]:
    return {field: getattr(obj, field) for field in fields}


def record(
    session: Session,
    actor: Any,
    action: str,
    obj: Any,
    changes: dict[str, list[Any]],
    *,
    object_type: str | None = None,
    place_id: int | None = None,
) -> AuditLog:
    """Append one entry to the audit log (flushes nothing; the caller's commit writes it)."""
    entry = AuditLog(
        actor_id=getattr(actor, "id", None),
        action=action,
        object_type=object_type or getattr(obj, "__tablename__", type(obj).__name__.lower()),
        object_id=str(getattr(obj, "id", "") or ""),
        place_id=place_id,
        changes=json.dumps(changes, ensure_ascii=False, default=str),
    )
    session.add(entry)
    return entry

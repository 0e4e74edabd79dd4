"""The audit log: who did what to which object, with before/after values (personal data masked).

The log is append-only: an entry is never changed or deleted, with one exception, the erasure
of a household's personal data ("xóa thông tin cá nhân", cdt_app.privacy.services): its
entries' personal values are then replaced by ``ERASED`` (``redact``), while the action, the
actor, the time and the object stay, and a new entry says who erased them and when.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import bindparam, event, select, update
from sqlmodel import Session

from .i18n import mask_phone
from .models import AuditLog, User

#: stored in place of an erased value (the data is in Vietnamese)
ERASED = "[đã xóa]"
#: the most object ids named by one query of ``redact``
_CHUNK = 500


class AppendOnlyError(RuntimeError):
    """The audit log is append-only: its entries are never changed or deleted."""


@event.listens_for(AuditLog, "before_update")
def _refuse_update(_mapper, _connection, _target) -> None:
    raise AppendOnlyError("audit log entries cannot be changed")


@event.listens_for(AuditLog, "before_delete")
def _refuse_delete(_mapper, _connection, _target) -> None:
    raise AppendOnlyError("audit log entries cannot be deleted")


#: fields whose values are personal data (or free text that may hold some): masked in the log
_MASKED = {
    "head_name",
    "address",
    "notes",
    "password_hash",
    "totp_secret",
    "review_note",
    "lat",
    "lon",
}


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


def parse_changes(changes: str) -> list[tuple[str, Any, Any]]:
    """The stored JSON ``{field: [before, after]}`` as rows; other shapes are shown as is."""
    try:
        data = json.loads(changes or "{}")
    except ValueError:
        return [("", None, changes)]
    if not isinstance(data, dict):
        return [("", None, data)]
    rows = []
    for field, value in data.items():
        if isinstance(value, list) and len(value) == 2:
            rows.append((field, value[0], value[1]))
        else:
            rows.append((field, None, value))
    return rows


def entry_view(entry: AuditLog, actor_name: str | None) -> dict[str, Any]:
    """What a page shows of one entry."""
    return {
        "id": entry.id,
        "at": entry.at,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "place_id": entry.place_id,
        "actor_id": entry.actor_id,
        "actor_name": actor_name or "",
        "changes": parse_changes(entry.changes),
    }


def history_for(session: Session, object_type: str, object_id: Any) -> list[dict[str, Any]]:
    """Every audit entry of one object, oldest first, with the actor's name: one query.

    The caller checks that the user may see the object. Show it with
    ``{% include "auditlog/_history.html" %}``, passing the list as ``audit_history``.
    """
    rows = session.execute(
        select(AuditLog, User.display_name, User.username)
        .outerjoin(User, User.id == AuditLog.actor_id)
        .where(AuditLog.object_type == object_type, AuditLog.object_id == str(object_id))
        .order_by(AuditLog.at, AuditLog.id)
    ).all()
    return [entry_view(entry, name or username) for entry, name, username in rows]


def _redacted(changes: str, fields: frozenset[str]) -> str:
    """``changes`` with the values of ``fields`` replaced by ERASED. None stays None: that a
    value was set or unset is not personal. What ``record`` never writes (not a JSON object)
    is erased whole."""
    try:
        data = json.loads(changes or "{}")
    except ValueError:
        data = None
    if not isinstance(data, dict):
        return json.dumps({"": ERASED}, ensure_ascii=False)
    for field, value in data.items():
        if field in fields:
            if isinstance(value, list):
                data[field] = [None if item is None else ERASED for item in value]
            else:
                data[field] = None if value is None else ERASED
    return json.dumps(data, ensure_ascii=False, default=str)


def redact(
    session: Session, object_type: str, object_ids: list[str], fields: frozenset[str]
) -> int:
    """Erase the values of ``fields`` in every entry about these objects; how many changed.

    The only change ever made to the log (see the module doc): a Core UPDATE of ``changes``
    alone, which the ORM's append-only guard does not see. The caller flushes first, so that
    entries still pending in the session are redacted too.
    """
    table = AuditLog.__table__
    rows: list[dict[str, Any]] = []
    for start in range(0, len(object_ids), _CHUNK):
        entries = session.execute(
            select(table.c.id, table.c.changes).where(
                table.c.object_type == object_type,
                table.c.object_id.in_(object_ids[start : start + _CHUNK]),
            )
        ).all()
        for entry_id, changes in entries:
            text = _redacted(changes, fields)
            if text != changes:
                rows.append({"entry_id": entry_id, "redacted": text})
    if rows:
        session.execute(
            update(table)
            .where(table.c.id == bindparam("entry_id"))
            .values(changes=bindparam("redacted")),
            rows,
        )
    return len(rows)

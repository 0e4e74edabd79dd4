"""Writes made by the reports feature: village targets and the audit of exports."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlmodel import Session

from ..audit import record
from ..errors import ValidationError
from ..models import Place, User

MAX_TARGET = 10_000_000


def villages_of(session: Session, place: Place) -> list[Place]:
    """The villages directly under ``place``, in Vietnamese name order."""
    return list(
        session.scalars(
            select(Place)
            .where(Place.parent_id == place.id, Place.level == "village")
            .order_by(Place.sort_key, Place.id)
        )
    )


def set_targets(session: Session, actor: User, place: Place, targets: dict[int, int | None]) -> int:
    """Set the target households of the villages under ``place``; returns how many changed.

    ``targets`` maps village id → target (None clears it: coverage then uses the registered
    households). Villages not directly under ``place`` are refused.
    """
    villages = {village.id: village for village in villages_of(session, place)}
    errors: dict[str, str] = {}
    for village_id, target in targets.items():
        if village_id not in villages:
            errors[f"target_{village_id}"] = _("This village is not under this place.")
        elif target is not None and not 0 <= target <= MAX_TARGET:
            errors[f"target_{village_id}"] = _("The target must be a whole number from 0.")
    if errors:
        raise ValidationError(errors)
    changed = 0
    for village_id, target in targets.items():
        village = villages[village_id]
        if village.target_households == target:
            continue
        record(
            session,
            actor,
            "update",
            village,
            {"target_households": [village.target_households, target]},
            place_id=village.id,
        )
        village.target_households = target
        session.add(village)
        changed += 1
    session.flush()
    return changed


def record_export(
    session: Session, actor: User, place: Place, export: str, details: dict[str, Any]
) -> None:
    """Write one export to the audit log (object type "report")."""
    record(
        session,
        actor,
        "export",
        None,
        {key: [None, value] for key, value in {"export": export, **details}.items()},
        object_type="report",
        place_id=place.id,
    )

"""Creating, editing, moving and importing places. Services flush, never commit."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlmodel import Session

from ..audit import diff, record, snapshot
from ..errors import ValidationError
from ..i18n import nfc, search_key, sort_key
from ..models import PLACE_KINDS, Place, User

_AUDITED = ("name", "kind", "code", "code_scheme", "parent_id", "target_households", "active")
#: which levels may hold which: a child's level must come after its parent's
_LEVEL_ORDER = {"province": 0, "district": 1, "commune": 2, "village": 3}


def kind_from_label(value: str) -> str | None:
    """A kind code from a code ("xa") or a Vietnamese label in any case/diacritics ("Xã")."""
    value = nfc(value)
    if value in PLACE_KINDS:
        return value
    folded = search_key(value)
    for code, (_level, label) in PLACE_KINDS.items():
        if search_key(label) == folded or search_key(code.replace("_", " ")) == folded:
            return code
    return None


@dataclass
class PlaceInput:
    name: str
    kind: str
    code: str = ""
    code_scheme: str = ""
    parent_id: int | None = None
    target_households: int | None = None
    active: bool = True


def _validate(session: Session, data: PlaceInput, place: Place | None) -> tuple[Place | None, str]:
    errors: dict[str, str] = {}
    name = nfc(data.name)
    if not name:
        errors["name"] = _("Please enter the name.")
    elif len(name) > 200:
        errors["name"] = _("The name is too long (at most 200 characters).")
    kind = kind_from_label(data.kind or "")
    if kind is None:
        errors["kind"] = _("Please choose a valid kind of place.")
    if data.target_households is not None and not 0 <= data.target_households <= 10_000_000:
        errors["target_households"] = _("The target must be a whole number from 0.")
    parent = session.get(Place, data.parent_id) if data.parent_id else None
    if data.parent_id and parent is None:
        errors["parent_id"] = _("The parent place does not exist.")
    if parent is not None and kind is not None:
        level = PLACE_KINDS[kind][0]
        if parent.level == "village" or _LEVEL_ORDER[level] <= _LEVEL_ORDER[parent.level]:
            errors["parent_id"] = _(
                "A %(kind)s cannot be placed under this place.", kind=PLACE_KINDS[kind][1]
            )
    if place is not None and parent is not None and parent.path.startswith(place.path):
        errors["parent_id"] = _("A place cannot be moved under itself.")
    code = (data.code or "").strip()
    if len(code) > 30:
        errors["code"] = _("The code is too long (at most 30 characters).")
    if errors:
        raise ValidationError(errors)
    return parent, kind


def _scheme_for(kind: str, requested: str) -> str:
    if requested:
        return requested
    return "local" if PLACE_KINDS[kind][0] == "village" else "2025"


def _check_code_free(session: Session, scheme: str, code: str, place_id: int | None) -> None:
    existing = session.scalar(
        select(Place.id).where(Place.code_scheme == scheme, Place.code == code)
    )
    if existing is not None and existing != place_id:
        raise ValidationError({"code": _("This code is already used by another place.")})


def _next_local_code(session: Session, parent: Place | None) -> str:
    prefix = f"T{parent.code if parent else ''}-"
    count = session.scalar(
        select(func.count()).select_from(Place).where(Place.code.startswith(prefix))
    )
    n = count + 1
    while session.scalar(
        select(Place.id).where(Place.code_scheme == "local", Place.code == f"{prefix}{n:03d}")
    ):
        n += 1
    return f"{prefix}{n:03d}"


def create_place(session: Session, actor: User | None, data: PlaceInput) -> Place:
    parent, kind = _validate(session, data, None)
    scheme = _scheme_for(kind, data.code_scheme)
    code = (data.code or "").strip() or _next_local_code(session, parent)
    _check_code_free(session, scheme, code, None)
    place = Place(
        name=nfc(data.name),
        kind=kind,
        level=PLACE_KINDS[kind][0],
        code=code,
        code_scheme=scheme,
        parent_id=parent.id if parent else None,
        depth=(parent.depth + 1) if parent else 0,
        target_households=data.target_households,
        active=data.active,
        sort_key=sort_key(data.name),
    )
    session.add(place)
    session.flush()
    place.path = (parent.path if parent else "/") + f"{place.id}/"
    session.add(place)
    session.flush()
    record(session, actor, "create", place, diff({}, snapshot(place, _AUDITED)), place_id=place.id)
    return place


def update_place(session: Session, actor: User | None, place: Place, data: PlaceInput) -> Place:
    """Edit a place; a new parent moves its whole subtree with one UPDATE."""
    parent, kind = _validate(session, data, place)
    before = snapshot(place, _AUDITED)
    scheme = _scheme_for(kind, data.code_scheme or place.code_scheme)
    code = (data.code or "").strip() or place.code
    _check_code_free(session, scheme, code, place.id)
    place.name = nfc(data.name)
    place.sort_key = sort_key(place.name)
    place.kind = kind
    place.level = PLACE_KINDS[kind][0]
    place.code, place.code_scheme = code, scheme
    place.target_households = data.target_households
    place.active = data.active
    new_parent_id = parent.id if parent else None
    if new_parent_id != place.parent_id:
        _move_subtree(session, place, parent)
    session.add(place)
    session.flush()
    changes = diff(before, snapshot(place, _AUDITED))
    if changes:
        record(session, actor, "update", place, changes, place_id=place.id)
    return place


def _move_subtree(session: Session, place: Place, parent: Place | None) -> None:
    old_path = place.path
    new_path = (parent.path if parent else "/") + f"{place.id}/"
    depth_change = ((parent.depth + 1) if parent else 0) - place.depth
    session.flush()
    session.execute(
        update(Place)
        .where(Place.path.startswith(old_path, autoescape=True))
        .values(
            path=func.concat(new_path, func.substr(Place.path, len(old_path) + 1)),
            depth=Place.depth + depth_change,
        )
        .execution_options(synchronize_session=False)
    )
    place.parent_id = parent.id if parent else None
    session.expire(place, ["path", "depth"])
    session.flush()
    session.refresh(place)


def children_of(session: Session, place: Place) -> list[Place]:
    return list(
        session.scalars(select(Place).where(Place.parent_id == place.id).order_by(Place.sort_key))
    )


def ancestors_of(session: Session, place: Place) -> list[Place]:
    ids = place.ancestor_ids()[:-1]
    if not ids:
        return []
    by_id = {p.id: p for p in session.scalars(select(Place).where(Place.id.in_(ids)))}
    return [by_id[i] for i in ids if i in by_id]

"""Creating, editing, moving, merging and importing places. Services flush, never commit."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import String, exists, func, literal, select, update
from sqlmodel import Session

from ..audit import diff, record, snapshot
from ..errors import ValidationError
from ..i18n import nfc, search_key, sort_key
from ..models import PLACE_KINDS, Household, Place, User, Visit, utcnow
from ..scope import subtree_condition
from ..values import clean_line
from .kinds import default_scheme, scheme_error

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
    name = clean_line(data.name)
    if not name:
        errors["name"] = _("Please enter the name.")
    elif len(name) > 200:
        errors["name"] = _("The name is too long (at most 200 characters).")
    kind = kind_from_label(data.kind or "")
    if kind is None:
        errors["kind"] = _("Please choose a valid kind of place.")
    elif message := scheme_error(kind, data.code_scheme or (place.code_scheme if place else "")):
        errors["kind"] = message
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
    if place is not None and kind is not None and PLACE_KINDS[kind][0] != place.level:
        _check_level_change(session, place, PLACE_KINDS[kind][0], errors)
    code = clean_line(data.code)
    if len(code) > 30:
        errors["code"] = _("The code is too long (at most 30 characters).")
    if errors:
        raise ValidationError(errors)
    return parent, kind


def _check_level_change(session: Session, place: Place, level: str, errors: dict) -> None:
    """A new kind must keep the tree in order: villages hold households, never places."""
    if place.level == "village" and session.scalar(
        select(exists().where(Household.village_id == place.id))
    ):
        errors["kind"] = _("This village has households, so it must stay a village.")
        return
    child_levels = session.scalars(
        select(Place.level).where(Place.parent_id == place.id).distinct()
    )
    if any(_LEVEL_ORDER[child] <= _LEVEL_ORDER[level] for child in child_levels):
        errors["kind"] = _("This kind cannot hold the places that are under it.")


def _scheme_for(kind: str, requested: str) -> str:
    """The code scheme stored: local for a village (whatever its tree's), else the one asked
    for, else the one the kind belongs to."""
    if PLACE_KINDS[kind][0] == "village":
        return "local"
    return requested or default_scheme(kind)


def _check_code_free(session: Session, scheme: str, code: str, place_id: int | None) -> None:
    existing = session.scalar(
        select(Place.id).where(Place.code_scheme == scheme, Place.code == code)
    )
    if existing is not None and existing != place_id:
        raise ValidationError({"code": _("This code is already used by another place.")})


def _next_local_code(session: Session, parent: Place | None) -> str:
    prefix = f"T{parent.code if parent else ''}-"
    count = session.scalar(
        select(func.count())
        .select_from(Place)
        .where(Place.code_scheme == "local", Place.code.startswith(prefix, autoescape=True))
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
    code = clean_line(data.code) or _next_local_code(session, parent)
    _check_code_free(session, scheme, code, None)
    place = Place(
        name=clean_line(data.name),
        kind=kind,
        level=PLACE_KINDS[kind][0],
        code=code,
        code_scheme=scheme,
        parent_id=parent.id if parent else None,
        depth=(parent.depth + 1) if parent else 0,
        target_households=data.target_households,
        active=data.active,
        sort_key=sort_key(clean_line(data.name)),
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
    code = clean_line(data.code) or place.code
    _check_code_free(session, scheme, code, place.id)
    place.name = clean_line(data.name)
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
    """Re-root the paths of ``place`` and everything under it with one set-based UPDATE."""
    old_path = place.path
    new_path = (parent.path if parent else "/") + f"{place.id}/"
    depth_change = ((parent.depth + 1) if parent else 0) - place.depth
    session.flush()
    session.execute(
        update(Place)
        .where(subtree_condition(Place.path, old_path))
        .values(
            path=literal(new_path, String) + func.substr(Place.path, len(old_path) + 1),
            depth=Place.depth + depth_change,
        )
        .execution_options(synchronize_session=False)
    )
    place.parent_id = parent.id if parent else None
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Place) and obj is not place:
            session.expire(obj, ["path", "depth"])
    session.expire(place, ["path", "depth"])
    session.flush()
    session.refresh(place)


@dataclass
class MergeResult:
    households: int
    visits: int
    users: int


def merge_villages(
    session: Session, actor: User | None, source: Place, target: Place
) -> MergeResult:
    """Merge village ``source`` into ``target``: households, their visits and the team follow.

    Set-based UPDATEs (Visit.village_id is a copy of the household's village, so it moves too);
    ``source`` is deactivated. The target becomes the sum of both villages' targets (a village
    without one counts its registered households), so the totals of the places above are
    unchanged. Audited on both villages.
    """
    if not source.is_village or not target.is_village:
        raise ValidationError({"target_id": _("Only villages can be merged.")})
    if source.id == target.id:
        raise ValidationError({"target_id": _("A village cannot be merged into itself.")})
    if not target.active:
        raise ValidationError({"target_id": _("The village to merge into is no longer in use.")})
    session.flush()
    registered = dict(
        session.execute(
            select(Household.village_id, func.count())
            .where(Household.village_id.in_((source.id, target.id)), Household.deleted_at.is_(None))
            .group_by(Household.village_id)
        ).all()
    )
    if source.target_households is None and target.target_households is None:
        new_target = None
    else:
        new_target = sum(
            v.target_households if v.target_households is not None else registered.get(v.id, 0)
            for v in (source, target)
        )
    households = session.execute(
        update(Household)
        .where(Household.village_id == source.id)
        .values(village_id=target.id, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    visits = session.execute(
        update(Visit)
        .where(Visit.village_id == source.id)
        .values(village_id=target.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    users = session.execute(
        update(User)
        .where(User.place_id == source.id)
        .values(place_id=target.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    for obj in list(session.identity_map.values()):
        if isinstance(obj, (Household, Visit, User)):
            session.expire(obj)
    source_before = snapshot(source, _AUDITED)
    target_before = snapshot(target, _AUDITED)
    source.active = False
    source.target_households = 0
    target.target_households = new_target
    session.add_all([source, target])
    session.flush()
    moved = {
        "households": [None, households],
        "visits": [None, visits],
        "users": [None, users],
    }
    record(
        session,
        actor,
        "merge",
        source,
        {
            "merged_into": [None, target.id],
            **moved,
            **diff(source_before, snapshot(source, _AUDITED)),
        },
        place_id=source.id,
    )
    record(
        session,
        actor,
        "merge",
        target,
        {
            "merged_from": [None, source.id],
            **moved,
            **diff(target_before, snapshot(target, _AUDITED)),
        },
        place_id=target.id,
    )
    return MergeResult(households=households, visits=visits, users=users)


def ancestors_of(session: Session, place: Place) -> list[Place]:
    ids = place.ancestor_ids()[:-1]
    if not ids:
        return []
    by_id = {p.id: p for p in session.scalars(select(Place).where(Place.id.in_(ids)))}
    return [by_id[i] for i in ids if i in by_id]

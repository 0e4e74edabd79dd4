"""Choosing a place without typing a code and without JavaScript (DESIGN section 1).

The picker is part of the form that needs a place: its buttons are submit buttons of that same
form, so searching or opening a place sends everything typed so far and the page comes back
with it kept. The view asks ``picker_pressed(request.form)`` first: when a picker button was
pressed it shows the form again (nothing is saved), otherwise it saves as usual.

For a field ``place_id`` the form carries:

- ``place_id``: the chosen place (radio buttons; the chosen one is always shown first),
- ``place_id_at``: the place whose children are listed (hidden: where the user has got to),
- ``place_id_q`` and the button ``place_id_find``: a search by name over the whole area,
  without case or diacritics ("da lat" finds "Đà Lạt"),
- the buttons ``place_id_open`` (value: a place id): drill down, or back up the trail.

Every place it lists, opens or accepts is inside the actor's area (cdt_app.scope): an id from
outside it is treated as no id at all.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlmodel import Session

from ..db import MAX_ID
from ..i18n import search_key
from ..models import Place, User
from ..scope import area_condition, place_in_area, user_place

#: the most places listed, found or under the open place (a narrower search finds the rest)
MAX_RESULTS = 30
#: the most characters of a search kept
MAX_QUERY = 100


@dataclass
class PickerRow:
    place: Place
    context: str  #: the parent's name, to tell apart two "Thôn 1"
    has_children: bool
    selectable: bool


@dataclass
class PlacePicker:
    name: str  #: the form field that receives the chosen place's id
    root: Place  #: the actor's own place: nothing above it is ever listed
    at: Place  #: the place whose children are listed
    chosen: Place | None
    chosen_context: str
    trail: list[Place]  #: root … at, each a button back up
    query: str
    searched: bool
    rows: list[PickerRow] = field(default_factory=list)
    more: bool = False  #: the search found more than MAX_RESULTS


def picker_pressed(form_data: Mapping[str, str], name: str = "place_id") -> bool:
    """Was one of the picker's own buttons pressed (search, open), rather than "Lưu"?"""
    return f"{name}_find" in form_data or f"{name}_open" in form_data


def _id(raw: object) -> int | None:
    """A place id from the form, or None (never one the database cannot hold)."""
    text = str(raw or "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > 18:
        return None
    value = int(text)
    return value if 0 < value <= MAX_ID else None


def _in_area(session: Session, actor: User, raw: object) -> Place | None:
    place_id = _id(raw)
    place = session.get(Place, place_id) if place_id else None
    return place if place is not None and place_in_area(session, actor, place) else None


def chosen_place(
    session: Session, actor: User, form_data: Mapping[str, str], name: str = "place_id"
) -> Place | None:
    """The place chosen in the submitted form, if it is inside the actor's area."""
    return _in_area(session, actor, form_data.get(name))


def _names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(session.execute(select(Place.id, Place.name).where(Place.id.in_(ids))).all())


def _with_children(session: Session, ids: list[int]) -> set[int]:
    if not ids:
        return set()
    return set(
        session.scalars(
            select(Place.parent_id)
            .where(Place.parent_id.in_(ids), Place.active.is_(True))
            .group_by(Place.parent_id)
            .having(func.count() > 0)
        )
    )


def _search(session: Session, actor: User, query: str) -> tuple[list[Place], bool]:
    """Places in use in the actor's area whose folded name holds every folded word."""
    words = search_key(query).split()
    if not words:
        return [], False
    candidates = session.execute(
        select(Place.id, Place.name)
        .where(area_condition(session, actor), Place.active.is_(True))
        .order_by(Place.depth, Place.sort_key, Place.id)
    ).all()
    found = [pid for pid, name in candidates if all(w in search_key(name) for w in words)]
    if not found:
        return [], False
    by_id = {
        p.id: p for p in session.scalars(select(Place).where(Place.id.in_(found[:MAX_RESULTS])))
    }
    return [by_id[pid] for pid in found[:MAX_RESULTS]], len(found) > MAX_RESULTS


def _children(session: Session, at: Place) -> list[Place]:
    return list(
        session.scalars(
            select(Place)
            .where(Place.parent_id == at.id, Place.active.is_(True))
            .order_by(Place.sort_key, Place.id)
        )
    )


def build_picker(
    session: Session,
    actor: User,
    form_data: Mapping[str, str] | None = None,
    *,
    name: str = "place_id",
    default: Place | None = None,
    selectable: Callable[[Place], bool] | None = None,
) -> PlacePicker | None:
    """The picker's state for a page: from the submitted form (``form_data``), or, on a first
    GET, with ``default`` chosen and its parent open. None for an actor with no place."""
    root = user_place(session, actor)
    if root is None:
        return None
    data = form_data or {}
    can_pick = selectable or (lambda _place: True)
    chosen = _in_area(session, actor, data.get(name)) if name in data else None
    if chosen is None and name not in data and default is not None:
        chosen = default if place_in_area(session, actor, default) else None
    at = _in_area(session, actor, data.get(f"{name}_open")) or _in_area(
        session, actor, data.get(f"{name}_at")
    )
    if at is None:
        parent = _in_area(session, actor, chosen.parent_id) if chosen else None
        at = parent or root
    if at.is_village:  # a village has nothing under it: show it among its neighbours
        at = _in_area(session, actor, at.parent_id) or root
    opened = f"{name}_open" in data
    query = "" if opened else " ".join(str(data.get(f"{name}_q", "")).split())[:MAX_QUERY]
    searched = bool(query) and not opened
    more = False
    if searched:
        places, more = _search(session, actor, query)
    else:
        children = _children(session, at)
        more = len(children) > MAX_RESULTS  # a province's 124 communes: search finds the rest
        places = ([at] if can_pick(at) else []) + children[:MAX_RESULTS]
    places = [p for p in places if chosen is None or p.id != chosen.id]
    ids = [p.id for p in places]
    parents = _names(
        session,
        {p.parent_id for p in places if p.parent_id}
        | ({chosen.parent_id} if chosen and chosen.parent_id else set()),
    )
    openable = _with_children(session, ids)
    trail_ids = [int(part) for part in at.path.strip("/").split("/") if part]
    trail_places = {p.id: p for p in session.scalars(select(Place).where(Place.id.in_(trail_ids)))}
    trail = [trail_places[i] for i in trail_ids if i in trail_places]
    trail = [p for p in trail if p.path.startswith(root.path)]
    rows = [
        PickerRow(
            place=p,
            context=parents.get(p.parent_id, "") if p.id != root.id else "",
            has_children=p.id in openable and p.id != at.id,
            selectable=can_pick(p),
        )
        for p in places
    ]
    return PlacePicker(
        name=name,
        root=root,
        at=at,
        chosen=chosen,
        chosen_context=parents.get(chosen.parent_id, "")
        if chosen and chosen.parent_id and chosen.id != root.id
        else "",
        trail=trail,
        query=query,
        searched=searched,
        rows=rows,
        more=more,
    )

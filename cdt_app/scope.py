"""The one place that answers "is this inside the user's area" and filters queries by it.

A user's area is the subtree of their place. Places carry a materialised path ("/1/12/345/"),
so a subtree is a range of that indexed column: set-based, no recursion.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import abort, g
from sqlalchemy import ColumnElement, and_, false, select
from sqlmodel import Session

from .models import Place, User


def subtree_condition(path_column, root_path: str) -> ColumnElement[bool]:
    """Rows whose path lies in the subtree rooted at ``root_path`` (itself included).

    Paths are digits and "/"; every path below "/1/12/" sorts in ["/1/12/", "/1/120") since
    "0" follows "/" in byte order.
    """
    return and_(path_column >= root_path, path_column < root_path[:-1] + "0")


def user_place(session: Session, user: User) -> Place | None:
    """The user's own place (cached for the request), or None: a user with none sees nothing."""
    if user is None or not getattr(user, "place_id", None):
        return None
    cache = g.setdefault("_user_places", {})
    if user.id not in cache:
        cache[user.id] = session.get(Place, user.place_id)
    return cache[user.id]


def user_place_or_404(session: Session, user: User) -> Place:
    """The user's own place; 404 for a user with none (they see nothing)."""
    place = user_place(session, user)
    if place is None:
        abort(404)
    return place


def area_condition(session: Session, user: User, path_column=Place.path) -> ColumnElement[bool]:
    """A WHERE condition on a place path column limiting rows to the user's area."""
    root = user_place(session, user)
    if root is None:
        return false()
    return subtree_condition(path_column, root.path)


def place_in_area(session: Session, user: User, place: Place | None) -> bool:
    """Is ``place`` inside ``user``'s area?"""
    root = user_place(session, user)
    if root is None or place is None:
        return False
    return place.path.startswith(root.path)


def place_id_in_area(session: Session, user: User, place_id: int | None) -> bool:
    if place_id is None:
        return False
    return place_in_area(session, user, session.get(Place, place_id))


def get_place_or_404(session: Session, user: User, place_id: int) -> Place:
    """The place if it is inside the user's area; 404 otherwise (no hint that it exists)."""
    place = session.get(Place, place_id)
    if place is None or not place_in_area(session, user, place):
        abort(404)
    return place


def place_or_own_or_404(session: Session, user: User, place_id: int | None) -> Place:
    """The place asked for (404 outside the user's area), or the user's own with none asked."""
    if place_id is None:
        return user_place_or_404(session, user)
    return get_place_or_404(session, user, place_id)


def places_in_area(session: Session, user: User):
    """A SELECT of the places in the user's area."""
    return select(Place).where(area_condition(session, user))


def village_ids_in_area(session: Session, user: User):
    """A scalar subquery-able SELECT of village ids in the user's area."""
    return select(Place.id).where(area_condition(session, user), Place.level == "village")


def get_village_record_or_404(session: Session, user: User, model: type, record_id: Any):
    """A household or visit (a row with ``village_id`` and ``deleted_at``) by its UUID, if it
    is not deleted and lies in the user's area; 404 otherwise."""
    try:
        key = record_id if isinstance(record_id, uuid.UUID) else uuid.UUID(str(record_id))
    except ValueError:
        abort(404)
    record = session.get(model, key)
    if record is None or record.deleted_at is not None:
        abort(404)
    if not place_id_in_area(session, user, record.village_id):
        abort(404)
    return record

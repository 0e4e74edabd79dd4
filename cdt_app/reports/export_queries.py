"""What the exports read besides the report: the names of each row's hierarchy, the raw
visits (one row per visit and skill, streamed) and the names those rows refer to."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy import select
from sqlmodel import Session

from ..models import Household, Place, Skill, User, Visit, VisitSkill
from ..scope import subtree_condition
from .periods import Period
from .rows import PlaceRow
from .sources import counted_visits, statement_params

_visit = Visit.__table__
_vs = VisitSkill.__table__
_hh = Household.__table__
_place = Place.__table__


def hierarchy_names(session: Session, place: Place, rows: list[PlaceRow]) -> dict[int, dict]:
    """For every row: {level: name} of the row and its ancestors (province … village)."""
    names = place_names(session, place)
    result = {}
    for row in rows:
        chain: dict[str, str] = {}
        for pid in (int(p) for p in row.path.strip("/").split("/") if p):
            if pid == row.id:
                chain[row.level] = row.name
            elif pid in names:
                chain[names[pid][1]] = names[pid][0]
        result[row.id] = chain
    return result


def raw_visits_query(place: Place, period: Period):
    """One row per counted visit and skill under ``place``, in village and date order.

    Returns (statement, parameters). Ids and dates come back as text (no per-row conversion:
    the export streams millions of rows); names are looked up from ``export_lookups``.
    """
    statement = _raw_visits_statement(period.start is not None, period.approved_only)
    return statement, statement_params(place, period, period.end)


class _Village(NamedTuple):
    """What statement_params reads of a place."""

    id: int
    path: str


def raw_visits_chunks(
    period: Period, villages: Iterable[tuple[int, str]]
) -> Iterator[tuple[Any, dict]]:
    """The rows of ``raw_visits_query``, in the same order, one village at a time.

    ``villages`` are (id, path) of the villages under the place in id order
    (``export_lookups()["village_paths"]``). Each statement reads and sorts one village's visits
    (ix_visit_village_date serves its date order), so the first rows leave at once instead of
    after sorting a province's millions; the order is the same because the whole order starts
    with the village id, and the figures are the same because a visit's village is its
    household's (cdt_app.households.services moves both together).
    """
    statement = _raw_visits_statement(period.start is not None, period.approved_only)
    for village_id, path in villages:
        yield statement, statement_params(_Village(village_id, path), period, period.end)  # type: ignore[arg-type]


@lru_cache(maxsize=4)
def _raw_visits_statement(has_start: bool, approved_only: bool):
    vil = _place.alias("vil")
    return (
        select(
            sa.cast(_visit.c.id, sa.String).label("id"),
            sa.cast(_visit.c.visited_on, sa.String).label("visited_on"),
            _visit.c.status,
            _visit.c.people_taught,
            _visit.c.village_id,
            _visit.c.volunteer_id,
            sa.cast(_hh.c.id, sa.String).label("household_id"),
            _hh.c.head_name,
            _hh.c.phone,
            _vs.c.skill_id,
            _vs.c.completed,
        )
        .select_from(_visit)
        .join(vil, vil.c.id == _visit.c.village_id)
        .join(_hh, _hh.c.id == _visit.c.household_id)
        .outerjoin(_vs, _vs.c.visit_id == _visit.c.id)
        .where(counted_visits(vil, has_start, approved_only))
        .order_by(_visit.c.village_id, _visit.c.visited_on, _visit.c.id, _vs.c.skill_id)
    )


def export_lookups(session: Session, place: Place) -> dict[str, dict]:
    """Names for the raw export: villages (with their commune), skills and volunteers, and
    (``village_paths``) the villages in id order, the chunks of ``raw_visits_chunks``."""
    names = place_names(session, place)
    villages = {}
    paths = []
    for pid, name, code, path in session.execute(
        select(Place.id, Place.name, Place.code, Place.path)
        .where(subtree_condition(Place.path, place.path), Place.level == "village")
        .order_by(Place.id)
    ):
        paths.append((pid, path))
        commune = ""
        for part in path.strip("/").split("/"):
            parent = names.get(int(part))
            if parent and parent[1] == "commune":
                commune = parent[0]
        villages[pid] = (commune, name, code)
    skills = {
        sid: (code, name)
        for sid, code, name in session.execute(select(Skill.id, Skill.code, Skill.name_vi))
    }
    users = {
        uid: (display_name, username)
        for uid, display_name, username in session.execute(
            select(User.id, User.display_name, User.username)
        )
    }
    return {"villages": villages, "skills": skills, "users": users, "village_paths": paths}


def place_names(session: Session, place: Place) -> dict[int, tuple[str, str]]:
    """{id: (name, level)} of the non-village places in and above ``place``'s subtree."""
    return {
        pid: (name, level)
        for pid, name, level in session.execute(
            select(Place.id, Place.name, Place.level).where(
                sa.or_(
                    Place.id.in_(place.ancestor_ids()),
                    sa.and_(
                        subtree_condition(Place.path, place.path),
                        Place.level != "village",
                    ),
                )
            )
        )
    }

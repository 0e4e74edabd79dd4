"""Recompute the per-village coverage aggregates (cdt_app.models.coverage) from the raw rows.

``refresh_villages(session, ids)`` recomputes the rows of some villages from their visits and
households, inside the caller's transaction. It locks the villages' aggregate rows first
(PostgreSQL; on SQLite writers are serialised anyway) and reads afterwards, so in READ
COMMITTED two concurrent writers to one village cannot lose each other's visits.

``cdt_app.reports.upkeep`` calls it at every commit for the villages that the ORM writes of
the transaction touched. Writes made with plain Core on a connection bypass it: call
``refresh_villages`` (or ``rebuild_all``) yourself after them.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy import func, select
from sqlalchemy.orm import Session as OrmSession

from ..models import (
    CoverageVillage,
    CoverageVillageMonth,
    CoverageVillageSkill,
    CoverageVillageSkillMonth,
    CoverageVillageVolunteer,
    Household,
    Place,
    Visit,
    VisitSkill,
    utcnow,
)
from .period_rows import refresh_period_rows

_CHUNK = 500

_cv = CoverageVillage.__table__
_cvs = CoverageVillageSkill.__table__
_cvv = CoverageVillageVolunteer.__table__
_cvm = CoverageVillageMonth.__table__
_cvsm = CoverageVillageSkillMonth.__table__
_visit = Visit.__table__
_vs = VisitSkill.__table__
_hh = Household.__table__


def refresh_village(session: OrmSession, village_id: int) -> None:
    """Recompute the aggregates of one village from its raw rows (same transaction)."""
    refresh_villages(session, [village_id])


def refresh_villages(session: OrmSession, village_ids: Iterable[int]) -> None:
    """Recompute the aggregates of ``village_ids`` from the raw rows, in id order."""
    ids = sorted({int(i) for i in village_ids if i is not None})
    for start in range(0, len(ids), _CHUNK):
        _refresh_chunk(session, ids[start : start + _CHUNK])


def rebuild_all(session: OrmSession) -> int:
    """Recompute every village's aggregates (after bulk loads); returns the number of villages."""
    ids = set(session.scalars(select(Place.id).where(Place.level == "village")))
    ids |= set(session.scalars(select(Household.village_id).distinct()))
    ids |= set(session.scalars(select(_cv.c.village_id)))
    refresh_villages(session, ids)
    return len(ids)


def _insert_ignore(session: OrmSession, ids: list[int]):
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(_cv).values([{"village_id": i} for i in ids]).on_conflict_do_nothing()


def _ids():
    return sa.bindparam("ids", expanding=True)


def _counted():
    """Visits of the villages ``:ids`` that count: not deleted, their household not deleted."""
    deleted_households = select(_hh.c.id).where(
        _hh.c.deleted_at.is_not(None), _hh.c.village_id.in_(_ids())
    )
    return sa.and_(
        _visit.c.village_id.in_(_ids()),
        _visit.c.deleted_at.is_(None),
        ~_visit.c.household_id.in_(deleted_households),
    )


@lru_cache(maxsize=1)
def _statements() -> dict[str, Any]:
    """The refresh statements, built once (bound parameter ``ids``, a list of village ids)."""
    approved = _visit.c.status == "approved"
    completed = _vs.c.completed == sa.true()

    def if_approved(value):
        return sa.case((approved, value), else_=None)

    return {
        "lock": select(_cv.c.village_id)
        .where(_cv.c.village_id.in_(_ids()))
        .order_by(_cv.c.village_id)
        .with_for_update(),
        "existing": select(_cv.c.village_id).where(_cv.c.village_id.in_(_ids())),
        "registered": select(_hh.c.village_id, func.count())
        .where(_hh.c.village_id.in_(_ids()), _hh.c.deleted_at.is_(None))
        .group_by(_hh.c.village_id),
        "visits": select(
            _visit.c.village_id,
            func.count(_visit.c.household_id.distinct()).label("reached_all"),
            func.count(if_approved(_visit.c.household_id).distinct()).label("reached_approved"),
            func.count().label("visits_all"),
            func.coalesce(func.sum(sa.case((approved, 1), else_=0)), 0).label("visits_approved"),
            func.coalesce(func.sum(_visit.c.people_taught), 0).label("people_all"),
            func.coalesce(func.sum(sa.case((approved, _visit.c.people_taught), else_=0)), 0).label(
                "people_approved"
            ),
            func.max(_visit.c.visited_on).label("last_visit_on"),
        )
        .where(_counted())
        .group_by(_visit.c.village_id),
        "update": _cv.update()
        .where(_cv.c.village_id == sa.bindparam("b_id"))
        .values({key: sa.bindparam(key) for key in _VILLAGE_COLUMNS}),
        "delete_skills": _cvs.delete().where(_cvs.c.village_id.in_(_ids())),
        "insert_skills": _cvs.insert().from_select(
            [
                "village_id",
                "skill_id",
                "reached_all",
                "completed_all",
                "reached_approved",
                "completed_approved",
            ],
            select(
                _visit.c.village_id,
                _vs.c.skill_id,
                func.count(_visit.c.household_id.distinct()),
                func.count(sa.case((completed, _visit.c.household_id), else_=None).distinct()),
                func.count(if_approved(_visit.c.household_id).distinct()),
                func.count(
                    sa.case(
                        (sa.and_(completed, approved), _visit.c.household_id), else_=None
                    ).distinct()
                ),
            )
            .select_from(_visit.join(_vs, _vs.c.visit_id == _visit.c.id))
            .where(_counted())
            .group_by(_visit.c.village_id, _vs.c.skill_id),
        ),
        "delete_volunteers": _cvv.delete().where(_cvv.c.village_id.in_(_ids())),
        "insert_volunteers": _cvv.insert().from_select(
            [
                "village_id",
                "volunteer_id",
                "visits_all",
                "visits_approved",
                "last_all",
                "last_approved",
            ],
            select(
                _visit.c.village_id,
                _visit.c.volunteer_id,
                func.count(),
                func.coalesce(func.sum(sa.case((approved, 1), else_=0)), 0),
                func.max(_visit.c.visited_on),
                func.max(if_approved(_visit.c.visited_on)),
            )
            .where(_counted())
            .group_by(_visit.c.village_id, _visit.c.volunteer_id),
        ),
        "delete_months": _cvm.delete().where(_cvm.c.village_id.in_(_ids())),
        "insert_months": _months_insert(approved, if_approved),
        "delete_skill_months": _cvsm.delete().where(_cvsm.c.village_id.in_(_ids())),
        "insert_skill_months": _skill_months_insert(approved, completed, if_approved),
    }


def month_of(date_column):
    """ "YYYY-MM" of a date column, on both engines (dates read as ISO text)."""
    return func.substr(sa.cast(date_column, sa.String), 1, 7)


def _histogram(source, village, month_column, counted: dict, extra=(), where=None):
    """One UNION branch: rows grouped by (village, extra…, month of ``month_column``)."""
    month = month_of(month_column)
    statement = select(
        village.label("village_id"),
        *(column.label(column.key) for column in extra),
        month.label("month"),
        *(value.label(name) for name, value in counted.items()),
    ).select_from(source)
    if where is not None:
        statement = statement.where(where)
    return statement.group_by(village, *extra, month)


def _zeros(names: tuple[str, ...], keep: dict) -> dict:
    return {name: keep.get(name, sa.literal(0)) for name in names}


def _months_insert(approved, if_approved):
    names = (
        "visits_all",
        "visits_approved",
        "people_all",
        "people_approved",
        "reached_all",
        "reached_approved",
    )
    people = _visit.c.people_taught
    by_visit = _histogram(
        _visit,
        _visit.c.village_id,
        _visit.c.visited_on,
        _zeros(
            names,
            {
                "visits_all": func.count(),
                "visits_approved": func.sum(sa.case((approved, 1), else_=0)),
                "people_all": func.sum(people),
                "people_approved": func.sum(sa.case((approved, people), else_=0)),
            },
        ),
        where=_counted(),
    )
    latest = (
        select(
            _visit.c.village_id.label("village_id"),
            func.max(_visit.c.visited_on).label("last_all"),
            func.max(if_approved(_visit.c.visited_on)).label("last_approved"),
        )
        .where(_counted())
        .group_by(_visit.c.village_id, _visit.c.household_id)
        .cte("latest")
        .prefix_with("MATERIALIZED")  # used by several branches: computed once
    )
    by_last = [
        _histogram(
            latest,
            latest.c.village_id,
            latest.c[column],
            _zeros(names, {f"reached_{suffix}": func.count()}),
            where=latest.c[column].is_not(None),
        )
        for suffix, column in (("all", "last_all"), ("approved", "last_approved"))
    ]
    both = sa.union_all(by_visit, *by_last).subquery("u")
    return _cvm.insert().from_select(
        ["village_id", "month", *names],
        select(both.c.village_id, both.c.month, *(func.sum(both.c[n]) for n in names)).group_by(
            both.c.village_id, both.c.month
        ),
    )


def _skill_months_insert(approved, completed, if_approved):
    names = ("reached_all", "completed_all", "reached_approved", "completed_approved")
    day = _visit.c.visited_on
    latest = (
        select(
            _visit.c.village_id.label("village_id"),
            _vs.c.skill_id.label("skill_id"),
            func.max(day).label("reached_all"),
            func.max(sa.case((completed, day), else_=None)).label("completed_all"),
            func.max(if_approved(day)).label("reached_approved"),
            func.max(sa.case((sa.and_(completed, approved), day), else_=None)).label(
                "completed_approved"
            ),
        )
        .select_from(_visit.join(_vs, _vs.c.visit_id == _visit.c.id))
        .where(_counted())
        .group_by(_visit.c.village_id, _visit.c.household_id, _vs.c.skill_id)
        .cte("latest")
        .prefix_with("MATERIALIZED")  # used by several branches: computed once
    )
    branches = [
        _histogram(
            latest,
            latest.c.village_id,
            latest.c[name],
            _zeros(names, {name: func.count()}),
            extra=(latest.c.skill_id,),
            where=latest.c[name].is_not(None),
        )
        for name in names
    ]
    every = sa.union_all(*branches).subquery("u")
    return _cvsm.insert().from_select(
        ["village_id", "skill_id", "month", *names],
        select(
            every.c.village_id,
            every.c.skill_id,
            every.c.month,
            *(func.sum(every.c[n]) for n in names),
        ).group_by(every.c.village_id, every.c.skill_id, every.c.month),
    )


_VILLAGE_COLUMNS = (
    "registered_households",
    "reached_all",
    "reached_approved",
    "visits_all",
    "visits_approved",
    "people_all",
    "people_approved",
    "last_visit_on",
    "refreshed_at",
)


def _refresh_chunk(session: OrmSession, ids: list[int]) -> None:
    sql = _statements()
    params = {"ids": ids}
    existing = set(session.scalars(sql["existing"], params))
    missing = [i for i in ids if i not in existing]
    if missing:
        session.execute(_insert_ignore(session, missing))
    # Lock before reading: a concurrent writer of the same village waits for our commit, then
    # its own reads (a new snapshot per statement in READ COMMITTED) include our rows.
    session.execute(sql["lock"], params).all()
    registered = dict(session.execute(sql["registered"], params).all())
    visits = {row.village_id: row for row in session.execute(sql["visits"], params)}
    now = utcnow()
    updates = []
    for village_id in ids:
        row = visits.get(village_id)
        values = {"b_id": village_id, "refreshed_at": now}
        values["registered_households"] = registered.get(village_id, 0)
        for key in _VILLAGE_COLUMNS[1:-1]:
            values[key] = (
                getattr(row, key) if row is not None else (None if key == "last_visit_on" else 0)
            )
        updates.append(values)
    session.execute(sql["update"], updates)
    refresh_period_rows(session, ids)
    for name in (
        "delete_skills",
        "insert_skills",
        "delete_volunteers",
        "insert_volunteers",
        "delete_months",
        "insert_months",
        "delete_skill_months",
        "insert_skill_months",
    ):
        session.execute(sql[name], params)

"""Recompute the per-visit period rows (``coverage_visit``, ``coverage_visit_skill``) of some
villages from the raw rows, inside the caller's transaction.

Each counted visit gets the date of the previous counted visit of its household in its
village (window ``LAG`` over the household's visits ordered by date, then id), and of the
previous approved one; each skill of a counted visit the previous visit teaching it,
completing it, and the approved versions of both. ``cdt_app.reports.aggregates`` calls
``refresh_period_rows`` with the other aggregates of the villages, after it has locked their
``coverage_village`` rows: only that code writes these tables, always under that lock, so a
writer never waits for another on them.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy import func, select
from sqlalchemy.orm import Session as OrmSession

from ..models import CoverageVisit, CoverageVisitSkill, Household, Visit, VisitSkill

_cvis = CoverageVisit.__table__
_cvsk = CoverageVisitSkill.__table__
_visit = Visit.__table__
_vs = VisitSkill.__table__
_hh = Household.__table__

VISIT_COLUMNS = (
    "village_id",
    "visited_on",
    "visit_id",
    "volunteer_id",
    "people_taught",
    "approved",
    "previous_on",
    "previous_approved_on",
)
SKILL_COLUMNS = (
    "village_id",
    "visited_on",
    "skill_id",
    "visit_id",
    "completed",
    "approved",
    "previous_on",
    "previous_done_on",
    "previous_approved_on",
    "previous_done_approved_on",
)


def _counted(villages):
    """Visits that count (not deleted, household not deleted) in the villages ``villages``
    (a condition on ``visit.village_id``, or None for every village)."""
    conditions = [_visit.c.deleted_at.is_(None), _hh.c.deleted_at.is_(None)]
    if villages is not None:
        conditions.append(villages)
    return sa.and_(*conditions)


def visit_rows_select(villages=None):
    """The rows of ``coverage_visit`` for the visits of ``villages`` (all when None)."""
    approved = _visit.c.status == "approved"
    order = (_visit.c.visited_on, _visit.c.id)
    chain = (_visit.c.village_id, _visit.c.household_id)

    def previous(*extra):
        return func.lag(_visit.c.visited_on, type_=sa.Date).over(
            partition_by=(*chain, *extra), order_by=order
        )

    return (
        select(
            _visit.c.village_id,
            _visit.c.visited_on,
            _visit.c.id,
            _visit.c.volunteer_id,
            _visit.c.people_taught,
            approved,
            previous(),
            sa.case((approved, previous(approved)), else_=None),
        )
        .select_from(_visit.join(_hh, _hh.c.id == _visit.c.household_id))
        .where(_counted(villages))
    )


def skill_rows_select(villages=None):
    """The rows of ``coverage_visit_skill`` for the visits of ``villages`` (all when None)."""
    approved = _visit.c.status == "approved"
    completed = _vs.c.completed == sa.true()
    order = (_visit.c.visited_on, _visit.c.id)
    chain = (_visit.c.village_id, _visit.c.household_id, _vs.c.skill_id)

    def previous(*extra):
        return func.lag(_visit.c.visited_on, type_=sa.Date).over(
            partition_by=(*chain, *extra), order_by=order
        )

    return (
        select(
            _visit.c.village_id,
            _visit.c.visited_on,
            _vs.c.skill_id,
            _visit.c.id,
            _vs.c.completed,
            approved,
            previous(),
            sa.case((completed, previous(_vs.c.completed)), else_=None),
            sa.case((approved, previous(approved)), else_=None),
            sa.case(
                (sa.and_(completed, approved), previous(_vs.c.completed, approved)), else_=None
            ),
        )
        .select_from(
            _vs.join(_visit, _visit.c.id == _vs.c.visit_id).join(
                _hh, _hh.c.id == _visit.c.household_id
            )
        )
        .where(_counted(villages))
    )


@lru_cache(maxsize=1)
def _statements() -> dict[str, Any]:
    ids = sa.bindparam("ids", expanding=True)
    return {
        "delete_visits": _cvis.delete().where(_cvis.c.village_id.in_(ids)),
        "insert_visits": _cvis.insert().from_select(
            list(VISIT_COLUMNS), visit_rows_select(_visit.c.village_id.in_(ids))
        ),
        "delete_skills": _cvsk.delete().where(_cvsk.c.village_id.in_(ids)),
        "insert_skills": _cvsk.insert().from_select(
            list(SKILL_COLUMNS), skill_rows_select(_visit.c.village_id.in_(ids))
        ),
    }


def refresh_period_rows(session: OrmSession, ids: list[int]) -> None:
    """Recompute the period rows of the villages ``ids`` (their aggregate rows locked)."""
    sql = _statements()
    for name in ("delete_visits", "insert_visits", "delete_skills", "insert_skills"):
        session.execute(sql[name], {"ids": ids})

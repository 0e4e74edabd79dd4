"""Where the per-village figures of a coverage report come from: the SQL of its three sources.

* "aggregates": reports to date read the per-village aggregates kept by
  ``cdt_app.reports.upkeep``, a few thousand rows for a whole province;
* "months": reports from the first of a month up to today (the presets) read the month
  tables, which count households by the month of their latest visit;
* "periods": any other period reads the per-visit rows with the previous visit's date
  (``cdt_app.models.coverage_period``): counts of rows in a date range;
* "raw": the visits themselves, limited to the place's villages and the period through the
  (village_id, visited_on) index: the reference the tests compare the others with.

Each source is a ``Sources``: three selectables keyed by village (figures, skills, active
volunteers) that ``cdt_app.reports.queries`` adds up per place. Their bound parameters take
the values of ``statement_params``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy import func, select

from ..models import (
    CoverageVillage,
    CoverageVillageMonth,
    CoverageVillageSkill,
    CoverageVillageSkillMonth,
    CoverageVillageVolunteer,
    CoverageVisit,
    CoverageVisitSkill,
    Household,
    Place,
    Skill,
    Visit,
    VisitSkill,
)
from .periods import Period

_cv = CoverageVillage.__table__
_cvs = CoverageVillageSkill.__table__
_cvv = CoverageVillageVolunteer.__table__
_cvm = CoverageVillageMonth.__table__
_cvsm = CoverageVillageSkillMonth.__table__
_cvis = CoverageVisit.__table__
_skill = Skill.__table__
_cvsk = CoverageVisitSkill.__table__
_visit = Visit.__table__
_vs = VisitSkill.__table__
_hh = Household.__table__
_place = Place.__table__


# The statements are built once per shape (level, source, start or not, approved only) with bound
# parameters, and cached: building SQLAlchemy constructs costs more than running them here.
P_PLACE = "place_id"  #: the report's place
P_CUTOFF = "cutoff"  #: a village with no visit since this day is stalled
_P_ROOT, _P_ROOT_END = "root", "root_end"
_P_START, _P_END, _P_MONTH = "start", "end", "month"


def in_root(path_column):
    """``path_column`` lies in the report place's subtree (bound parameters root, root_end)."""
    return sa.and_(
        path_column >= sa.bindparam(_P_ROOT, type_=sa.String),
        path_column < sa.bindparam(_P_ROOT_END, type_=sa.String),
    )


def statement_params(place: Place, period: Period, cutoff: date) -> dict[str, Any]:
    """The values of the bound parameters, for a report on ``place`` over ``period``."""
    return {
        P_PLACE: place.id,
        _P_ROOT: place.path,
        _P_ROOT_END: place.path[:-1] + "0",
        _P_START: period.start,
        _P_END: period.end,
        P_CUTOFF: cutoff,
        _P_MONTH: period.start.strftime("%Y-%m") if period.start else None,
    }


def counted_visits(scope, has_start: bool, approved_only: bool):
    """Conditions on ``visit`` for the visits that count, ``scope`` being the village alias."""
    home = _place.alias()  # its own alias: sharing ``scope`` would correlate the subquery
    deleted_households = (
        select(_hh.c.id)
        .join(home, home.c.id == _hh.c.village_id)
        .where(_hh.c.deleted_at.is_not(None), in_root(home.c.path))
    )
    conditions = [
        in_root(scope.c.path),
        _visit.c.deleted_at.is_(None),
        _visit.c.visited_on <= sa.bindparam(_P_END, type_=sa.Date),
        ~_visit.c.household_id.in_(deleted_households),
    ]
    if has_start:
        conditions.append(_visit.c.visited_on >= sa.bindparam(_P_START, type_=sa.Date))
    if approved_only:
        conditions.append(_visit.c.status == "approved")
    return sa.and_(*conditions)


@dataclass(frozen=True)
class Sources:
    """Per-village figures: (village id column, value columns) of each family."""

    households: Any  #: village_id, registered, reached, visits, people
    skills: Any  #: village_id, skill_id, reached, completed
    volunteers: Any  #: village_id, volunteer_id (only the active ones), last (their last visit)


def _aggregate_sources(approved_only: bool) -> Sources:
    """To date: one row per village (and per village and skill, or volunteer)."""
    suffix = "approved" if approved_only else "all"
    households = select(
        _cv.c.village_id,
        _cv.c.registered_households.label("registered"),
        _cv.c[f"reached_{suffix}"].label("reached"),
        _cv.c[f"visits_{suffix}"].label("visits"),
        _cv.c[f"people_{suffix}"].label("people"),
    ).subquery("vf")
    skills = select(
        _cvs.c.village_id,
        _cvs.c.skill_id,
        _cvs.c[f"reached_{suffix}"].label("reached"),
        _cvs.c[f"completed_{suffix}"].label("completed"),
    ).subquery("vs")
    volunteers = (
        select(_cvv.c.village_id, _cvv.c.volunteer_id, _cvv.c[f"last_{suffix}"].label("last"))
        .where(_cvv.c[f"visits_{suffix}"] > 0)
        .subquery("vv")
    )
    return Sources(households, skills, volunteers)


def _month_sources(approved_only: bool) -> Sources:
    """From the first day of a month up to today (or later): the month tables (see
    cdt_app.models.coverage). Households reached since then are those whose latest counted
    visit is in that month or after."""
    suffix = "approved" if approved_only else "all"
    since = sa.bindparam(_P_MONTH, type_=sa.String)
    scope = _place.alias()
    months = (
        select(
            _cvm.c.village_id,
            func.sum(_cvm.c[f"reached_{suffix}"]).label("reached"),
            func.sum(_cvm.c[f"visits_{suffix}"]).label("visits"),
            func.sum(_cvm.c[f"people_{suffix}"]).label("people"),
        )
        .join(scope, scope.c.id == _cvm.c.village_id)
        .where(_cvm.c.month >= since, in_root(scope.c.path))
        .group_by(_cvm.c.village_id)
        .subquery("mon")
    )
    households = (
        select(
            _cv.c.village_id,
            _cv.c.registered_households.label("registered"),
            func.coalesce(months.c.reached, 0).label("reached"),
            func.coalesce(months.c.visits, 0).label("visits"),
            func.coalesce(months.c.people, 0).label("people"),
        )
        .select_from(_cv.outerjoin(months, months.c.village_id == _cv.c.village_id))
        .subquery("vf")
    )
    skills = (  # several months per village and skill: the branches add them up
        select(
            _cvsm.c.village_id,
            _cvsm.c.skill_id,
            _cvsm.c[f"reached_{suffix}"].label("reached"),
            _cvsm.c[f"completed_{suffix}"].label("completed"),
        )
        .where(_cvsm.c.month >= since)
        .subquery("vs")
    )
    last = _cvv.c[f"last_{suffix}"]
    volunteers = (
        select(_cvv.c.village_id, _cvv.c.volunteer_id, last.label("last"))
        .where(last >= sa.bindparam(_P_START, type_=sa.Date))
        .subquery("vv")
    )
    return Sources(households, skills, volunteers)


def _raw_sources(has_start: bool, approved_only: bool) -> Sources:
    """Per-village figures from the raw rows, each computed once (materialised CTEs)."""
    p1, p2, p3, p4 = (_place.alias() for _ in range(4))
    registered = (
        select(_hh.c.village_id.label("village_id"), func.count().label("registered"))
        .join(p1, p1.c.id == _hh.c.village_id)
        .where(_hh.c.deleted_at.is_(None), in_root(p1.c.path))
        .group_by(_hh.c.village_id)
        .cte("reg")
        .prefix_with("MATERIALIZED")
    )
    visits = (
        select(
            _visit.c.village_id.label("village_id"),
            func.count(_visit.c.household_id.distinct()).label("reached"),
            func.count().label("visits"),
            func.coalesce(func.sum(_visit.c.people_taught), 0).label("people"),
        )
        .join(p2, p2.c.id == _visit.c.village_id)
        .where(counted_visits(p2, has_start, approved_only))
        .group_by(_visit.c.village_id)
        .cte("vis")
        .prefix_with("MATERIALIZED")
    )
    every = _place.alias()
    households = (
        select(
            every.c.id.label("village_id"),
            func.coalesce(registered.c.registered, 0).label("registered"),
            func.coalesce(visits.c.reached, 0).label("reached"),
            func.coalesce(visits.c.visits, 0).label("visits"),
            func.coalesce(visits.c.people, 0).label("people"),
        )
        .select_from(every)
        .outerjoin(registered, registered.c.village_id == every.c.id)
        .outerjoin(visits, visits.c.village_id == every.c.id)
        .where(in_root(every.c.path))
        .cte("vf")
        .prefix_with("MATERIALIZED")
    )
    completed = _vs.c.completed == sa.true()
    skills = (
        select(
            _visit.c.village_id.label("village_id"),
            _vs.c.skill_id.label("skill_id"),
            func.count(_visit.c.household_id.distinct()).label("reached"),
            func.count(sa.case((completed, _visit.c.household_id), else_=None).distinct()).label(
                "completed"
            ),
        )
        .select_from(_visit.join(_vs, _vs.c.visit_id == _visit.c.id))
        .join(p3, p3.c.id == _visit.c.village_id)
        .where(counted_visits(p3, has_start, approved_only))
        .group_by(_visit.c.village_id, _vs.c.skill_id)
        .cte("vs")
        .prefix_with("MATERIALIZED")
    )
    volunteers = (
        select(
            _visit.c.village_id.label("village_id"),
            _visit.c.volunteer_id.label("volunteer_id"),
            func.max(_visit.c.visited_on).label("last"),
        )
        .join(p4, p4.c.id == _visit.c.village_id)
        .where(counted_visits(p4, has_start, approved_only))
        .group_by(_visit.c.village_id, _visit.c.volunteer_id)
        .cte("vv")
        .prefix_with("MATERIALIZED")
    )
    return Sources(households, skills, volunteers)


def _period_sources(has_start: bool, approved_only: bool) -> Sources:
    """Any period, from the per-visit rows (cdt_app.models.coverage_period): a household (per
    skill: a household and skill) is reached once, by its first counted visit of the period,
    the one whose previous counted visit is before the start. Counts of rows in a date range
    per village: no DISTINCT, no join of the visits with their skills."""
    start = sa.bindparam(_P_START, type_=sa.Date)

    def first(previous):
        if not has_start:
            return previous.is_(None)
        return sa.or_(previous.is_(None), previous < start)

    def once(condition):
        return func.coalesce(func.sum(sa.case((condition, 1), else_=0)), 0)

    def in_period(table, scope):
        conditions = [
            in_root(scope.c.path),
            table.c.visited_on <= sa.bindparam(_P_END, type_=sa.Date),
        ]
        if has_start:
            conditions.append(table.c.visited_on >= start)
        if approved_only:
            conditions.append(table.c.approved == sa.true())
        return sa.and_(*conditions)

    suffix = "approved_on" if approved_only else "on"
    s1, s2, s3 = (_place.alias() for _ in range(3))
    visits = (
        select(
            _cvis.c.village_id.label("village_id"),
            once(first(_cvis.c[f"previous_{suffix}"])).label("reached"),
            func.count().label("visits"),
            func.coalesce(func.sum(_cvis.c.people_taught), 0).label("people"),
        )
        .join(s1, s1.c.id == _cvis.c.village_id)
        .where(in_period(_cvis, s1))
        .group_by(_cvis.c.village_id)
        .cte("pvis")
        .prefix_with("MATERIALIZED")
    )
    households = (
        select(
            _cv.c.village_id,
            _cv.c.registered_households.label("registered"),
            func.coalesce(visits.c.reached, 0).label("reached"),
            func.coalesce(visits.c.visits, 0).label("visits"),
            func.coalesce(visits.c.people, 0).label("people"),
        )
        .select_from(_cv.outerjoin(visits, visits.c.village_id == _cv.c.village_id))
        .subquery("vf")
    )
    completed = _cvsk.c.completed == sa.true()
    skills = (
        select(
            _cvsk.c.village_id.label("village_id"),
            _cvsk.c.skill_id.label("skill_id"),
            once(first(_cvsk.c[f"previous_{suffix}"])).label("reached"),
            once(sa.and_(completed, first(_cvsk.c[f"previous_done_{suffix}"]))).label("completed"),
        )
        .join(s2, s2.c.id == _cvsk.c.village_id)
        # every skill, named: the rows are then read by (village, skill, date range)
        .where(in_period(_cvsk, s2), _cvsk.c.skill_id.in_(select(_skill.c.id)))
        .group_by(_cvsk.c.village_id, _cvsk.c.skill_id)
        .cte("pvs")
        .prefix_with("MATERIALIZED")
    )
    volunteers = (
        select(
            _cvis.c.village_id.label("village_id"),
            _cvis.c.volunteer_id.label("volunteer_id"),
            func.max(_cvis.c.visited_on).label("last"),
        )
        .join(s3, s3.c.id == _cvis.c.village_id)
        .where(in_period(_cvis, s3))
        .group_by(_cvis.c.village_id, _cvis.c.volunteer_id)
        .cte("pvv")
        .prefix_with("MATERIALIZED")
    )
    return Sources(households, skills, volunteers)


def village_sources(source: str, has_start: bool, approved_only: bool) -> Sources:
    """The per-village figures of ``source``: "aggregates", "months", "periods" or "raw"."""
    if source == "periods":
        return _period_sources(has_start, approved_only)
    if source == "raw":
        return _raw_sources(has_start, approved_only)
    if source == "months":
        return _month_sources(approved_only)
    return _aggregate_sources(approved_only)

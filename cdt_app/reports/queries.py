"""Coverage figures (DESIGN section 7) with SQL aggregates over villages, rolled up by path.

Places carry a materialised path, and visits carry their village, so the figures of any place
are a GROUP BY over the villages whose path lies under it. Each statement is the UNION ALL of
two branches: the place itself, and its children (or all its villages), each group joined to
the villages of its subtree by a path range.

Where the per-village figures come from (``source``):
* "aggregates": reports to date read the per-village aggregates kept by
  ``cdt_app.reports.aggregates``, a few thousand rows for a whole province;
* "months": reports from the first of a month up to today (the presets) read the month
  tables, which count households by the month of their latest visit;
* "raw": any other period reads the visits, limited to the place's villages and the period
  through the (village_id, visited_on) index.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy import func, select
from sqlmodel import Session

from ..i18n import sort_key as vi_sort_key
from ..i18n import today_local
from ..models import (
    PLACE_KINDS,
    CoverageVillage,
    CoverageVillageMonth,
    CoverageVillageSkill,
    CoverageVillageSkillMonth,
    CoverageVillageVolunteer,
    Household,
    Place,
    Skill,
    Visit,
    VisitSkill,
)
from ..scope import subtree_condition

STALL_DAYS = 30  #: a village with no visit in this many days (today included) is flagged
LEVELS = ("children", "villages")

_cv = CoverageVillage.__table__
_cvs = CoverageVillageSkill.__table__
_cvv = CoverageVillageVolunteer.__table__
_cvm = CoverageVillageMonth.__table__
_cvsm = CoverageVillageSkillMonth.__table__
_visit = Visit.__table__
_vs = VisitSkill.__table__
_hh = Household.__table__
_place = Place.__table__


@dataclass(frozen=True)
class Period:
    """Inclusive dates in Asia/Ho_Chi_Minh; ``start`` None means since the beginning."""

    start: date | None
    end: date
    approved_only: bool = False
    preset: str = "all"

    @property
    def to_date(self) -> bool:
        return self.start is None


@dataclass
class SkillFigures:
    reached: int = 0
    completed: int = 0


@dataclass
class Figures:
    target_households: int = 0
    registered_households: int = 0
    reached_households: int = 0
    visits: int = 0
    people_taught: int = 0
    active_volunteers: int = 0
    skills: dict[str, SkillFigures] = field(default_factory=dict)
    # for the page only
    villages: int = 0
    villages_without_target: int = 0
    stalled_villages: int = 0
    last_visit_on: date | None = None

    @property
    def coverage(self) -> float:
        """reached ÷ target, unrounded; 0 when the target is 0."""
        if not self.target_households:
            return 0.0
        return self.reached_households / self.target_households

    def skill_coverage(self, code: str) -> float:
        skill = self.skills.get(code)
        if skill is None or not self.target_households:
            return 0.0
        return skill.reached / self.target_households

    def as_api(self) -> dict[str, Any]:
        return {
            "target_households": self.target_households,
            "registered_households": self.registered_households,
            "reached_households": self.reached_households,
            "coverage": self.coverage,
            "visits": self.visits,
            "people_taught": self.people_taught,
            "active_volunteers": self.active_volunteers,
            "skills": {
                code: {"reached": s.reached, "completed": s.completed}
                for code, s in self.skills.items()
            },
        }


@dataclass
class PlaceRow:
    id: int
    code: str
    name: str
    kind: str
    level: str
    path: str
    sort_key: str
    active: bool
    target_set: bool  #: the place's own target is set (villages)
    figures: Figures = field(default_factory=Figures)

    @property
    def kind_label(self) -> str:
        return PLACE_KINDS.get(self.kind, ("", self.kind))[1]

    @property
    def is_village(self) -> bool:
        return self.level == "village"

    def as_api_place(self) -> dict[str, Any]:
        return {"id": self.id, "code": self.code, "name": self.name, "kind": self.kind}


@dataclass
class SkillInfo:
    id: int
    code: str
    name_vi: str
    name_en: str
    active: bool


@dataclass
class CoverageReport:
    place: PlaceRow  #: with the totals
    period: Period
    level: str
    rows: list[PlaceRow]
    skills: list[SkillInfo]
    source: str  #: "aggregates" or "raw"
    today: date

    @property
    def totals(self) -> Figures:
        return self.place.figures

    def as_api(self) -> dict[str, Any]:
        return {
            "place": self.place.as_api_place(),
            "period": {
                "from": self.period.start.isoformat() if self.period.start else None,
                "to": self.period.end.isoformat(),
                "approved_only": self.period.approved_only,
            },
            "totals": self.totals.as_api(),
            "children": [
                {"place": row.as_api_place(), **row.figures.as_api()} for row in self.rows
            ],
        }


# --- periods ---------------------------------------------------------------------------------

PRESETS = ("month", "quarter", "year", "all")


def preset_period(preset: str, today: date | None = None, approved_only: bool = False) -> Period:
    """This month, this quarter, this year (each up to today) or all time."""
    today = today or today_local()
    if preset == "month":
        start = today.replace(day=1)
    elif preset == "quarter":
        start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    elif preset == "year":
        start = date(today.year, 1, 1)
    else:
        preset, start = "all", None
    return Period(start=start, end=today, approved_only=approved_only, preset=preset)


# --- the report ------------------------------------------------------------------------------


def _upper_bound(path_column):
    """The first path after a subtree ("/1/12/" → "/1/120"), as SQL."""
    return func.substr(path_column, 1, func.length(path_column) - 1).concat("0")


def _in_group(vil, groups):
    """The places ``vil`` under each group place (itself included), by path range; a group of
    villages (leaves of the tree) is joined by id."""
    if groups.name == "g_villages":
        return vil.c.id == groups.c.gid
    return sa.and_(vil.c.path >= groups.c.gpath, vil.c.path < _upper_bound(groups.c.gpath))


# The statements are built once per shape (level, source, start or not, approved only) with bound
# parameters, and cached: building SQLAlchemy constructs costs more than running them here.
_P_PLACE = "place_id"
_P_ROOT, _P_ROOT_END = "root", "root_end"
_P_START, _P_END, _P_CUTOFF, _P_MONTH = "start", "end", "cutoff", "month"


def _in_root(path_column):
    """``path_column`` lies in the report place's subtree (bound parameters root, root_end)."""
    return sa.and_(
        path_column >= sa.bindparam(_P_ROOT, type_=sa.String),
        path_column < sa.bindparam(_P_ROOT_END, type_=sa.String),
    )


def _params(place: Place, period: Period, cutoff: date) -> dict[str, Any]:
    return {
        _P_PLACE: place.id,
        _P_ROOT: place.path,
        _P_ROOT_END: place.path[:-1] + "0",
        _P_START: period.start,
        _P_END: period.end,
        _P_CUTOFF: cutoff,
        _P_MONTH: period.start.strftime("%Y-%m") if period.start else None,
    }


def _groups(kind: str):
    """The places to report on: "own" (the place itself), "children" or "villages" (all the
    villages under it). Kept apart: a single group set with an OR misleads SQLite's planner."""
    place = _place.alias("gp")
    if kind == "own":
        condition = place.c.id == sa.bindparam(_P_PLACE, type_=sa.Integer)
    elif kind == "villages":
        condition = sa.and_(place.c.level == "village", _in_root(place.c.path))
    else:
        condition = place.c.parent_id == sa.bindparam(_P_PLACE, type_=sa.Integer)
    return (
        select(place.c.id.label("gid"), place.c.path.label("gpath"))
        .where(condition)
        .subquery(f"g_{kind}")
    )


@lru_cache(maxsize=8)
def _place_rows_statement(level: str):
    columns = (
        _place.c.id,
        _place.c.code,
        _place.c.name,
        _place.c.kind,
        _place.c.level,
        _place.c.path,
        _place.c.sort_key,
        _place.c.active,
        _place.c.target_households.is_not(None).label("target_set"),
    )
    parts = []
    for kind in ("own", level):
        groups = _groups(kind)
        parts.append(select(*columns).join(groups, groups.c.gid == _place.c.id))
    return sa.union_all(*parts)


def _counted_visits(scope, has_start: bool, approved_only: bool):
    """Conditions on ``visit`` for the visits that count, ``scope`` being the village alias."""
    home = _place.alias()  # its own alias: sharing ``scope`` would correlate the subquery
    deleted_households = (
        select(_hh.c.id)
        .join(home, home.c.id == _hh.c.village_id)
        .where(_hh.c.deleted_at.is_not(None), _in_root(home.c.path))
    )
    conditions = [
        _in_root(scope.c.path),
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
class _Sources:
    """Per-village figures: (village id column, value columns) of each family."""

    households: Any  #: village_id, registered, reached, visits, people
    skills: Any  #: village_id, skill_id, reached, completed
    volunteers: Any  #: village_id, volunteer_id (only the active ones)


def _aggregate_sources(approved_only: bool) -> _Sources:
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
        select(_cvv.c.village_id, _cvv.c.volunteer_id)
        .where(_cvv.c[f"visits_{suffix}"] > 0)
        .subquery("vv")
    )
    return _Sources(households, skills, volunteers)


def _month_sources(approved_only: bool) -> _Sources:
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
        .where(_cvm.c.month >= since, _in_root(scope.c.path))
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
    volunteers = (
        select(_cvv.c.village_id, _cvv.c.volunteer_id)
        .where(_cvv.c[f"last_{suffix}"] >= sa.bindparam(_P_START, type_=sa.Date))
        .subquery("vv")
    )
    return _Sources(households, skills, volunteers)


def _raw_sources(has_start: bool, approved_only: bool) -> _Sources:
    """Per-village figures from the raw rows, each computed once (materialised CTEs)."""
    p1, p2, p3, p4 = (_place.alias() for _ in range(4))
    registered = (
        select(_hh.c.village_id.label("village_id"), func.count().label("registered"))
        .join(p1, p1.c.id == _hh.c.village_id)
        .where(_hh.c.deleted_at.is_(None), _in_root(p1.c.path))
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
        .where(_counted_visits(p2, has_start, approved_only))
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
        .where(_in_root(every.c.path))
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
        .where(_counted_visits(p3, has_start, approved_only))
        .group_by(_visit.c.village_id, _vs.c.skill_id)
        .cte("vs")
        .prefix_with("MATERIALIZED")
    )
    volunteers = (
        select(
            _visit.c.village_id.label("village_id"),
            _visit.c.volunteer_id.label("volunteer_id"),
        )
        .join(p4, p4.c.id == _visit.c.village_id)
        .where(_counted_visits(p4, has_start, approved_only))
        .distinct()
        .cte("vv")
        .prefix_with("MATERIALIZED")
    )
    return _Sources(households, skills, volunteers)


def _figures_branch(groups, sources: _Sources):
    vil = _place.alias("vil")
    vf = sources.households
    is_village = vil.c.level == "village"
    registered_col = func.coalesce(vf.c.registered, 0)
    target_col = sa.case(
        (
            sa.and_(is_village, vil.c.target_households.is_not(None)),
            vil.c.target_households,
        ),
        else_=registered_col,
    )
    stalled = sa.and_(
        is_village,
        vil.c.active == sa.true(),
        sa.or_(
            _cv.c.last_visit_on.is_(None),
            _cv.c.last_visit_on < sa.bindparam(_P_CUTOFF, type_=sa.Date),
        ),
    )
    return (
        select(
            groups.c.gid,
            func.coalesce(func.sum(target_col), 0).label("target_households"),
            func.coalesce(func.sum(registered_col), 0).label("registered_households"),
            func.coalesce(func.sum(vf.c.reached), 0).label("reached_households"),
            func.coalesce(func.sum(vf.c.visits), 0).label("visits"),
            func.coalesce(func.sum(vf.c.people), 0).label("people_taught"),
            func.coalesce(func.sum(sa.case((is_village, 1), else_=0)), 0).label("villages"),
            func.coalesce(
                func.sum(
                    sa.case(
                        (sa.and_(is_village, vil.c.target_households.is_(None)), 1),
                        else_=0,
                    )
                ),
                0,
            ).label("villages_without_target"),
            func.coalesce(func.sum(sa.case((stalled, 1), else_=0)), 0).label("stalled_villages"),
            func.max(_cv.c.last_visit_on).label("last_visit_on"),
        )
        .select_from(groups)
        .join(vil, _in_group(vil, groups))
        .outerjoin(_cv, _cv.c.village_id == vil.c.id)
        .outerjoin(vf, vf.c.village_id == vil.c.id)
        .group_by(groups.c.gid)
    )


def _skills_branch(groups, sources: _Sources):
    vil = _place.alias("vil")
    skills = sources.skills
    return (
        select(
            groups.c.gid,
            skills.c.skill_id,
            func.sum(skills.c.reached).label("reached"),
            func.sum(skills.c.completed).label("completed"),
        )
        .select_from(groups)
        .join(vil, _in_group(vil, groups))
        .join(skills, skills.c.village_id == vil.c.id)
        .group_by(groups.c.gid, skills.c.skill_id)
    )


def _volunteers_branch(groups, sources: _Sources):
    vil = _place.alias("vil")
    volunteers = sources.volunteers
    return (
        select(groups.c.gid, func.count(volunteers.c.volunteer_id.distinct()).label("volunteers"))
        .select_from(groups)
        .join(vil, _in_group(vil, groups))
        .join(volunteers, volunteers.c.village_id == vil.c.id)
        .group_by(groups.c.gid)
    )


@lru_cache(maxsize=64)
def _statements(level: str, source: str, has_start: bool, approved_only: bool):
    """(figures, skills, volunteers) statements of one report shape: each the UNION ALL of the
    place's own line and its children's (or villages') lines."""
    if source == "raw":
        sources = _raw_sources(has_start, approved_only)
    elif source == "months":
        sources = _month_sources(approved_only)
    else:
        sources = _aggregate_sources(approved_only)
    statements = []
    for branch in (_figures_branch, _skills_branch, _volunteers_branch):
        statements.append(
            sa.union_all(*(branch(_groups(kind), sources) for kind in ("own", level)))
        )
    return tuple(statements)


def list_skills(session: Session) -> list[SkillInfo]:
    """The whole catalogue, retired skills included (they stay in history)."""
    return [
        SkillInfo(**row._asdict())
        for row in session.execute(
            select(Skill.id, Skill.code, Skill.name_vi, Skill.name_en, Skill.active).order_by(
                Skill.sort_order, Skill.id
            )
        )
    ]


def _fill(
    session: Session,
    place: Place,
    period: Period,
    level: str,
    source: str,
    skills: list[SkillInfo],
    cutoff: date,
) -> tuple[PlaceRow, list[PlaceRow]]:
    params = _params(place, period, cutoff)
    rows = [
        PlaceRow(**row._asdict()) for row in session.execute(_place_rows_statement(level), params)
    ]
    own = next(row for row in rows if row.id == place.id)
    rows = sorted((row for row in rows if row.id != place.id), key=lambda r: (r.sort_key, r.id))
    by_id = {row.id: row for row in (own, *rows)}
    for row in by_id.values():
        row.figures.skills = {s.code: SkillFigures() for s in skills}
    figures_sql, skills_sql, volunteers_sql = _statements(
        level, source, period.start is not None, period.approved_only
    )
    for result in session.execute(figures_sql, params):
        values = result._asdict()
        figures = by_id[values.pop("gid")].figures
        for key, value in values.items():
            setattr(figures, key, int(value) if key != "last_visit_on" else value)
    code_of = {s.id: s.code for s in skills}
    for gid, skill_id, reached, completed in session.execute(skills_sql, params):
        if skill_id in code_of:
            by_id[gid].figures.skills[code_of[skill_id]] = SkillFigures(
                int(reached or 0), int(completed or 0)
            )
    for gid, volunteers in session.execute(volunteers_sql, params):
        by_id[gid].figures.active_volunteers = int(volunteers)
    return own, rows


def coverage_report(
    session: Session,
    place: Place,
    period: Period,
    level: str = "children",
    source: str = "auto",
    today: date | None = None,
) -> CoverageReport:
    """The figures of ``place`` and of its children (or of all its villages).

    ``source``: "aggregates" (to date), "months" (from the first of a month), "raw", or "auto":
    the per-village aggregates when the period starts at the beginning or on the first of a
    month and no visit in the place is dated after its end; the raw rows otherwise. The
    caller checks scope.
    """
    today = today or today_local()
    cutoff = today - timedelta(days=STALL_DAYS - 1)
    level = level if level in LEVELS else "children"
    skills = list_skills(session)
    chosen = source
    if source == "auto":
        if period.start is None:
            chosen = "aggregates"
        elif period.start.day == 1:
            chosen = "months"
        else:
            chosen = "raw"
    own, rows = _fill(session, place, period, level, chosen, skills, cutoff)
    if (
        source == "auto"
        and chosen != "raw"
        and own.figures.last_visit_on is not None
        and own.figures.last_visit_on > period.end
    ):
        chosen = "raw"  # visits dated after the end of the period: only the raw rows can tell
        own, rows = _fill(session, place, period, level, chosen, skills, cutoff)
    return CoverageReport(
        place=own,
        period=period,
        level=level,
        rows=rows,
        skills=skills,
        source=chosen,
        today=today,
    )


# --- sorting ---------------------------------------------------------------------------------

SORT_COLUMNS = (
    "name",
    "target_households",
    "registered_households",
    "reached_households",
    "coverage",
    "visits",
    "people_taught",
    "active_volunteers",
    "last_visit_on",
)
SKILL_SORT_PARTS = ("reached", "completed", "coverage")


def sort_value(row: PlaceRow, column: str):
    """The key of ``row`` for ``column`` (names in Vietnamese order, by the stored sort key)."""
    figures = row.figures
    if column.startswith("skill:"):
        _prefix, code, part = (column.split(":") + ["", ""])[:3]
        if part == "coverage":
            return figures.skill_coverage(code)
        skill = figures.skills.get(code)
        return getattr(skill, part, 0) if skill else 0
    if column == "coverage":
        return figures.coverage
    if column == "last_visit_on":
        return figures.last_visit_on or date.min
    if column in SORT_COLUMNS and column != "name":
        return getattr(figures, column)
    return row.sort_key or vi_sort_key(row.name)


def valid_sort(column: str, skills: list[SkillInfo]) -> bool:
    if column in SORT_COLUMNS:
        return True
    parts = column.split(":")
    return (
        len(parts) == 3
        and parts[0] == "skill"
        and parts[1] in {s.code for s in skills}
        and parts[2] in SKILL_SORT_PARTS
    )


def sort_rows(rows: list[PlaceRow], column: str, descending: bool) -> list[PlaceRow]:
    """Rows sorted by ``column``; ties in Vietnamese name order."""
    by_name = sorted(rows, key=lambda row: (row.sort_key, row.id))
    if column == "name":
        return list(reversed(by_name)) if descending else by_name
    return sorted(by_name, key=lambda row: sort_value(row, column), reverse=descending)


# --- hierarchy (exports) ---------------------------------------------------------------------


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


# --- raw visits (export) -----------------------------------------------------------------------


def raw_visits_query(place: Place, period: Period):
    """One row per counted visit and skill under ``place``, in village and date order.

    Returns (statement, parameters). Ids and dates come back as text (no per-row conversion:
    the export streams millions of rows); names are looked up from ``export_lookups``.
    """
    statement = _raw_visits_statement(period.start is not None, period.approved_only)
    return statement, _params(place, period, period.end)


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
        .where(_counted_visits(vil, has_start, approved_only))
        .order_by(_visit.c.village_id, _visit.c.visited_on, _visit.c.id, _vs.c.skill_id)
    )


def export_lookups(session: Session, place: Place) -> dict[str, dict]:
    """Names for the raw export: villages (with their commune), skills and volunteers."""
    from ..models import User

    names = place_names(session, place)
    villages = {}
    for pid, name, code, path in session.execute(
        select(Place.id, Place.name, Place.code, Place.path).where(
            subtree_condition(Place.path, place.path), Place.level == "village"
        )
    ):
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
    return {"villages": villages, "skills": skills, "users": users}


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


def home_coverage(session: Session, user) -> dict[str, Any]:
    """{"coverage": totals to date of the user's place} for the staff and admin home pages."""
    from ..scope import user_place

    place = user_place(session, user)
    if place is None:
        return {}
    report = coverage_report(session, place, preset_period("all"), "children")
    return {"coverage": report.totals}

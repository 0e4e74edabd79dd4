"""Coverage figures (DESIGN section 7) with SQL aggregates over villages, rolled up by path.

Places carry a materialised path, and visits carry their village, so the figures of any place
are a GROUP BY over the villages whose path lies under it. Each statement is the UNION ALL of
two branches: the place itself, and its children (or all its villages), each group joined to
the villages of its subtree by a path range. The per-village figures come from one of three
sources (``cdt_app.reports.sources``): the aggregates to date, the month tables, or the visits.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy import func, select
from sqlmodel import Session

from ..i18n import today_local
from ..models import CoverageVillage, Place, Skill, User
from ..scope import user_place
from .periods import Period, preset_period
from .rows import CoverageReport, PlaceRow, SkillFigures, SkillInfo
from .sources import P_CUTOFF, P_PLACE, Sources, in_root, statement_params, village_sources

STALL_DAYS = 30  #: a village with no visit in this many days (today included) is flagged
#: the rows of a report: the places directly under its place, or all the villages under it
REPORT_LEVELS = ("children", "villages")

_cv = CoverageVillage.__table__
_place = Place.__table__


def _upper_bound(path_column):
    """The first path after a subtree ("/1/12/" → "/1/120"), as SQL."""
    return func.substr(path_column, 1, func.length(path_column) - 1).concat("0")


def _in_group(vil, groups):
    """The places ``vil`` under each group place (itself included), by path range; a group of
    villages (leaves of the tree) is joined by id."""
    if groups.name == "g_villages":
        return vil.c.id == groups.c.gid
    return sa.and_(vil.c.path >= groups.c.gpath, vil.c.path < _upper_bound(groups.c.gpath))


def _groups(kind: str):
    """The places to report on: "own" (the place itself), "children" or "villages" (all the
    villages under it). Kept apart: a single group set with an OR misleads SQLite's planner."""
    place = _place.alias("gp")
    if kind == "own":
        condition = place.c.id == sa.bindparam(P_PLACE, type_=sa.Integer)
    elif kind == "villages":
        condition = sa.and_(place.c.level == "village", in_root(place.c.path))
    else:
        condition = place.c.parent_id == sa.bindparam(P_PLACE, type_=sa.Integer)
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


def _figures_branch(groups, sources: Sources):
    vil = _place.alias("vil")
    vf = sources.households
    is_village = vil.c.level == "village"
    registered_col = func.coalesce(vf.c.registered, 0)
    has_target = sa.and_(is_village, vil.c.target_households.is_not(None))
    target_col = sa.case((has_target, vil.c.target_households), else_=registered_col)
    stalled = sa.and_(
        is_village,
        vil.c.active == sa.true(),
        sa.or_(
            _cv.c.last_visit_on.is_(None),
            _cv.c.last_visit_on < sa.bindparam(P_CUTOFF, type_=sa.Date),
        ),
    )
    return (
        select(
            groups.c.gid,
            func.coalesce(func.sum(target_col), 0).label("target_households"),
            func.coalesce(
                func.sum(sa.case((has_target, vil.c.target_households), else_=0)), 0
            ).label("official_target_households"),
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
            # the newest visit of any date and status picks the source (see coverage_report)
            func.max(_cv.c.last_visit_on).label("newest_visit_on"),
        )
        .select_from(groups)
        .join(vil, _in_group(vil, groups))
        .outerjoin(_cv, _cv.c.village_id == vil.c.id)
        .outerjoin(vf, vf.c.village_id == vil.c.id)
        .group_by(groups.c.gid)
    )


def _skills_branch(groups, sources: Sources):
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


def _volunteers_branch(groups, sources: Sources):
    vil = _place.alias("vil")
    volunteers = sources.volunteers
    return (
        select(
            groups.c.gid,
            func.count(volunteers.c.volunteer_id.distinct()).label("volunteers"),
            func.max(volunteers.c.last).label("last_visit_on"),
        )
        .select_from(groups)
        .join(vil, _in_group(vil, groups))
        .join(volunteers, volunteers.c.village_id == vil.c.id)
        .group_by(groups.c.gid)
    )


@lru_cache(maxsize=64)
def _statements(level: str, source: str, has_start: bool, approved_only: bool):
    """(figures, skills, volunteers) statements of one report shape: each the UNION ALL of the
    place's own line and its children's (or villages') lines."""
    sources = village_sources(source, has_start, approved_only)
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
    params = statement_params(place, period, cutoff)
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
            setattr(figures, key, value if key == "newest_visit_on" else int(value))
    code_of = {s.id: s.code for s in skills}
    for gid, skill_id, reached, completed in session.execute(skills_sql, params):
        if skill_id in code_of:
            by_id[gid].figures.skills[code_of[skill_id]] = SkillFigures(
                int(reached or 0), int(completed or 0)
            )
    for gid, volunteers, last_visit_on in session.execute(volunteers_sql, params):
        by_id[gid].figures.active_volunteers = int(volunteers)
        by_id[gid].figures.last_visit_on = last_visit_on
    return own, rows


def _newest_visit_on(session: Session, place: Place, period: Period, cutoff: date) -> date:
    """The newest visit (any status, not deleted) in the villages under ``place``, from the
    per-village aggregates; a date before any visit when there is none."""
    vil = _place.alias("vil")
    newest = session.scalar(
        select(func.max(_cv.c.last_visit_on))
        .join(vil, vil.c.id == _cv.c.village_id)
        .where(in_root(vil.c.path)),
        statement_params(place, period, cutoff),
    )
    return newest or date.min


def coverage_report(
    session: Session,
    place: Place,
    period: Period,
    level: str = "children",
    source: str = "auto",
    today: date | None = None,
) -> CoverageReport:
    """The figures of ``place`` and of its children (or of all its villages).

    ``source``: "aggregates" (to date), "months" (from the first of a month), "periods" (any
    period, from the per-visit rows), "raw" (the visits themselves: the reference), or "auto":
    the per-village aggregates when the period starts at the beginning or on the first of a
    month and no visit in the place is dated after its end; the per-visit rows otherwise. The
    caller checks scope.
    """
    today = today or today_local()
    cutoff = today - timedelta(days=STALL_DAYS - 1)
    level = level if level in REPORT_LEVELS else "children"
    skills = list_skills(session)
    chosen = source
    if source == "auto":
        if period.start is None:
            chosen = "aggregates"
        elif period.start.day == 1:
            chosen = "months"
        else:
            chosen = "periods"
        if chosen != "periods" and _newest_visit_on(session, place, period, cutoff) > period.end:
            chosen = "periods"  # visits dated after the end of the period: the per-visit rows
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


def home_coverage(session: Session, user: User) -> dict[str, Any]:
    """{"coverage": totals to date of the user's place} for the staff and admin home pages."""
    place = user_place(session, user)
    if place is None:
        return {}
    report = coverage_report(session, place, preset_period("all"), "children")
    return {"coverage": report.totals}

"""Coverage for every kind of period (DESIGN section 9): the table of issue 16.

Used by bench/coverage.py (measure → ``measure_periods``; --migrate → ``migrate``). For each
kind of period, the report of the province with its communes through the query function
(median of --repeat, at least 5), the source it read, and the same figures from hand-written
SQL over the raw visits, run once (the bare computation: DISTINCT counts over visit ⋈
visit_skill); the app's figures are checked equal to the bare ones. Then the worst kinds at
the commune level and for all the villages of the province (level=villages, as exports do).
"""

from __future__ import annotations

import statistics
import time
from datetime import date, timedelta

PERIOD_KINDS = (
    "to date",
    "whole current year",
    "last 45 days",
    "last full month",
    "third quarter",
    "any from/to",
    "any from/to, approved only",
)


def periods(today: date) -> dict:
    from cdt_app.reports.periods import Period, preset_period

    first = today.replace(day=1)
    last_month_end = first - timedelta(days=1)
    q3_year = today.year if today >= date(today.year, 10, 1) else today.year - 1
    return {
        "to date": preset_period("all", today),
        "whole current year": preset_period("year", today),
        "last 45 days": Period(today - timedelta(days=44), today, preset="custom"),
        "last full month": Period(last_month_end.replace(day=1), last_month_end, preset="custom"),
        "third quarter": Period(date(q3_year, 7, 1), date(q3_year, 9, 30), preset="custom"),
        "any from/to": Period(date(2026, 2, 17), date(2026, 6, 9), preset="custom"),
        "any from/to, approved only": Period(
            date(2026, 2, 17), date(2026, 6, 9), approved_only=True, preset="custom"
        ),
    }


_COUNTED = """
    v.deleted_at IS NULL AND v.visited_on BETWEEN :start AND :end {approved}
    AND v.household_id NOT IN (SELECT id FROM household WHERE deleted_at IS NOT NULL)
"""
BARE = {
    "registered": """
        SELECT c.id, count(*) FROM household h JOIN place vil ON vil.id = h.village_id
        JOIN place c ON c.id = vil.parent_id
        WHERE c.parent_id = :province AND h.deleted_at IS NULL GROUP BY c.id""",
    "visits": """
        SELECT c.id, count(DISTINCT v.household_id), count(*), sum(v.people_taught),
               count(DISTINCT v.volunteer_id)
        FROM visit v JOIN place vil ON vil.id = v.village_id JOIN place c ON c.id = vil.parent_id
        WHERE c.parent_id = :province AND {counted} GROUP BY c.id""",
    "skills": """
        SELECT c.id, s.skill_id, count(DISTINCT v.household_id),
               count(DISTINCT CASE WHEN s.completed THEN v.household_id END)
        FROM visit v JOIN visit_skill s ON s.visit_id = v.id
        JOIN place vil ON vil.id = v.village_id JOIN place c ON c.id = vil.parent_id
        WHERE c.parent_id = :province AND {counted} GROUP BY c.id, s.skill_id""",
    "volunteers": """
        SELECT count(DISTINCT v.volunteer_id) FROM visit v
        JOIN place vil ON vil.id = v.village_id JOIN place c ON c.id = vil.parent_id
        WHERE c.parent_id = :province AND {counted}""",
}


def bare_figures(connection, province_id: int, period) -> dict:
    """Per commune: (reached, visits, people, volunteers) and {skill: (reached, completed)},
    and the province's active volunteers, from the raw rows."""
    from sqlalchemy import text

    start = period.start or date(1900, 1, 1)
    counted = _COUNTED.format(approved="AND v.status = 'approved'" if period.approved_only else "")
    params = {"province": province_id, "start": start, "end": period.end}
    result: dict = {"communes": {}, "skills": {}}
    connection.execute(text(BARE["registered"]), params).all()
    for cid, reached, visits, people, volunteers in connection.execute(
        text(BARE["visits"].format(counted=counted)), params
    ):
        result["communes"][cid] = (reached, visits, int(people or 0), volunteers)
    for cid, skill_id, reached, completed in connection.execute(
        text(BARE["skills"].format(counted=counted)), params
    ):
        result["skills"][(cid, skill_id)] = (reached, completed)
    result["volunteers"] = connection.execute(
        text(BARE["volunteers"].format(counted=counted)), params
    ).scalar()
    return result


def app_figures(report, skill_ids: dict) -> dict:
    result: dict = {"communes": {}, "skills": {}}
    for row in report.rows:
        f = row.figures
        if f.visits:
            result["communes"][row.id] = (
                f.reached_households,
                f.visits,
                f.people_taught,
                f.active_volunteers,
            )
        for code, figures in f.skills.items():
            if figures.reached:
                result["skills"][(row.id, skill_ids[code])] = (figures.reached, figures.completed)
    result["volunteers"] = report.totals.active_volunteers
    return result


def _median_ms(fn, repeat: int) -> tuple[float, object]:
    values, value = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        value = fn()
        values.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(values), 1), value


def measure_periods(session, province, repeat: int) -> dict:
    from sqlalchemy import select

    from cdt_app.i18n import today_local
    from cdt_app.models import Place, Skill
    from cdt_app.reports.queries import coverage_report

    repeat = max(5, repeat)
    skill_ids = dict(session.execute(select(Skill.code, Skill.id)).all())
    connection = session.connection()
    kinds = periods(today_local())
    rows = {}
    for kind, period in kinds.items():
        started = time.process_time()
        app_ms, report = _median_ms(lambda p=period: coverage_report(session, province, p), repeat)
        cpu_ms = (time.process_time() - started) * 1000 / repeat
        bare_ms, bare = _median_ms(lambda p=period: bare_figures(connection, province.id, p), 1)
        rows[kind] = {
            "source": report.source,
            "app_ms": app_ms,
            "app_process_cpu_ms": round(cpu_ms, 1),  # SQLite: the query's CPU, whatever the load
            "bare_sql_ms": bare_ms,
            "equal_to_bare_sql": app_figures(report, skill_ids) == bare,
        }
    base = rows["to date"]["app_ms"]
    for row in rows.values():
        row["ratio_to_to_date"] = round(row["app_ms"] / max(base, 0.01), 2)
        row["ratio_to_bare_sql"] = round(row["app_ms"] / max(row["bare_sql_ms"], 0.01), 3)
    commune = session.scalar(
        select(Place).where(Place.parent_id == province.id).order_by(Place.id).limit(1)
    )
    levels = {}
    for kind in ("to date", "third quarter", "any from/to", "last 45 days"):
        period = kinds[kind]
        levels[f"commune with its villages, {kind}"] = _median_ms(
            lambda p=period: coverage_report(session, commune, p), repeat
        )[0]
        levels[f"province, level=villages, {kind}"] = _median_ms(
            lambda p=period: coverage_report(session, province, p, "villages"), repeat
        )[0]
    return {"periods": rows, "levels": levels}


def periods_only(url: str, repeat: int, make_app) -> dict:
    """Only the table of periods (bench/coverage.py --periods-only)."""
    from sqlalchemy import func, select

    from cdt_app.models import Place, Visit

    app = make_app(url)
    with app.app_context():
        from cdt_app.db import get_session

        session = get_session()
        province = session.scalar(select(Place).where(Place.level == "province"))
        data = {
            "villages": session.scalar(
                select(func.count()).select_from(Place).where(Place.level == "village")
            ),
            "visits": session.scalar(select(func.count()).select_from(Visit)),
        }
        return {"data": data, **measure_periods(session, province, repeat)}


def table(results_by_engine: dict) -> str:
    """The issue's table, one column per engine, with the ratios."""
    engines = list(results_by_engine)
    head = "| province with its communes | " + " | ".join(engines) + " | target |"
    lines = [head, "|---" * (len(engines) + 2) + "|"]
    for kind in PERIOD_KINDS:
        cells = []
        for engine in engines:
            row = results_by_engine[engine]["periods"].get(kind)
            if row is None:
                cells.append("–")
                continue
            ok = "" if row["equal_to_bare_sql"] else " ≠ bare SQL!"
            cells.append(
                f"{row['app_ms']:,.0f} ms ({row['source']}; ×{row['ratio_to_to_date']} to date; "
                f"bare SQL {row['bare_sql_ms']:,.0f} ms, ×{row['ratio_to_bare_sql']}){ok}"
            )
        lines.append(f"| {kind} | " + " | ".join(cells) + " | ≤ 300 ms, ≤ 3× to date |")
    level_names = list(next(iter(results_by_engine.values()))["levels"])
    for name in level_names:
        cells = [f"{results_by_engine[e]['levels'][name]:,.0f} ms" for e in engines]
        lines.append(f"| {name} | " + " | ".join(cells) + " | ≤ 300 ms |")
    return "\n".join(lines)


def migrate(url: str, make_app) -> dict:
    """Upgrade a bench database to the newest schema (``flask cdt migrate``), the backfill of
    new revisions included. A data set built by create_all has no alembic_version: it is
    stamped with the revision its tables match first."""
    from alembic import command
    from sqlalchemy import inspect

    from cdt_app.cli import alembic_config

    app = make_app(url)
    engine = app.extensions["cdt_engine"]
    with app.app_context():
        config = alembic_config()
        tables = set(inspect(engine).get_table_names())
        if "alembic_version" not in tables:
            stamp = "0005" if "coverage_visit" in tables else "0001"
            command.stamp(config, stamp)
            print(f"  stamped {stamp} (built by create_all)", flush=True)
        started = time.perf_counter()
        command.upgrade(config, "head")
        seconds = time.perf_counter() - started
    if engine.dialect.name == "postgresql":
        from sqlalchemy import text

        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE coverage_visit"))
            conn.execute(text("VACUUM ANALYZE coverage_visit_skill"))
    print(f"  migrated to head in {seconds:.0f} s", flush=True)
    return {"migrate_seconds": round(seconds, 1)}

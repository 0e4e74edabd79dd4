"""Coverage at province scale (DESIGN section 9), on SQLite and on PostgreSQL.

    .venv/bin/python bench/coverage.py --engine sqlite            # builds bench/out/*.sqlite3 once
    .venv/bin/python bench/coverage.py --engine postgresql        # builds database cdt_bench once
    .venv/bin/python bench/coverage.py --engine both --factor 0.1 # 10 % of the sizes, quick

Sizes: ~3,000 villages, ~1,000,000 households, ~3,000,000 visits, ~15,000 volunteers, times
--factor (or CDT_SCALE_* variables, see cdt_app/demo/scale.py). The data set is built once
per engine and size (--rebuild to start again) with `load_province_scale`, the loader behind
`flask --app wsgi cdt demo --scale province`.

Measured, for the province with its communes, to date, all figures of DESIGN section 7:
  * cold: the first report in a fresh process (new engine, empty caches of this process);
  * warm: median and worst of --repeat reports, through the query function and through
    `GET /api/v1/coverage` (the server time of a request, JSON included);
  * bare SQL: the same figures from hand-written SQL, over the per-village aggregates the app
    reads (ratio app ÷ bare SQL) and over the raw visits (the plain GROUP BY the aggregates
    replace);
  * a period report (this year: raw rows), for information;
  * the XLSX export of all villages, and the raw visits CSV export: rows per second and the
    peak growth of the process's resident memory while it streams.
  * every kind of period, with ratios to date and to bare SQL (bench/coverage_periods.py);
    --periods-only measures just that table, --migrate upgrades the schema first.
Results go to bench/out/coverage-<engine>-<size>.json; the table of periods is printed last.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from coverage_periods import measure_periods, migrate, periods_only, table  # noqa: E402

PG_BASE = os.environ.get("CDT_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")
TARGET_MS = 300


def size_tag(factor: float) -> str:
    return "province" if factor == 1 else f"f{factor:g}".replace(".", "_")


def database_url(engine: str, factor: float) -> str:
    tag = size_tag(factor)
    if engine == "sqlite":
        return f"sqlite:///{OUT / f'coverage-{tag}.sqlite3'}"
    name = "cdt_bench" if tag == "province" else f"cdt_bench_{tag}"
    return f"{PG_BASE}/{name}"


def make_app(url: str):
    from cdt_app import create_app

    return create_app(
        {
            "SECRET_KEY": "bench",
            "CDT_ENV": "development",
            "CDT_DATABASE_URL": url,
            "CDT_DEMO": True,
            "RATELIMIT_ENABLED": False,
            "CDT_ADMIN_TOTP_REQUIRED": False,
            "WTF_CSRF_ENABLED": False,
        }
    )


# --- building the data set --------------------------------------------------------------------


def ensure_database(url: str, rebuild: bool) -> None:
    from sqlalchemy import create_engine, text

    if url.startswith("sqlite"):
        path = Path(url.split("///", 1)[1])
        if rebuild:
            for suffix in ("", "-wal", "-shm"):
                Path(str(path) + suffix).unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        return
    base, _, name = url.rpartition("/")
    admin = create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if rebuild:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        exists = conn.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
        ).scalar()
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def build(url: str, factor: float, rebuild: bool) -> dict:
    from sqlalchemy import func, select
    from sqlmodel import SQLModel

    import cdt_app.models  # noqa: F401
    from cdt_app.demo import ScaleSizes, load_province_scale
    from cdt_app.models import Household

    ensure_database(url, rebuild)
    app = make_app(url)
    engine = app.extensions["cdt_engine"]
    from sqlalchemy import inspect

    if "household" not in inspect(engine).get_table_names():  # existing ones: --migrate
        SQLModel.metadata.create_all(engine)
    with app.app_context():
        from cdt_app.db import new_session

        with new_session(write=False) as session:
            households = session.scalar(select(func.count()).select_from(Household))
        if households:
            print(f"  data set already there ({households} households)")
            return {"built": False}
        env = dict(os.environ)
        if factor != 1:
            env["CDT_SCALE_FACTOR"] = str(factor)
        sizes = ScaleSizes.from_environment(env)
        started = time.perf_counter()
        summary = load_province_scale(sizes, echo=lambda line: print("  " + line, flush=True))
        print("  " + summary.replace("\n", "\n  "))
        return {"built": True, "build_seconds": round(time.perf_counter() - started, 1)}


def rebuild_aggregates(url: str) -> dict:
    """Drop the coverage aggregate tables, create them again and fill them from the raw rows
    (after a change of their layout); the time it takes is reported."""
    from sqlmodel import SQLModel

    import cdt_app.models  # noqa: F401
    from cdt_app.demo.bulk import analyze
    from cdt_app.reports.aggregates import rebuild_all

    app = make_app(url)
    engine = app.extensions["cdt_engine"]
    tables = [t for t in SQLModel.metadata.sorted_tables if t.name.startswith("coverage_")]
    SQLModel.metadata.drop_all(engine, tables=tables)
    SQLModel.metadata.create_all(engine, tables=tables)
    with app.app_context():
        from cdt_app.db import new_session

        started = time.perf_counter()
        with new_session() as session:
            villages = rebuild_all(session)
            session.commit()
            seconds = time.perf_counter() - started
            analyze(session)
    print(f"  aggregates of {villages} villages rebuilt in {seconds:.0f} s", flush=True)
    return {"rebuild_aggregates_seconds": round(seconds, 1)}


# --- bare SQL ---------------------------------------------------------------------------------

# The province's communes are its children and the villages are theirs: the bare queries use
# that shape directly (the app handles any depth through the paths).
BARE_AGGREGATES = [
    """
    SELECT c.id, sum(CASE WHEN v.target_households IS NOT NULL THEN v.target_households
                          ELSE coalesce(a.registered_households, 0) END),
           sum(coalesce(a.registered_households, 0)), sum(coalesce(a.reached_all, 0)),
           sum(coalesce(a.visits_all, 0)), sum(coalesce(a.people_all, 0))
    FROM place c JOIN place v ON v.parent_id = c.id
    LEFT JOIN coverage_village a ON a.village_id = v.id
    WHERE c.parent_id = :province GROUP BY c.id
    """,
    """
    SELECT c.id, s.skill_id, sum(s.reached_all), sum(s.completed_all)
    FROM place c JOIN place v ON v.parent_id = c.id
    JOIN coverage_village_skill s ON s.village_id = v.id
    WHERE c.parent_id = :province GROUP BY c.id, s.skill_id
    """,
    """
    SELECT c.id, count(DISTINCT w.volunteer_id)
    FROM place c JOIN place v ON v.parent_id = c.id
    JOIN coverage_village_volunteer w ON w.village_id = v.id
    WHERE c.parent_id = :province AND w.visits_all > 0 GROUP BY c.id
    """,
    """
    SELECT count(DISTINCT w.volunteer_id)
    FROM place c JOIN place v ON v.parent_id = c.id
    JOIN coverage_village_volunteer w ON w.village_id = v.id
    WHERE c.parent_id = :province AND w.visits_all > 0
    """,
]
_COUNTED = """
    v.deleted_at IS NULL AND v.visited_on <= :today
    AND v.household_id NOT IN (SELECT id FROM household WHERE deleted_at IS NOT NULL)
"""
BARE_RAW = [
    """
    SELECT c.id, count(*) FROM household h JOIN place vil ON vil.id = h.village_id
    JOIN place c ON c.id = vil.parent_id
    WHERE c.parent_id = :province AND h.deleted_at IS NULL GROUP BY c.id
    """,
    f"""
    SELECT c.id, count(DISTINCT v.household_id), count(*), sum(v.people_taught),
           count(DISTINCT v.volunteer_id)
    FROM visit v JOIN place vil ON vil.id = v.village_id JOIN place c ON c.id = vil.parent_id
    WHERE c.parent_id = :province AND {_COUNTED} GROUP BY c.id
    """,
    f"""
    SELECT c.id, s.skill_id, count(DISTINCT v.household_id),
           count(DISTINCT CASE WHEN s.completed THEN v.household_id END)
    FROM visit v JOIN visit_skill s ON s.visit_id = v.id
    JOIN place vil ON vil.id = v.village_id JOIN place c ON c.id = vil.parent_id
    WHERE c.parent_id = :province AND {_COUNTED} GROUP BY c.id, s.skill_id
    """,
    f"""
    SELECT count(DISTINCT v.volunteer_id) FROM visit v
    JOIN place vil ON vil.id = v.village_id JOIN place c ON c.id = vil.parent_id
    WHERE c.parent_id = :province AND {_COUNTED}
    """,
]


def run_bare(connection, statements, params) -> float:
    from sqlalchemy import text

    started = time.perf_counter()
    for sql in statements:
        connection.execute(text(sql), params).all()
    return (time.perf_counter() - started) * 1000


# --- measuring --------------------------------------------------------------------------------


def timed(fn, repeat: int) -> dict:
    values = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        values.append((time.perf_counter() - started) * 1000)
    return {
        "median_ms": round(statistics.median(values), 1),
        "max_ms": round(max(values), 1),
        "min_ms": round(min(values), 1),
    }


class RssSampler:
    """Peak resident memory of this process while a block runs (sampled every 10 ms)."""

    def __init__(self):
        self.peak = self.start = self._rss()
        self._stop = threading.Event()

    @staticmethod
    def _rss() -> int:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

    def _run(self):
        while not self._stop.wait(0.01):
            self.peak = max(self.peak, self._rss())

    def __enter__(self):
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._rss())


def cold_probe(url: str) -> None:
    """Run in a fresh process: print the time of the first province report as JSON."""
    started = time.perf_counter()
    app = make_app(url)
    with app.app_context():
        from sqlalchemy import select

        from cdt_app.db import get_session
        from cdt_app.models import Place
        from cdt_app.reports.periods import preset_period
        from cdt_app.reports.queries import coverage_report

        session = get_session()
        province = session.scalar(select(Place).where(Place.level == "province"))
        app_ready = time.perf_counter()
        report = coverage_report(session, province, preset_period("all"))
        first = time.perf_counter()
        coverage_report(session, province, preset_period("all"))
        second = time.perf_counter()
    print(
        json.dumps(
            {
                "app_start_ms": round((app_ready - started) * 1000, 1),
                "first_report_ms": round((first - app_ready) * 1000, 1),
                "second_report_ms": round((second - first) * 1000, 1),
                "source": report.source,
            }
        )
    )


def measure(url: str, repeat: int) -> dict:
    from sqlalchemy import func, select

    from cdt_app.i18n import today_local
    from cdt_app.models import Household, Place, Visit, VisitSkill
    from cdt_app.reports.periods import preset_period
    from cdt_app.reports.queries import coverage_report

    results: dict = {}
    probe = subprocess.run(
        [sys.executable, __file__, "--cold-probe", url],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    results["cold"] = json.loads(probe.stdout.strip().splitlines()[-1])

    app = make_app(url)
    client = app.test_client()
    login = client.post("/login", data={"username": "canbo", "password": "demo-cds-2026"})
    assert login.status_code in (302, 303), login.status_code
    with app.app_context():
        from cdt_app.db import get_session

        session = get_session()
        province = session.scalar(select(Place).where(Place.level == "province"))
        province_id = province.id
        results["data"] = {
            "villages": session.scalar(
                select(func.count()).select_from(Place).where(Place.level == "village")
            ),
            "households": session.scalar(select(func.count()).select_from(Household)),
            "visits": session.scalar(select(func.count()).select_from(Visit)),
            "visit_skills": session.scalar(select(func.count()).select_from(VisitSkill)),
        }
        print(f"  data: {results['data']}", flush=True)
        period = preset_period("all")
        report = coverage_report(session, province, period)
        results["source"] = report.source
        results["communes"] = len(report.rows)
        results["app_function"] = timed(lambda: coverage_report(session, province, period), repeat)
        params = {"province": province.id, "today": today_local()}
        connection = session.connection()
        results["bare_sql_aggregates"] = timed(
            lambda: run_bare(connection, BARE_AGGREGATES, params), repeat
        )
        raw_repeat = max(1, min(2, repeat))
        results["bare_sql_raw_group_by"] = timed(
            lambda: run_bare(connection, BARE_RAW, params), raw_repeat
        )
        results["app_raw_rows_to_date"] = timed(
            lambda: coverage_report(session, province, period, source="raw"), raw_repeat
        )
        session.rollback()
        from cdt_app.reports.aggregates import refresh_village

        village_ids = list(
            session.scalars(select(Place.id).where(Place.level == "village").limit(repeat))
        )
        session.rollback()
        times = []
        for village_id in village_ids:  # what each write transaction adds (rolled back here)
            started = time.perf_counter()
            refresh_village(session, village_id)
            times.append((time.perf_counter() - started) * 1000)
            session.rollback()
        results["refresh_one_village"] = {
            "median_ms": round(statistics.median(times), 1),
            "max_ms": round(max(times), 1),
        }

        results.update(measure_periods(session, province, repeat))
        session.rollback()

    api_url = f"/api/v1/coverage?place={province_id}"

    def api_call():
        response = client.get(api_url)
        assert response.status_code == 200
        return response

    payload = api_call().get_json()
    results["api_request"] = timed(api_call, repeat)
    results["check"] = {
        "coverage": payload["totals"]["coverage"],
        "reached_households": payload["totals"]["reached_households"],
        "visits": payload["totals"]["visits"],
    }
    page = client.get(f"/reports/coverage?place={province_id}")
    assert page.status_code == 200
    results["page_request"] = timed(
        lambda: client.get(f"/reports/coverage?place={province_id}"), max(1, repeat // 4)
    )
    started = time.perf_counter()
    xlsx = client.get(f"/reports/coverage.xlsx?place={province_id}&level=villages")
    results["xlsx_all_villages"] = {
        "ms": round((time.perf_counter() - started) * 1000, 1),
        "bytes": len(xlsx.get_data()),
        "rows": results["data"]["villages"] + 1,
    }
    rows = size = 0
    started = time.perf_counter()
    with RssSampler() as memory:
        response = client.get(f"/reports/visits.csv?place={province_id}", buffered=False)
        for chunk in response.response:
            size += len(chunk)
            rows += chunk.count(b"\n")
        response.close()
    seconds = time.perf_counter() - started
    results["raw_visits_csv"] = {
        "rows": rows - 1,
        "megabytes": round(size / 1e6, 1),
        "seconds": round(seconds, 1),
        "rows_per_second": round((rows - 1) / seconds),
        "rss_start_mb": round(memory.start / 1e6, 1),
        "rss_peak_growth_mb": round((memory.peak - memory.start) / 1e6, 1),
    }
    app_ms = results["app_function"]["median_ms"]
    results["ratio_app_to_bare_aggregates"] = round(
        app_ms / max(0.01, results["bare_sql_aggregates"]["median_ms"]), 2
    )
    results["ratio_app_to_bare_raw_group_by"] = round(
        app_ms / max(0.01, results["bare_sql_raw_group_by"]["median_ms"]), 3
    )
    results["meets_300_ms"] = (
        results["api_request"]["median_ms"] <= TARGET_MS
        and results["cold"]["first_report_ms"] <= TARGET_MS
    )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=["sqlite", "postgresql", "both"], default="sqlite")
    parser.add_argument("--factor", type=float, default=1.0, help="fraction of the full sizes")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--rebuild", action="store_true", help="drop and build the data again")
    parser.add_argument("--build-only", action="store_true")
    parser.add_argument(
        "--rebuild-aggregates", action="store_true", help="recompute the coverage aggregates"
    )
    parser.add_argument("--migrate", action="store_true", help="upgrade the schema (backfills)")
    parser.add_argument("--periods-only", action="store_true", help="only the table of periods")
    parser.add_argument("--cold-probe", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.cold_probe:
        cold_probe(args.cold_probe)
        return
    OUT.mkdir(parents=True, exist_ok=True)
    engines = ["sqlite", "postgresql"] if args.engine == "both" else [args.engine]
    tables = {}
    for engine in engines:
        url = database_url(engine, args.factor)
        print(f"[{engine}] {url}", flush=True)
        built = build(url, args.factor, args.rebuild)
        if args.rebuild_aggregates:
            built.update(rebuild_aggregates(url))
        if args.migrate:
            built.update(migrate(url, make_app))
        if args.build_only:
            continue
        measured = (
            periods_only(url, args.repeat, make_app)
            if args.periods_only
            else measure(url, args.repeat)
        )
        results = {"engine": engine, "factor": args.factor, **built, **measured}
        tables[engine] = results
        target = OUT / f"coverage-{engine}-{size_tag(args.factor)}.json"
        target.write_text(json.dumps(results, indent=2, ensure_ascii=False))
        print(json.dumps(results, indent=2, ensure_ascii=False), flush=True)
        print(f"  written to {target.relative_to(ROOT)}", flush=True)
    if tables:
        print(table(tables), flush=True)


if __name__ == "__main__":
    main()

"""The exports at province scale (DESIGN section 9, issue 18): the first rows within 2 s, on
SQLite and on PostgreSQL, in constant memory, in the order of the one big query they replaced.

    .venv/bin/python bench/exports.py --engine both            # every export, streamed to the end
    .venv/bin/python bench/exports.py --engine sqlite --first  # stop each after its first rows
    .venv/bin/python bench/exports.py --engine sqlite --check-order 20000

Reads the data sets of bench/coverage.py (built there, never here) and writes nothing to them
(bench/readonly.py: signed in by cookie, the exports' audit entries left out). For each
export of the province (the raw visits CSV, the coverage CSV and XLSX of the communes and of
all villages) it records the time to the answer's headers, to the first data row, to the end,
the rows, the megabytes and the peak growth of this process's resident memory while it streams.
``--check-order N`` compares the first N rows of the village-by-village raw export with the
one query of before issue 18 (which sorts everything first: ~25 s on SQLite).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
_spec = importlib.util.spec_from_file_location("bench_coverage", ROOT / "bench" / "coverage.py")
bench_coverage = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
_spec.loader.exec_module(bench_coverage)  # type: ignore[union-attr]
FIRST_ROWS_S = 2.0


def stream(client, url: str, first_only: bool) -> dict:
    rows = size = 0
    first_row = None
    started = time.perf_counter()
    with bench_coverage.RssSampler() as memory:
        response = client.get(url, buffered=False)
        headers_s = time.perf_counter() - started
        assert response.status_code == 200, (url, response.status_code)
        for chunk in response.response:
            size += len(chunk)
            rows += chunk.count(b"\n")
            if first_row is None and rows >= 2:  # the header line and a row
                first_row = time.perf_counter() - started
                if first_only:
                    break
        response.close()
    total = time.perf_counter() - started
    xlsx = url.split("?")[0].endswith(".xlsx")
    return {
        "headers_s": round(headers_s, 2),
        # an XLSX is built whole (a zip): its first row is its end
        "first_row_s": round(total if xlsx else (first_row or total), 2),
        "total_s": None if first_only else round(total, 1),
        "rows": None if (first_only or xlsx) else rows - 1,
        "megabytes": None if first_only else round(size / 1e6, 1),
        "rss_peak_growth_mb": round((memory.peak - memory.start) / 1e6, 1),
    }


def check_order(app, place_id: int, limit: int) -> dict:
    from itertools import islice

    from cdt_app.db import new_session
    from cdt_app.models import Place
    from cdt_app.reports.export_queries import export_lookups, raw_visits_chunks, raw_visits_query
    from cdt_app.reports.periods import preset_period

    with app.app_context(), new_session(write=False) as session:
        place = session.get(Place, place_id)
        period = preset_period("all")
        engine = app.extensions["cdt_engine"]
        with engine.connect() as connection:
            started = time.perf_counter()
            statement, params = raw_visits_query(place, period)
            result = connection.execution_options(stream_results=True).execute(statement, params)
            old = [tuple(row) for row in islice(result, limit)]
            result.close()
            old_s = time.perf_counter() - started
            started = time.perf_counter()
            new: list[tuple] = []
            for statement, params in raw_visits_chunks(
                period, export_lookups(session, place)["village_paths"]
            ):
                new += [tuple(row) for row in connection.execute(statement, params)]
                if len(new) >= limit:
                    break
            new_s = time.perf_counter() - started
            connection.rollback()
    same = old == new[:limit]
    return {
        "rows": limit,
        "same": same,
        "one_query_s": round(old_s, 1),
        "by_village_s": round(new_s, 1),
    }


def measure(url: str, first_only: bool, order_rows: int) -> dict:
    from readonly import exports_not_audited, sign_in
    from sqlalchemy import select

    from cdt_app.db import new_session
    from cdt_app.models import Place

    app = bench_coverage.make_app(url)
    client = app.test_client()
    sign_in(app, client, "canbo")
    with app.app_context(), new_session(write=False) as session:
        province = session.scalar(select(Place.id).where(Place.level == "province"))
    results: dict = {}
    for name, path in (
        ("visits.csv", f"/reports/visits.csv?place={province}"),
        ("coverage.csv", f"/reports/coverage.csv?place={province}"),
        ("coverage.csv villages", f"/reports/coverage.csv?place={province}&level=villages"),
        ("coverage.xlsx", f"/reports/coverage.xlsx?place={province}"),
        ("coverage.xlsx villages", f"/reports/coverage.xlsx?place={province}&level=villages"),
    ):
        with exports_not_audited():
            results[name] = stream(client, path, first_only)
        print(f"  {name:24} {results[name]}", flush=True)
    if order_rows:
        results["order_check"] = check_order(app, province, order_rows)
        print(f"  order check: {results['order_check']}", flush=True)
    results["first_rows_within_2_s"] = all(
        r["first_row_s"] <= FIRST_ROWS_S
        for k, r in results.items()
        if k.endswith(("csv", "villages", "xlsx"))
    )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=["sqlite", "postgresql", "both"], default="sqlite")
    parser.add_argument("--factor", type=float, default=1.0)
    parser.add_argument(
        "--first", action="store_true", help="stop each export after its first rows"
    )
    parser.add_argument("--check-order", type=int, default=0, metavar="N")
    parser.add_argument("--out", type=Path, default=None, help="folder of the JSON results")
    args = parser.parse_args()
    out = args.out or bench_coverage.OUT
    out.mkdir(parents=True, exist_ok=True)
    engines = ["sqlite", "postgresql"] if args.engine == "both" else [args.engine]
    for engine in engines:
        url = bench_coverage.database_url(engine, args.factor)
        print(f"[{engine}] {url}", flush=True)
        results = {"engine": engine, **measure(url, args.first, args.check_order)}
        tag = bench_coverage.size_tag(args.factor)
        target = out / f"exports-{engine}-{tag}.json"
        target.write_text(json.dumps(results, indent=2, ensure_ascii=False))
        print(f"  written to {target}", flush=True)


if __name__ == "__main__":
    main()

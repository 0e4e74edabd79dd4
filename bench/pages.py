"""Every page at province scale (DESIGN section 9, issue 18), on SQLite and on PostgreSQL.

    .venv/bin/python bench/pages.py --engine both                 # the province data sets
    .venv/bin/python bench/pages.py --engine sqlite --factor 0.1  # a smaller set, quick
    .venv/bin/python bench/pages.py --engine sqlite --only review,activity

Crawls, as a staff account of the province (canbo), the coordinator of a commune (doan), a team
lead (totruong) and a volunteer (tinhnguyen) of a village, every page each of them reaches by
following the links of the pages, from the home page: one page of each kind (its endpoint and
the names of its query parameters, so /reports/coverage, ?place=… and ?level=villages are three
pages; the first link of a kind is the one measured). For each: the server time (the median of
5 requests after a first one), the HTML bytes, the DOM nodes (elements, as Lighthouse counts
them, by lxml) and the SQL statements of one request. Prints one table sorted by time (the
slowest first) and marks what misses a budget: 500 ms, 100 KB of HTML.

Reads the data sets of bench/coverage.py (built there, never here) and writes nothing to them
(bench/readonly.py: signed in by cookie, GET only, exports left out).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import sys
import time
from collections import deque
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
_spec = importlib.util.spec_from_file_location("bench_coverage", ROOT / "bench" / "coverage.py")
bench_coverage = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
_spec.loader.exec_module(bench_coverage)  # type: ignore[union-attr]

from readonly import sign_in  # noqa: E402

ACCOUNTS = ("canbo", "doan", "totruong", "tinhnguyen")
BUDGET_MS = 500
BUDGET_BYTES = 100 * 1024
REPEAT = 5
MAX_PAGES = 120  #: per account, a guard against a crawl that never ends
#: not pages: files, the API, the service worker, language switch, login steps
SKIPPED_ENDPOINTS = {
    "static",
    "sync.service_worker",
    "main.set_language",
    "main.healthz",
    "auth.login",
    "auth.login_two_step",
    "reports.coverage_csv_export",
    "reports.coverage_xlsx_export",
    "reports.visits_csv_export",
}


def _endpoint(app, url: str) -> str | None:
    parts = urlsplit(url)
    adapter = app.url_map.bind("localhost")
    try:
        endpoint, _args = adapter.match(parts.path, method="GET")
    except Exception:  # a redirect, a 404, another method: not a page to measure
        return None
    return endpoint


def page_kind(app, url: str) -> tuple[str, tuple[str, ...]] | None:
    endpoint = _endpoint(app, url)
    if endpoint is None or endpoint in SKIPPED_ENDPOINTS or endpoint.startswith("api."):
        return None
    keys = tuple(sorted({key for key, _value in parse_qsl(urlsplit(url).query)}))
    return endpoint, keys


def links(html: bytes) -> list[str]:
    import lxml.html

    tree = lxml.html.fromstring(html)
    found = []
    for href in tree.xpath("//a/@href"):
        if href.startswith("/") and not href.startswith("//"):
            found.append(href.split("#")[0])
    return found


def dom_nodes(html: bytes) -> int:
    import lxml.html

    tree = lxml.html.document_fromstring(html)
    return sum(1 for element in tree.iter() if isinstance(element.tag, str))


class QueryCounter:
    def __init__(self, engine):
        from sqlalchemy import event

        self.count = 0
        self.engine = engine
        event.listen(engine, "before_cursor_execute", self._before)

    def _before(self, _conn, _cursor, statement, *_args):
        if statement.lstrip()[:6].lower() in ("select", "insert", "update", "delete", "with s"):
            self.count += 1


def measure_page(client, counter: QueryCounter, url: str) -> dict:
    first = client.get(url)
    times = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
    counter.count = 0
    response = client.get(url)
    queries = counter.count
    body = response.get_data()
    return {
        "status": first.status_code,
        "location": urlsplit(first.headers.get("Location", "")).path,
        "ms": round(statistics.median(times), 1),
        "max_ms": round(max(times), 1),
        "bytes": len(body),
        "nodes": dom_nodes(body) if body.lstrip().startswith(b"<") else 0,
        "queries": queries,
        "body": body,
    }


def crawl(app, client, counter, account: str, only: set[str]) -> list[dict]:
    sign_in(app, client, account)
    todo, seen_kinds, rows = deque(["/"]), set(), []
    while todo and len(rows) < MAX_PAGES:
        url = todo.popleft()
        kind = page_kind(app, url)
        if kind is None or kind in seen_kinds:
            continue
        seen_kinds.add(kind)
        result = measure_page(client, counter, url)
        body = result.pop("body")
        if result["status"] in (301, 302, 303):  # e.g. /places/ → the user's own place
            location = result.get("location") or ""
            if location.startswith("/"):
                todo.appendleft(location)
            continue
        if result["status"] != 200:
            continue  # a link the role may not follow (403/404)
        todo.extend(links(body))
        if only and not any(word in url for word in only):
            continue
        result.pop("location")
        rows.append({"account": account, "url": url, "endpoint": kind[0], **result})
        print(
            f"  {account:11} {result['ms']:8.1f} ms {result['bytes'] / 1024:7.1f} KB "
            f"{result['nodes']:6} nodes {result['queries']:4} q  {url}",
            flush=True,
        )
    return rows


def table(engine: str, rows: list[dict]) -> str:
    lines = [
        f"### {engine}",
        "",
        "| ms (median of 5) | KB HTML | DOM nodes | queries | account | page | budget |",
        "|---:|---:|---:|---:|---|---|---|",
    ]
    for row in sorted(rows, key=lambda r: -r["ms"]):
        over = []
        if row["ms"] > BUDGET_MS:
            over.append("time")
        if row["bytes"] > BUDGET_BYTES:
            over.append("size")
        verdict = "OVER: " + ", ".join(over) if over else "ok"
        lines.append(
            f"| {row['ms']:.1f} | {row['bytes'] / 1024:.1f} | {row['nodes']} | {row['queries']} "
            f"| {row['account']} | `{row['url']}` | {verdict} |"
        )
    return "\n".join(lines)


def run(engine: str, factor: float, only: set[str], url: str | None = None) -> list[dict]:
    url = url or bench_coverage.database_url(engine, factor)
    print(f"[{engine}] {url}", flush=True)
    app = bench_coverage.make_app(url)
    counter = QueryCounter(app.extensions["cdt_engine"])
    rows = []
    for account in ACCOUNTS:
        rows += crawl(app, app.test_client(), counter, account, only)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--factor", type=float, default=1.0)
    parser.add_argument("--only", default="", help="comma-separated words: measure matching URLs")
    parser.add_argument("--out", type=Path, default=None, help="folder of the JSON results")
    parser.add_argument("--url", help="another copy of the data set (one engine)")
    args = parser.parse_args()
    only = {word for word in args.only.split(",") if word}
    out = args.out or bench_coverage.OUT
    out.mkdir(parents=True, exist_ok=True)
    engines = ["sqlite", "postgresql"] if args.engine == "both" else [args.engine]
    tables, failures = [], 0
    for engine in engines:
        rows = run(engine, args.factor, only, args.url)
        tables.append(table(engine, rows))
        failures += sum(1 for r in rows if r["ms"] > BUDGET_MS or r["bytes"] > BUDGET_BYTES)
        target = out / f"pages-{engine}-{bench_coverage.size_tag(args.factor)}.json"
        target.write_text(json.dumps(rows, indent=2, ensure_ascii=False))
    print("\n\n".join(tables))
    print(f"\n{failures} page(s) over budget ({BUDGET_MS} ms, {BUDGET_BYTES // 1024} KB)")


if __name__ == "__main__":
    main()

"""Lighthouse mobile on the pages of issue 18 at province scale (DESIGN section 9): performance
≥ 95, accessibility 100, best practices ≥ 95.

    (cd bench/lighthouse && npm ci)     # Lighthouse 12.2.3, pinned in bench/lighthouse/package.json
    CHROME_PATH=/usr/bin/chromium .venv/bin/python bench/lighthouse.py --engine sqlite
    .venv/bin/python bench/lighthouse.py --engine postgresql --pages coverage,activity

Starts gunicorn alone (one worker, the app compressing its own answers, as on a commune's
server) on the data set of bench/coverage.py, signs in the province's admin by a session
cookie made here (no login request: nothing is written to the shared data set) and hands it
to Lighthouse with --extra-headers. Prints the three scores, LCP, TBT and the transferred
bytes of each page, and writes the reports to --out.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
_spec = importlib.util.spec_from_file_location("bench_coverage", ROOT / "bench" / "coverage.py")
bench_coverage = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
_spec.loader.exec_module(bench_coverage)  # type: ignore[union-attr]

from readonly import sign_in  # noqa: E402

LIGHTHOUSE = ROOT / "bench" / "lighthouse" / "node_modules" / "lighthouse" / "cli" / "index.js"
TARGETS = {"performance": 95, "accessibility": 100, "best-practices": 95}
PAGES = {
    "coverage": "/reports/coverage",
    "activity": "/activity/",
    "review": "/review/",
    "audit": "/audit/",
    "places": "/places/{province}",
    "users": "/users/",
}
ACCOUNT = "admin"  #: the province's admin reaches every one of them (staff do not review)
SECRET = "bench"  #: the key of bench_coverage.make_app, so that its cookie is good here


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(url: str, port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "CDT_DATABASE_URL": url,
        "CDT_SECRET_KEY": SECRET,
        "CDT_RATELIMIT_ENABLED": "0",
        "CDT_ADMIN_TOTP_REQUIRED": "0",
        "CDT_DEMO": "1",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "1", "-b", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT,
        env=env,
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)  # noqa: S310
            return server
        except OSError:
            time.sleep(0.3)
    server.terminate()
    raise RuntimeError("gunicorn did not answer")


def session_cookie(url: str) -> tuple[str, int]:
    """The session cookie of the admin, and the province's id."""
    from sqlalchemy import select

    from cdt_app.db import new_session
    from cdt_app.models import Place

    app = bench_coverage.make_app(url)
    client = app.test_client()
    sign_in(app, client, ACCOUNT)
    cookie = client.get_cookie(app.config.get("SESSION_COOKIE_NAME", "session"))
    with app.app_context(), new_session(write=False) as session:
        province = session.scalar(select(Place.id).where(Place.level == "province"))
    return f"{cookie.key}={cookie.value}", province


def run_lighthouse(page_url: str, cookie: str, out: Path) -> dict:
    command = [
        "node",
        str(LIGHTHOUSE),
        page_url,
        "--quiet",
        "--output=json",
        f"--output-path={out}",
        "--only-categories=performance,accessibility,best-practices",
        "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
        "--extra-headers",
        json.dumps({"Cookie": cookie}),
    ]
    env = {**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")}
    subprocess.run(command, check=True, env=env, timeout=300)
    report = json.loads(out.read_text())
    audits = report["audits"]
    return {
        "final_url": report.get("finalDisplayedUrl") or report.get("finalUrl"),
        **{name: round(report["categories"][name]["score"] * 100) for name in TARGETS},
        "lcp_ms": round(audits["largest-contentful-paint"]["numericValue"]),
        "tbt_ms": round(audits["total-blocking-time"]["numericValue"]),
        "cls": round(audits["cumulative-layout-shift"]["numericValue"], 3),
        "transferred_kb": round(audits["total-byte-weight"]["numericValue"] / 1024, 1),
        "dom_nodes": audits["dom-size"].get("numericValue"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--factor", type=float, default=1.0)
    parser.add_argument("--url", help="another copy of the data set")
    parser.add_argument("--pages", default=",".join(PAGES))
    parser.add_argument("--out", type=Path, default=bench_coverage.OUT / "lighthouse")
    args = parser.parse_args()
    if not LIGHTHOUSE.exists():
        sys.exit("Lighthouse is not installed: (cd bench/lighthouse && npm ci)")
    url = args.url or bench_coverage.database_url(args.engine, args.factor)
    args.out.mkdir(parents=True, exist_ok=True)
    cookie, province = session_cookie(url)
    port = free_port()
    server = start_server(url, port)
    results = {}
    try:
        for name in args.pages.split(","):
            page_url = f"http://127.0.0.1:{port}" + PAGES[name].format(province=province)
            results[name] = run_lighthouse(page_url, cookie, args.out / f"{name}.json")
            print(f"  {name:9} {results[name]}", flush=True)
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"\n### Lighthouse mobile, {args.engine}\n")
    print("| page | performance | accessibility | best practices | LCP ms | TBT ms | KB sent |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    failures = 0
    for name, r in results.items():
        ok = all(r[k] >= v for k, v in TARGETS.items())
        failures += not ok
        print(
            f"| {name} | {r['performance']} | {r['accessibility']} | {r['best-practices']} "
            f"| {r['lcp_ms']} | {r['tbt_ms']} | {r['transferred_kb']} |{'' if ok else ' MISSES'}"
        )
    (args.out / f"scores-{args.engine}.json").write_text(json.dumps(results, indent=2))
    print(f"\n{failures} page(s) below the targets {TARGETS}")


if __name__ == "__main__":
    main()

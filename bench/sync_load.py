"""Load of the sync API (DESIGN section 9): N volunteers syncing at once against gunicorn.

    .venv/bin/python bench/sync_load.py                 # SQLite, 200 clients
    .venv/bin/python bench/sync_load.py --pg            # PostgreSQL (database cdt_bench_sync)
    .venv/bin/python bench/sync_load.py --clients 50 --batches 2   # quicker

What it does, all on 127.0.0.1 and bounded in time (--deadline):
  1. creates a fresh database (bench/out/sync-load.sqlite3, or the PostgreSQL database
     cdt_bench_sync, dropped and created again) with one province, communes, villages, N
     volunteers and their households;
  2. starts gunicorn (gthread workers) on a free port against it;
  3. every client logs in (as a phone would: GET /login, POST /login, GET /api/v1/me), then
     all clients start together (spread over one "think" time) and each sends --batches
     batches of --batch-size visits (the first batch also registers a household the visits of
     later batches use), pausing a random "think" time (default 5-15 s, a phone draining its
     outbox as it goes) between requests, sending a batch again after a 5xx or no answer as
     the phone's outbox does (each such answer still counts as an error), and finally sends
     its first batch again (a replay: everything must answer "unchanged"); --think 0 sends
     everything at once, back to back;
  4. reports p50/p95/max latency of the sync requests, throughput and errors, and checks in the
     database that every item is stored exactly once (nothing lost, nothing duplicated);
  5. times a single batch of 50 visits (median of --repeat requests).

Logins are not what is measured: the volunteers' passwords use a cheap hash
(CDT_PASSWORD_HASH_METHOD) so that 200 logins do not take the machine for a minute. The clients
are Python threads on the same machine as the server, so the latencies include their share of
the two cores: the app's own time of each sync (its Server-Timing header) is reported too.
Results are printed and written to bench/out/sync-load-<engine>.json.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))
PG_BASE = os.environ.get("CDT_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")
PASSWORD = "bench-sync-2026"
CHEAP_HASH = "scrypt:1024:8:1"
TARGET_P95_MS, TARGET_BATCH50_MS = 500, 150
#: answers a phone's outbox sends again later, with backoff (static/js/outbox-drain.js); each still
#: counts as an error here
RETRIED, RETRIES = {0, 500, 502, 503, 504}, 5


# --- the database ------------------------------------------------------------------------------


def database_url(pg: bool) -> str:
    if pg:
        return f"{PG_BASE}/cdt_bench_sync"
    return f"sqlite:///{OUT / 'sync-load.sqlite3'}"


def fresh_database(url: str) -> None:
    from sqlalchemy import create_engine, text

    if url.startswith("sqlite"):
        path = Path(url.split("///", 1)[1])
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        return
    base, _, name = url.rpartition("/")
    admin = create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def populate(url: str, clients: int) -> list[dict]:
    """Schema, skills, places, volunteers and two households each; returns the volunteers."""
    os.environ["CDT_PASSWORD_HASH_METHOD"] = CHEAP_HASH
    from sqlmodel import Session, SQLModel

    import cdt_app.models  # noqa: F401
    from cdt_app.db import make_engine
    from cdt_app.i18n import duplicate_key, search_key, sort_key
    from cdt_app.models import Household, utcnow
    from cdt_app.places.services import PlaceInput, create_place
    from cdt_app.skills.seed import seed_skills
    from cdt_app.users.services import UserInput, create_user

    engine = make_engine(url)
    SQLModel.metadata.create_all(engine)
    volunteers = []
    with Session(engine, expire_on_commit=False) as session:
        seed_skills(session)
        province = create_place(
            session, None, PlaceInput(name="Tỉnh Thử Tải", kind="tinh", code="B1")
        )
        villages = []
        for c in range(4):
            commune = create_place(
                session,
                None,
                PlaceInput(name=f"Xã Tải {c}", kind="xa", code=f"B1{c:02d}", parent_id=province.id),
            )
            for v in range(10):
                villages.append(
                    create_place(
                        session,
                        None,
                        PlaceInput(
                            name=f"Thôn {c}-{v}",
                            kind="thon",
                            code="",
                            parent_id=commune.id,
                            target_households=200,
                        ),
                    )
                )
        session.flush()
        for n in range(clients):
            village = villages[n % len(villages)]
            user = create_user(
                session,
                None,
                UserInput(
                    username=f"tnv{n:04d}",
                    display_name=f"Tình nguyện viên {n}",
                    role="volunteer",
                    place_id=village.id,
                    password=PASSWORD,
                ),
            )
            households = []
            for h in range(2):
                name = f"Hộ {n}-{h}"
                household = Household(
                    village_id=village.id,
                    head_name=name,
                    members=5,
                    consent=True,
                    consent_by_id=user.id,
                    consent_at=utcnow(),
                    created_by_id=user.id,
                    search_key=search_key(name),
                    duplicate_key=duplicate_key(name),
                    sort_key=sort_key(name),
                )
                session.add(household)
                households.append(household)
            session.flush()
            volunteers.append(
                {
                    "username": user.username,
                    "village_id": village.id,
                    "households": [str(h.id) for h in households],
                }
            )
        session.commit()
    engine.dispose()
    return volunteers


# --- gunicorn ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(url: str, port: int, workers: int, threads: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "CDT_DATABASE_URL": url,
        "CDT_SECRET_KEY": "bench-sync-load-secret",
        "CDT_ENV": "development",
        "CDT_DEMO": "0",
        "CDT_RATELIMIT_ENABLED": "0",
        "CDT_PASSWORD_HASH_METHOD": CHEAP_HASH,
    }
    command = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--worker-class",
        "gthread",
        "--backlog",
        "1024",
        "--timeout",
        "120",
        "--log-level",
        "warning",
        "wsgi:app",
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return server
        except OSError:
            time.sleep(0.3)
    stop(server)
    raise SystemExit("gunicorn did not start")


def stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


# --- one phone ---------------------------------------------------------------------------------

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def _server_ms(header: str) -> float | None:
    """The app's own time from ``Server-Timing: app;dur=12.3``."""
    match = re.search(r"dur=([0-9.]+)", header)
    return float(match.group(1)) if match else None


class Phone:
    server_ms: float | None = None

    def __init__(self, base: str, volunteer: dict):
        self.base, self.volunteer = base, volunteer
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        self.token = ""

    def call(self, method: str, path: str, body: bytes | None = None, headers=None):
        request = urllib.request.Request(  # noqa: S310 (always http://127.0.0.1)
            self.base + path, data=body, method=method, headers=headers or {}
        )
        try:
            with self.opener.open(request, timeout=30) as response:
                self.server_ms = _server_ms(response.headers.get("Server-Timing", ""))
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            self.server_ms = None
            return error.code, error.read()
        except OSError:  # refused, reset, timed out: no answer
            self.server_ms = None
            return 0, b""

    def login(self) -> None:
        _status, page = self.call("GET", "/login")
        match = _CSRF.search(page.decode())
        form = urllib.parse.urlencode(
            {
                "username": self.volunteer["username"],
                "password": PASSWORD,
                "csrf_token": match.group(1) or match.group(2),
            }
        ).encode()
        status, _ = self.call(
            "POST", "/login", form, {"Content-Type": "application/x-www-form-urlencoded"}
        )
        assert status == 200, status
        status, body = self.call("GET", "/api/v1/me")
        assert status == 200, (status, body[:200])
        self.token = json.loads(body)["csrf_token"]

    def sync(self, items: list[dict]) -> tuple[int, float, list[dict]]:
        body = json.dumps({"items": items}).encode()
        started = time.perf_counter()
        status, answer = self.call(
            "POST",
            "/api/v1/sync",
            body,
            {"Content-Type": "application/json", "X-CSRFToken": self.token},
        )
        elapsed = time.perf_counter() - started
        results = json.loads(answer)["results"] if status == 200 else []
        return status, elapsed, results


def make_batches(volunteer: dict, batches: int, size: int, today: str) -> list[list[dict]]:
    """Batches of visits; the first also registers a household that later visits use."""
    new_household = str(uuid.uuid4())
    households = [*volunteer["households"], new_household]
    out = []
    for b in range(batches):
        items = []
        if b == 0:
            items.append(
                {
                    "kind": "household",
                    "id": new_household,
                    "payload": {
                        "village_id": volunteer["village_id"],
                        "head_name": f"Hộ mới của {volunteer['username']}",
                        "address": "Xóm Mới",
                        "phone": "0912345678",
                        "members": 4,
                        "smartphone_members": 2,
                        "consent": True,
                        "notes": "",
                    },
                }
            )
        while len(items) < size:
            items.append(
                {
                    "kind": "visit",
                    "id": str(uuid.uuid4()),
                    "payload": {
                        "household_id": random.choice(households),
                        "visited_on": today,
                        "skills": [
                            {"code": "vneid", "completed": True},
                            {
                                "code": random.choice(["dvc", "payment", "cybersafety"]),
                                "completed": False,
                            },
                        ],
                        "people_taught": random.randint(1, 3),
                        "notes": "Hướng dẫn tại nhà",
                        "lat": None,
                        "lon": None,
                    },
                }
            )
        out.append(items)
    return out


# --- the run -----------------------------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def run(args) -> dict:
    from cdt_app.i18n import today_local

    url = database_url(args.pg)
    engine_name = "postgresql" if args.pg else "sqlite"
    print(f"[{engine_name}] fresh database {url}")
    fresh_database(url)
    t0 = time.perf_counter()
    volunteers = populate(url, args.clients)
    print(f"  {args.clients} volunteers created in {time.perf_counter() - t0:.1f} s")
    port = free_port()
    server = start_gunicorn(url, port, args.workers, args.threads)
    base = f"http://127.0.0.1:{port}"
    print(f"  gunicorn on {base}: {args.workers} workers × {args.threads} threads (gthread)")
    today = today_local().isoformat()
    deadline = time.monotonic() + args.deadline
    try:
        phones = [Phone(base, v) for v in volunteers]
        plans = [make_batches(v, args.batches, args.batch_size, today) for v in volunteers]
        started = time.perf_counter()
        logins = threading.BoundedSemaphore(16)

        def login(phone: Phone) -> None:
            with logins:
                phone.login()

        threads = [threading.Thread(target=login, args=(p,)) for p in phones]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=max(1, deadline - time.monotonic()))
        assert all(p.token for p in phones), "some logins failed"
        print(f"  {len(phones)} logins in {time.perf_counter() - started:.1f} s")

        latencies: list[float] = []
        replay_latencies: list[float] = []
        server_times: list[float] = []
        errors: list[str] = []
        lock = threading.Lock()
        go = threading.Barrier(len(phones))

        def volunteer(phone: Phone, batches: list[list[dict]]) -> None:
            try:
                go.wait(timeout=60)
            except threading.BrokenBarrierError:
                pass
            time.sleep(random.uniform(0, args.think))  # phones do not all sync at the same instant
            for index, items in enumerate([*batches, batches[0]]):
                if time.monotonic() > deadline:
                    with lock:
                        errors.append("deadline")
                    return
                replay = index == len(batches)
                expected = "unchanged" if replay else "created"
                for attempt in range(RETRIES + 1):
                    status, elapsed, results = phone.sync(items)
                    # a retry may find items stored by an attempt whose answer was lost
                    wanted = {expected, "unchanged"} if attempt else {expected}
                    bad = status != 200 or not {r["status"] for r in results} <= wanted
                    with lock:
                        (replay_latencies if replay else latencies).append(elapsed)
                        if phone.server_ms is not None:
                            server_times.append(phone.server_ms)
                        if bad:
                            errors.append(f"{phone.volunteer['username']}: {status} {results[:1]}")
                    if status not in RETRIED:
                        break
                    time.sleep(2**attempt * random.uniform(1.5, 2.5))  # as the phone's outbox
                time.sleep(random.uniform(args.think / 2, args.think * 1.5))

        started = time.perf_counter()
        threads = [
            threading.Thread(target=volunteer, args=(p, plan))
            for p, plan in zip(phones, plans, strict=True)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=max(1, deadline - time.monotonic()))
        wall = time.perf_counter() - started
        requests = len(latencies) + len(replay_latencies)
        items_sent = sum(len(b) for plan in plans for b in plan) + sum(len(p[0]) for p in plans)

        # a single batch of 50 visits, sent alone
        solo = Phone(base, volunteers[0])
        solo.login()
        batch50, batch50_server = [], []
        for _ in range(args.repeat):
            items = make_batches(volunteers[0], 2, 50, today)[1]
            for item in items:
                item["payload"]["household_id"] = volunteers[0]["households"][0]
            status, elapsed, results = solo.sync(items)
            assert status == 200 and {r["status"] for r in results} == {"created"}, results[:1]
            batch50.append(elapsed)
            batch50_server.append(solo.server_ms or 0.0)
    finally:
        stop(server)

    check = verify(url, plans, args.repeat * 50)
    all_ms = [x * 1000 for x in latencies + replay_latencies]
    report = {
        "engine": engine_name,
        "clients": args.clients,
        "batches": args.batches,
        "batch_size": args.batch_size,
        "think_s": args.think,
        "workers": args.workers,
        "threads": args.threads,
        "requests": requests,
        "items": items_sent,
        "wall_s": round(wall, 2),
        "throughput_requests_per_s": round(requests / wall, 1),
        "throughput_items_per_s": round(items_sent / wall, 1),
        "p50_ms": round(percentile(all_ms, 0.50), 1),
        "p95_ms": round(percentile(all_ms, 0.95), 1),
        "p99_ms": round(percentile(all_ms, 0.99), 1),
        "max_ms": round(max(all_ms), 1),
        "replay_p95_ms": round(percentile([x * 1000 for x in replay_latencies], 0.95), 1),
        "server_p50_ms": round(percentile(server_times, 0.50), 1),
        "server_p95_ms": round(percentile(server_times, 0.95), 1),
        "errors": len(errors),
        "error_samples": errors[:5],
        "batch50_median_ms": round(statistics.median(batch50) * 1000, 1),
        "batch50_max_ms": round(max(batch50) * 1000, 1),
        "batch50_server_median_ms": round(statistics.median(batch50_server), 1),
        **check,
    }
    return report


def verify(url: str, plans: list[list[list[dict]]], extra_visits: int) -> dict:
    """Every item sent is stored exactly once; nothing else was stored."""
    from sqlalchemy import func, select
    from sqlmodel import Session

    from cdt_app.db import make_engine
    from cdt_app.models import Household, Visit

    engine = make_engine(url)
    sent = {"household": set(), "visit": set()}
    for plan in plans:
        for batch in plan:
            for item in batch:
                sent[item["kind"]].add(uuid.UUID(item["id"]))
    with Session(engine) as session:
        visit_ids = set(session.scalars(select(Visit.id)))
        household_ids = set(session.scalars(select(Household.id)))
        visit_rows = session.scalar(select(func.count()).select_from(Visit))
    engine.dispose()
    lost = len(sent["visit"] - visit_ids) + len(sent["household"] - household_ids)
    duplicated = visit_rows - len(visit_ids)  # impossible with the primary key; checked anyway
    unexpected = len(visit_ids) - len(sent["visit"]) - extra_visits
    return {
        "stored_visits": len(visit_ids),
        "sent_visits": len(sent["visit"]),
        "lost": lost,
        "duplicated": duplicated + max(0, unexpected),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg", action="store_true", help="PostgreSQL instead of SQLite")
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--batches", type=int, default=3, help="batches per client")
    parser.add_argument("--batch-size", type=int, default=10)
    parser.add_argument(
        "--think",
        type=float,
        default=10.0,
        help="mean pause of a phone between two syncs, in seconds (uniform, ±50 %%); the "
        "phones also start spread over one such pause. 0: all at once, back to back (a burst)",
    )
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=10, help="single 50-visit batches timed")
    parser.add_argument("--deadline", type=float, default=600, help="give up after (s)")
    args = parser.parse_args()
    report = run(args)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"sync-load-{report['engine']}.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))
    ok = (
        report["errors"] == 0
        and report["lost"] == 0
        and report["duplicated"] == 0
        and report["p95_ms"] <= TARGET_P95_MS
        and report["batch50_median_ms"] <= TARGET_BATCH50_MS
    )
    print(
        f"targets (p95 ≤ {TARGET_P95_MS} ms, 0 errors, 0 lost, 0 duplicated, "
        f"batch of 50 ≤ {TARGET_BATCH50_MS} ms): {'met' if ok else 'NOT met'}"
    )


if __name__ == "__main__":
    main()

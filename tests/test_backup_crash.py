"""Durability under a crash: gunicorn on SQLite takes a sync load, is killed with SIGKILL in the
middle, and afterwards the database passes `PRAGMA integrity_check` and holds every item the
server acknowledged (DESIGN section 9: no visit is ever lost)."""

from __future__ import annotations

import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from datetime import date
from pathlib import Path

import pytest
import requests
from sqlmodel import Session, SQLModel

from cdt_app.db import make_engine
from cdt_app.skills.seed import seed_skills
from tests.factories import PASSWORD, make_tree, make_user

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _prepare(path: Path) -> tuple[int, list[str]]:
    engine = make_engine(f"sqlite:///{path}")
    SQLModel.metadata.create_all(engine)
    with Session(engine, expire_on_commit=False) as db:
        seed_skills(db)
        db.commit()
        tree = make_tree(db)
        names = []
        for n in range(4):
            make_user(db, "volunteer", tree["village_a1"], username=f"tv{n}")
            names.append(f"tv{n}")
        village_id = tree["village_a1"].id
    engine.dispose()
    return village_id, names


def _login(base: str, username: str) -> tuple[requests.Session, str]:
    http = requests.Session()
    page = http.get(f"{base}/login", timeout=10)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
    response = http.post(
        f"{base}/login",
        data={"username": username, "password": PASSWORD, "csrf_token": token},
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 302, response.text[:300]
    me = http.get(f"{base}/api/v1/me", timeout=10).json()
    return http, me["csrf_token"]


def _batch(village_id: int) -> list[dict]:
    household = str(uuid.uuid4())
    items = [
        {
            "kind": "household",
            "id": household,
            "payload": {
                "village_id": village_id,
                "head_name": "Hộ thử tải",
                "address": "",
                "phone": None,
                "members": 3,
                "smartphone_members": 1,
                "consent": True,
                "notes": "",
            },
        }
    ]
    for _ in range(5):
        items.append(
            {
                "kind": "visit",
                "id": str(uuid.uuid4()),
                "payload": {
                    "household_id": household,
                    "visited_on": date.today().isoformat(),
                    "skills": [{"code": "vneid", "completed": True}],
                    "people_taught": 1,
                    "notes": "",
                    "lat": None,
                    "lon": None,
                },
            }
        )
    return items


def _load(base, username, village_id, stop, acknowledged, errors):
    try:
        http, token = _login(base, username)
    except Exception as error:
        if not stop.is_set():  # once the kill is under way, the server may already be gone
            errors.append(repr(error))
        return
    while not stop.is_set():
        items = _batch(village_id)
        try:
            response = http.post(
                f"{base}/api/v1/sync",
                json={"items": items},
                headers={"X-CSRFToken": token},
                timeout=10,
            )
        except requests.RequestException:
            return  # killed mid-request: nothing acknowledged for this batch
        if response.status_code != 200:
            errors.append(f"{response.status_code} {response.text[:200]}")
            continue
        for result in response.json()["results"]:
            if result["status"] in ("created", "unchanged", "updated"):
                kind = next(item["kind"] for item in items if item["id"] == result["id"])
                acknowledged.append((kind, result["id"]))


def test_sigkill_during_sync_loses_nothing_acknowledged(tmp_path):
    db_path = tmp_path / "crash.sqlite3"
    village_id, usernames = _prepare(db_path)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "CDT_DATABASE_URL": f"sqlite:///{db_path}",
        "CDT_SECRET_KEY": "crash-test-secret",
        "CDT_RATELIMIT_ENABLED": "0",
        "CDT_PASSWORD_HASH_METHOD": os.environ.get("CDT_PASSWORD_HASH_METHOD", "scrypt:1024:8:1"),
    }
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(
        [str(gunicorn), "-w", "2", "--threads", "2", "-b", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group: SIGKILL reaches every worker
    )
    try:
        for _ in range(100):
            try:
                if requests.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.2)
        else:
            pytest.fail("gunicorn did not start: " + server.stderr.read().decode()[-2000:])

        stop, acknowledged, errors = threading.Event(), [], []
        threads = [
            threading.Thread(
                target=_load, args=(base, name, village_id, stop, acknowledged, errors)
            )
            for name in usernames
        ]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 60
        while len(acknowledged) < 120 and time.monotonic() < deadline:
            time.sleep(0.05)
        stop.set()  # no new batches; those already sent are cut by the kill
        os.killpg(server.pid, signal.SIGKILL)  # in the middle of the load
        server.wait(timeout=10)
        for thread in threads:
            thread.join(timeout=15)
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)
        server.stderr.close()

    assert errors == []
    assert len(acknowledged) >= 120, "the load did not run long enough before the kill"
    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        stored = {
            "household": {row[0] for row in conn.execute("SELECT id FROM household")},
            "visit": {row[0] for row in conn.execute("SELECT id FROM visit")},
        }
        visits_without_skill = conn.execute(
            "SELECT count(*) FROM visit v WHERE NOT EXISTS "
            "(SELECT 1 FROM visit_skill s WHERE s.visit_id = v.id)"
        ).fetchone()[0]
    finally:
        conn.close()
    missing = [
        (kind, item_id)
        for kind, item_id in acknowledged
        if uuid.UUID(item_id).hex not in stored[kind] and item_id not in stored[kind]
    ]
    assert missing == []
    assert visits_without_skill == 0  # no half-written visit

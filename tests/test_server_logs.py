"""No personal data in the server's own logs (issue 13, point 7): the app runs as a real server
process, as ``make run`` runs it (``flask run``, werkzeug's request log) and as the README's
gunicorn line does with its access log on, and a full flow goes through it: log in, register
a household with a marker name and phone, search for it by name and by phone (the list, the
home page's search, the visit form's picker), log a visit, sync a household from the phone.
Then the server's whole output is searched: no name and no phone, in any spelling a URL or a
log line could give them.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
import requests

from cdt_app.i18n import search_key, today_local
from tests.factories import PASSWORD, make_tree, make_user

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
NAME = "Huỳnh Thị Dấu Vết"
PHONE = "0938271645"
SYNC_NAME = "Mạc Văn Nhật Ký"
SYNC_PHONE = "0385550147"


def _forms_of(secret: str) -> set[str]:
    """Every way a log line could hold ``secret``: as typed, folded, in a URL."""
    forms = {secret, search_key(secret), quote(secret), quote_plus(secret)}
    forms |= {quote(search_key(secret)), secret.lower()}
    if secret.isdigit():
        forms |= {secret[1:], f"+84{secret[1:]}", f"{secret[:4]} {secret[4:7]} {secret[7:]}"}
        forms |= {quote_plus(f"{secret[:4]} {secret[4:7]} {secret[7:]}")}
    else:
        forms |= {word for word in secret.split() if len(word) > 3}
        forms |= {quote(word) for word in secret.split() if len(word) > 3}
    return forms


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _command(server: str, port: int) -> list[str]:
    if server == "werkzeug":  # make run
        return [
            str(BIN / "flask"),
            "--app",
            "wsgi",
            "run",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ]
    # the README's gunicorn line, with the access log on
    return [
        str(BIN / "gunicorn"),
        "-w",
        "1",
        "-b",
        f"127.0.0.1:{port}",
        "--access-logfile",
        "-",
        "--error-logfile",
        "-",
        "--log-level",
        "debug",
        "wsgi:app",
    ]


class Server:
    def __init__(self, server: str, database_url: str, log: Path):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(
            os.environ,
            PYTHONPATH=str(ROOT),
            CDT_ENV="development",
            CDT_SECRET_KEY="server-log-test-key",
            CDT_DATABASE_URL=database_url,
            CDT_ADMIN_TOTP_REQUIRED="0",
            CDT_RATELIMIT_STORAGE_URI="memory://",
            FLASK_DEBUG="0",
        )
        self.log = log
        self.output = log.open("wb")
        self.process = subprocess.Popen(  # noqa: S603 (our own server)
            _command(server, self.port),
            cwd=ROOT,
            env=env,
            stdout=self.output,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.url}/healthz", timeout=5).status_code == 200:
                    return
            except requests.RequestException:
                time.sleep(0.2)
        self.stop()
        pytest.fail("the server did not start:\n" + self.text())

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # only the process this test started
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.output.close()

    def text(self) -> str:
        return self.log.read_bytes().decode("utf-8", "replace")


def _hidden(html: str, name: str) -> str:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]+)"', html) or re.search(
        rf'<input[^>]*value="([^"]+)"[^>]*name="{name}"', html
    )
    assert match, f"no {name}"
    return match.group(1)


def _csrf(html: str) -> str:
    return _hidden(html, "csrf_token")


def _flow(base: str, village: str) -> None:
    web = requests.Session()
    login = web.get(f"{base}/login")
    answer = web.post(
        f"{base}/login",
        data={"username": "dauvet", "password": PASSWORD, "csrf_token": _csrf(login.text)},
    )
    assert answer.ok and "/login" not in answer.url, answer.url

    # register a household with the markers
    page = web.get(f"{base}/households/new")
    new_id = _hidden(page.text, "new_id")
    fields = {
        "csrf_token": _csrf(page.text),
        "new_id": new_id,
        "village_id": village,
        "head_name": NAME,
        "address": "Số 3, xóm Giếng",
        "phone": f"{PHONE[:4]} {PHONE[4:7]} {PHONE[7:]}",
        "members": "4",
        "smartphone_members": "1",
        "notes": "",
        "consent": "y",
    }
    saved = web.post(f"{base}/households/new", data=fields)
    assert saved.ok and NAME in saved.text and f"/households/{new_id}" in saved.url

    # search for it by name and by phone: the list, the home page, the visit form's picker
    home = web.get(f"{base}/")
    for url in ("/households/", "/visits/new"):
        for typed in (NAME, "dau vet", PHONE, fields["phone"]):
            found = web.post(f"{base}{url}", data={"csrf_token": _csrf(home.text), "q": typed})
            assert found.ok and NAME in found.text, (url, typed)
            assert "?s=" in found.url and "q=" not in found.url
            again = web.get(found.url)  # back, reload, the same search
            assert NAME in again.text and f'value="{typed}"' in again.text

    # log a visit
    form = web.get(f"{base}/visits/new", params={"household": new_id})
    visit = {
        "csrf_token": _csrf(form.text),
        "household_id": new_id,
        "new_id": _hidden(form.text, "new_id"),
        "visited_day": "today",
        "visited_on": today_local().strftime("%d/%m/%Y"),
        "skills": "vneid",
        "people_taught": "2",
        "notes": "",
    }
    logged = web.post(f"{base}/visits/new?household={new_id}", data=visit)
    assert logged.ok and "/visits/" in logged.url and "saved=1" in logged.url, logged.url

    # and a household from the phone
    token = web.get(f"{base}/api/v1/me").json()["csrf_token"]
    item = {
        "kind": "household",
        "id": str(uuid.uuid4()),
        "payload": {
            "village_id": int(village),
            "head_name": SYNC_NAME,
            "address": "",
            "phone": SYNC_PHONE,
            "members": 2,
            "smartphone_members": None,
            "consent": True,
            "notes": "",
        },
    }
    synced = web.post(f"{base}/api/v1/sync", json={"items": [item]}, headers={"X-CSRFToken": token})
    assert synced.json()["results"][0]["status"] == "created", synced.text


@pytest.mark.parametrize("server", ["werkzeug", "gunicorn"])
def test_the_server_logs_no_name_and_no_phone(app, db, tmp_path, server):
    tree = make_tree(db)
    make_user(db, "volunteer", tree["village_a1"], "dauvet")
    running = Server(server, app.config["CDT_DATABASE_URL"], tmp_path / "server.log")
    try:
        _flow(running.url, str(tree["village_a1"].id))
    finally:
        running.stop()
    log = running.text()
    # the log is on: it has a line for the searches and for the visit
    assert "POST /households/" in log and "GET /households/?s=" in log, log[-3000:]
    assert "POST /visits/new" in log and "POST /api/v1/sync" in log
    found = [
        form
        for secret in (NAME, PHONE, SYNC_NAME, SYNC_PHONE)
        for form in _forms_of(secret)
        if form.lower() in log.lower()
    ]
    assert not found, (found, log[-3000:])

"""Limits on guessing that an attacker cannot turn against the owner (OWASP: lockout without
denial of service), counted in one store shared by every gunicorn worker, and limits on
guessing the current password of a logged-in user. Default limits unless a test says so:
every attempt 30 a minute per address, 5 guesses a minute per account and address, past 10
failures of an account in 15 minutes a growing delay for the addresses that failed."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pyotp
import pytest
import redis
import requests

from cdt_app.auth.throttle import MAX_DELAY_S
from cdt_app.config import ConfigError, check_server_workers, load_config
from cdt_app.models import User
from tests.conftest import AuthActions, csrf_from
from tests.factories import PASSWORD, make_place, make_user, make_village
from tests.test_auth_login import REDIS_URL, TOO_MANY, _post_login

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).with_name("gunicorn")
ATTACKER, OWNER = "10.66.0.1", "10.0.0.7"
WAIT_TEXT = re.compile(r"Bạn có thể thử lại sau (\d+) giây\.")


@pytest.fixture
def limited(app_with):
    """The app with its default limits turned on."""
    return app_with(RATELIMIT_ENABLED=True)


@pytest.fixture
def place(db):
    return make_place(db, "Tỉnh A", "tinh")


@pytest.fixture
def owner(db, place):
    return make_user(db, "volunteer", make_village(db), username="an")


def _retry_after(response) -> int:
    assert response.status_code == 429, response.status_code
    return int(response.headers["Retry-After"])


def test_one_address_is_limited_after_5_guesses_and_told_how_long_to_wait(limited, owner):
    client = limited.test_client()
    for i in range(5):
        assert _post_login(client, "an", f"doan sai {i}", address=ATTACKER).status_code == 200
    refused = _post_login(client, "an", PASSWORD, address=ATTACKER)  # even the right password
    wait = _retry_after(refused)
    assert 50 <= wait <= 60  # the oldest of the 5 guesses leaves the 1-minute window
    assert TOO_MANY in refused.text and 'lang="vi"' in refused.text
    assert WAIT_TEXT.search(refused.text).group(1) == str(wait)


def test_the_limit_of_every_attempt_per_address_says_how_long_to_wait(app_with, owner):
    client = app_with(RATELIMIT_ENABLED=True, CDT_LOGIN_LIMIT_ADDRESS="3 per minute").test_client()
    for name in ("x1", "x2", "x3"):
        assert _post_login(client, name, "doan sai", address=ATTACKER).status_code == 200
    refused = _post_login(client, "an", PASSWORD, address=ATTACKER)
    assert 50 <= _retry_after(refused) <= 61
    assert WAIT_TEXT.search(refused.text)


def test_the_owner_logs_in_from_another_address_while_one_address_hammers(limited, owner):
    attacker = limited.test_client()
    codes = [
        _post_login(attacker, "an", f"doan sai {i}", address=ATTACKER).status_code
        for i in range(20)
    ]
    assert codes == [200] * 5 + [429] * 15
    assert _post_login(limited.test_client(), "an", PASSWORD, address=OWNER).status_code == 302


def test_an_account_attacked_from_many_addresses_slows_them_down_not_the_owner(limited, owner):
    """Past 10 failures in 15 minutes, each failure makes the addresses that failed wait
    1 s, doubling, up to MAX_DELAY_S; an address that has not failed is not delayed."""
    client = limited.test_client()

    def fail_from_new_addresses(first: int, count: int) -> None:
        for n in range(first, first + count):
            assert _post_login(client, "an", "doan sai", address=f"10.2.0.{n}").status_code == 200

    fail_from_new_addresses(0, 12)  # 12 failures: the next waits 2**2 s
    first_wait = _retry_after(_post_login(client, "an", PASSWORD, address="10.2.0.0"))
    fail_from_new_addresses(12, 2)  # 14 failures: 2**4 s
    longer_wait = _retry_after(_post_login(client, "an", PASSWORD, address="10.2.0.1"))
    assert first_wait <= 4 < longer_wait <= 16
    fail_from_new_addresses(14, 10)
    assert _retry_after(_post_login(client, "an", PASSWORD, address="10.2.0.3")) <= MAX_DELAY_S
    # the owner, from an address that has not been failing, gets in at once
    assert _post_login(limited.test_client(), "an", PASSWORD, address=OWNER).status_code == 302


def test_a_right_password_clears_the_count_of_its_address(limited, owner):
    for _round in range(2):
        client = limited.test_client()
        for _ in range(4):
            assert _post_login(client, "an", "go nham", address=OWNER).status_code == 200
        assert _post_login(client, "an", PASSWORD, address=OWNER).status_code == 302


def test_second_step_guesses_are_limited_per_address_and_the_owner_still_gets_in(
    app_with, db, place
):
    staff = make_user(db, "staff", place, username="canbo")
    secret = pyotp.random_base32(32)
    user = db.get(User, staff.id)
    user.totp_secret, user.totp_enabled = secret, True
    db.add(user)
    db.commit()
    app = app_with(RATELIMIT_ENABLED=True)

    def second_step(client, code, address):
        page = client.get("/login/two-step", environ_base={"REMOTE_ADDR": address})
        return client.post(
            "/login/two-step",
            data={"code": code, "csrf_token": csrf_from(page.text)},
            environ_base={"REMOTE_ADDR": address},
        )

    attacker = app.test_client()  # knows the password, guesses the code
    assert _post_login(attacker, "canbo", PASSWORD, address=ATTACKER).status_code == 302
    codes = [second_step(attacker, "000000", ATTACKER).status_code for _ in range(7)]
    assert codes == [200] * 5 + [429] * 2
    owner = app.test_client()
    response = _post_login(owner, "canbo", PASSWORD, address=OWNER)
    assert response.headers["Location"].endswith("/login/two-step")
    assert second_step(owner, pyotp.TOTP(secret).now(), OWNER).status_code == 302
    assert owner.get("/").status_code == 200


def _post_form(client, path, data, page="/account"):
    token = csrf_from(client.get(page).text)
    return client.post(path, data={**data, "csrf_token": token})


def test_guesses_of_the_current_password_are_limited(app_with, db, place):
    """A stolen session cannot try passwords on the forms that check the current one: the
    change-password form and the two-step settings share one count."""
    make_user(db, "staff", place, username="canbo")
    client = app_with(RATELIMIT_ENABLED=True).test_client()
    assert AuthActions(client).login("canbo").status_code == 302
    wrong = {"current_password": "khong phai", "new_password": "mot mat khau moi dai"}
    for _ in range(3):
        answer = _post_form(client, "/account", wrong)
        assert answer.status_code == 200 and "Mật khẩu hiện tại không đúng" in answer.text
    for _ in range(2):
        answer = _post_form(
            client, "/account/two-step/confirm", {"password": "doan thu", "code": "123456"}
        )
        assert answer.status_code == 200
    right = {"current_password": PASSWORD, "new_password": "mot mat khau moi dai"}
    refused = _post_form(client, "/account", right)
    assert refused.status_code == 429 and WAIT_TEXT.search(refused.text)


def test_a_right_current_password_clears_the_count(app_with, db, place):
    make_user(db, "volunteer", make_village(db), username="an")
    client = app_with(RATELIMIT_ENABLED=True).test_client()
    AuthActions(client).login("an")
    wrong = {"current_password": "khong phai", "new_password": "mot mat khau moi dai"}
    common = {"current_password": PASSWORD, "new_password": "password"}  # refused: too common
    for data in [wrong] * 4 + [common] + [wrong] * 4:
        assert _post_form(client, "/account", data).status_code == 200


# --- the server setup: several workers share the counts, or refuse to start ----------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server_env(**extra: str) -> dict[str, str]:
    env = {**os.environ, "CDT_SECRET_KEY": "rate-limit-test-secret", "CDT_ENV": "development"}
    for name in ("CDT_RATELIMIT_ENABLED", "CDT_RATELIMIT_STORAGE_URL", "WEB_CONCURRENCY"):
        env.pop(name, None)
    env.update(extra)
    return env


def _wait_until_serving(server: subprocess.Popen, base: str, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while server.poll() is None and time.monotonic() < deadline:
        with contextlib.suppress(requests.RequestException):
            if requests.get(f"{base}/healthz", timeout=1).ok:
                return
        time.sleep(0.2)
    pytest.fail("gunicorn did not start: " + server.stderr.read().decode()[-2000:])


def test_two_gunicorn_workers_share_the_counts_in_redis(app, owner):
    """The README's setup: gunicorn with 2 workers and Redis. 8 wrong passwords on new
    connections (spread over both workers): 5 are checked, the 6th and later get 429."""
    prefix = f"cdt-test-{uuid.uuid4().hex}"
    port = _free_port()
    env = _server_env(
        CDT_DATABASE_URL=app.config["CDT_DATABASE_URL"],
        CDT_RATELIMIT_STORAGE_URI=REDIS_URL,
        CDT_RATELIMIT_KEY_PREFIX=prefix,
        CDT_TRUSTED_PROXIES="1",  # the test sets the client address in X-Forwarded-For
    )
    server = subprocess.Popen(
        [str(GUNICORN), "-w", "2", "-b", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"

    def attempt(password: str, address: str) -> int:
        http = requests.Session()
        headers = {"X-Forwarded-For": address, "Connection": "close"}  # a new connection each
        page = http.get(f"{base}/login", headers=headers, timeout=10)
        data = {"username": "an", "password": password, "csrf_token": csrf_from(page.text)}
        answer = http.post(
            f"{base}/login", data=data, headers=headers, allow_redirects=False, timeout=10
        )
        return answer.status_code

    try:
        _wait_until_serving(server, base)
        workers = subprocess.run(
            ["ps", "--ppid", str(server.pid), "-o", "pid="], capture_output=True, text=True
        ).stdout.split()
        assert len(workers) == 2
        codes = [attempt(f"doan sai {i}", ATTACKER) for i in range(8)]
        assert codes == [200] * 5 + [429] * 3
        assert attempt(PASSWORD, OWNER) == 302  # the owner, from elsewhere, is not locked out
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
        server.stderr.close()
        store = redis.Redis.from_url(REDIS_URL)
        for key in store.scan_iter(f"*{prefix}*"):
            store.delete(key)
        store.close()


@pytest.mark.parametrize(
    ("args", "env"), [(["-w", "2"], {}), ([], {"WEB_CONCURRENCY": "2"})], ids=["-w", "env"]
)
def test_gunicorn_refuses_several_workers_with_counts_in_memory(args, env):
    environment = _server_env(CDT_RATELIMIT_STORAGE_URI="memory://", **env)
    port = _free_port()
    server = subprocess.run(
        [str(GUNICORN), *args, "-b", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert server.returncode != 0
    assert "2 workers with rate-limit counts in memory" in server.stderr
    assert "CDT_RATELIMIT_STORAGE_URI=redis://" in server.stderr


def test_the_worker_check():
    memory = {"CDT_RATELIMIT_STORAGE_URI": "memory://"}
    check_server_workers(1, memory)
    check_server_workers(4, {**memory, "CDT_RATELIMIT_ENABLED": "0"})  # nothing is counted
    check_server_workers(4, {"CDT_RATELIMIT_STORAGE_URI": REDIS_URL})
    check_server_workers(4, {"CDT_ENV": "production"})  # Redis on this machine by default
    with pytest.raises(ConfigError, match="4 workers"):
        check_server_workers(4, memory)
    with pytest.raises(ConfigError, match="does not answer"):
        check_server_workers(1, {"CDT_RATELIMIT_STORAGE_URI": "redis://127.0.0.1:1/0"})


def test_production_counts_in_redis_by_default(tmp_path, monkeypatch):
    for name in ("CDT_RATELIMIT_STORAGE_URI", "CDT_RATELIMIT_STORAGE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CDT_ENV", "production")
    config = load_config(tmp_path, {"SECRET_KEY": "k"})
    assert config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"
    monkeypatch.setenv("CDT_RATELIMIT_STORAGE_URI", "redis://cache.internal:6379/2")
    assert load_config(tmp_path, {"SECRET_KEY": "k"})["RATELIMIT_STORAGE_URI"].endswith("/2")

"""Login (ASVS 5.0 V6.3): rate limits per address and per account (memory and Redis storage),
a Vietnamese 429, no user enumeration, no open redirect, hash upgrade on login."""

from __future__ import annotations

import uuid

import pytest
import redis
from werkzeug.security import generate_password_hash

from cdt_app.auth.passwords import HASH_METHOD
from cdt_app.models import User
from tests.conftest import csrf_from
from tests.factories import PASSWORD, make_user, make_village

REDIS_URL = "redis://127.0.0.1:6379/0"
TOO_MANY = "Thử quá nhiều lần. Vui lòng đợi một lát rồi thử lại."


def _post_login(client, username, password, address="10.0.0.1"):
    page = client.get("/login", environ_base={"REMOTE_ADDR": address})
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf_from(page.text)},
        environ_base={"REMOTE_ADDR": address},
    )


def _limited(app_with, per_address: str, per_account: str):
    """The app with the login limits on, e.g. "3 per minute" from one address, for one account."""
    return app_with(
        RATELIMIT_ENABLED=True,
        CDT_LOGIN_LIMIT_ADDRESS=per_address,
        CDT_LOGIN_LIMIT_ACCOUNT=per_account,
    )


@pytest.fixture
def people(db):
    place = make_village(db)
    return {
        "an": make_user(db, "volunteer", place, username="an"),
        "binh": make_user(db, "volunteer", place, username="binh"),
    }


def test_too_many_attempts_from_one_address_get_429_in_vietnamese(app_with, people):
    limited = _limited(app_with, "3 per minute", "100 per minute")
    client = limited.test_client()
    for name in ("x1", "x2", "x3"):
        assert _post_login(client, name, "sai mat khau 1").status_code == 200
    refused = _post_login(client, "an", PASSWORD)
    assert refused.status_code == 429
    assert TOO_MANY in refused.text
    assert 'lang="vi"' in refused.text
    # another address is not affected
    assert _post_login(client, "an", PASSWORD, address="10.0.0.2").status_code == 302


def test_failed_logins_are_limited_per_account_across_addresses(app_with, people):
    """Past the account's threshold, the addresses that failed wait; a new address does not
    (OWASP: no lockout an attacker can impose on the owner)."""
    limited = _limited(app_with, "100 per minute", "3 per minute")
    client = limited.test_client()
    for i in range(6):  # the delay doubles past the 3rd failure: 8 s after the 6th
        assert _post_login(client, "an", "doan sai", address=f"10.1.0.{i}").status_code == 200
    # an address that failed for the account is paused, even with the right password
    assert _post_login(client, "an", PASSWORD, address="10.1.0.1").status_code == 429
    # the right password from a new address gets in: the owner is not locked out
    assert _post_login(client, " AN ", PASSWORD, address="10.9.9.9").status_code == 302
    # another account from the same addresses still works
    other = limited.test_client()
    assert _post_login(other, "binh", PASSWORD, address="10.1.0.1").status_code == 302


def test_successful_logins_do_not_use_up_the_account_limit(app_with, people):
    limited = _limited(app_with, "100 per minute", "2 per minute")
    for _ in range(4):
        client = limited.test_client()
        assert _post_login(client, "an", PASSWORD).status_code == 302


def test_memory_storage_is_the_default(app):
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"


def test_redis_storage_shares_counts_between_app_servers(app_with, people):
    """With CDT_RATELIMIT_STORAGE_URL=redis://…, the counts live in Redis: a second server
    process (here a second app built from scratch) sees the attempts made on the first."""
    prefix = f"cdt-test-{uuid.uuid4().hex}"
    settings = {
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "RATELIMIT_KEY_PREFIX": prefix,
        "CDT_LOGIN_LIMIT_ADDRESS": "100 per minute",
        "CDT_LOGIN_LIMIT_ACCOUNT_ADDRESS": "3 per minute",
    }
    server_a = app_with(**settings)
    client_a = server_a.test_client()
    for _ in range(3):
        assert _post_login(client_a, "an", "doan sai").status_code == 200
    store = redis.Redis.from_url(REDIS_URL)
    try:
        assert any(prefix in key.decode() for key in store.scan_iter(f"*{prefix}*"))
        server_b = app_with(**settings)  # a fresh process-level storage, same Redis
        client_b = server_b.test_client()
        assert _post_login(client_b, "an", PASSWORD).status_code == 429  # same address
        assert _post_login(client_b, "an", PASSWORD, address="10.7.7.7").status_code == 302
        client_c = server_b.test_client()
        assert _post_login(client_c, "binh", PASSWORD).status_code == 302
    finally:
        for key in store.scan_iter(f"*{prefix}*"):
            store.delete(key)
        store.close()


def test_a_new_memory_storage_starts_from_zero(app_with, people):
    """The contrast with Redis: memory counts belong to one process only."""
    settings = {
        "RATELIMIT_ENABLED": True,
        "CDT_LOGIN_LIMIT_ADDRESS": "100 per minute",
        "CDT_LOGIN_LIMIT_ACCOUNT_ADDRESS": "1 per minute",
    }
    first = app_with(**settings).test_client()
    assert _post_login(first, "an", "doan sai").status_code == 200
    assert _post_login(first, "an", PASSWORD).status_code == 429
    second = app_with(**settings).test_client()
    assert _post_login(second, "an", PASSWORD).status_code == 302


def test_unknown_user_and_wrong_password_get_the_same_answer(client, people):
    unknown = _post_login(client, "khong-co-ai", "mot mat khau bat ky")
    wrong = _post_login(client, "an", "mot mat khau bat ky")
    assert unknown.status_code == wrong.status_code == 200

    def _error(html):
        return html.split('class="error"', 1)[1].split("</p>", 1)[0]

    assert _error(unknown.text) == _error(wrong.text)


def test_inactive_user_cannot_log_in(client, db, people):
    user = db.get(User, people["an"].id)
    user.active = False
    db.add(user)
    db.commit()
    assert _post_login(client, "an", PASSWORD).status_code == 200
    assert client.get("/").status_code == 302


@pytest.mark.parametrize(
    "target", ["//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:x"]
)
def test_login_never_redirects_off_site(client, people, target):
    page = client.get("/login")
    response = client.post(
        f"/login?next={target}",
        data={"username": "an", "password": PASSWORD, "csrf_token": csrf_from(page.text)},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_login_follows_a_local_next(client, people):
    page = client.get("/login")
    response = client.post(
        "/login?next=/account",
        data={"username": "an", "password": PASSWORD, "csrf_token": csrf_from(page.text)},
    )
    assert response.headers["Location"] == "/account"


def test_login_without_csrf_token_is_refused(client, people):
    response = client.post("/login", data={"username": "an", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/").status_code == 302


def test_login_form_fields_help_password_managers(client):
    html = client.get("/login").text
    assert 'type="password"' in html
    assert 'autocomplete="current-password"' in html and 'autocomplete="username"' in html
    assert "onpaste" not in html  # pasting is allowed


def test_old_hash_is_upgraded_at_login(client, db, people):
    user = db.get(User, people["an"].id)
    user.password_hash = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
    db.add(user)
    db.commit()
    assert _post_login(client, "an", PASSWORD).status_code == 302
    db.rollback()  # end the read snapshot, then reload: see the app's commits
    db.expire_all()
    assert db.get(User, user.id).password_hash.startswith(HASH_METHOD + "$")


def test_login_is_logged_without_the_password(client, people, caplog):
    import logging

    with caplog.at_level(logging.DEBUG):
        _post_login(client, "an", "sai-mat-khau-123")
        _post_login(client, "an", PASSWORD)
    assert "login failed" in caplog.text and "login succeeded" in caplog.text
    assert "sai-mat-khau-123" not in caplog.text and PASSWORD not in caplog.text

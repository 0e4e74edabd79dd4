"""Sessions (ASVS 5.0 V7, V3.3): cookie flags, a new session at login, logout / password change /
deactivation ending every session, idle and absolute timeouts, a forced password change."""

from __future__ import annotations

from datetime import timedelta

from cdt_app.auth.session import LOGIN_AT, SEEN_AT, now
from cdt_app.config import load_config
from cdt_app.models import User
from cdt_app.users.services import UserInput, update_user
from tests.conftest import AuthActions, csrf_from
from tests.factories import PASSWORD, make_user, make_village


def _volunteer(db, username="tv1"):
    place = make_village(db)
    return make_user(db, "volunteer", place, username=username)


def _logged_in(client) -> bool:
    response = client.get("/")
    return response.status_code == 200


def _set_cookie_header(response, name="session") -> str:
    headers = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(name + "=")]
    assert headers, f"no {name} cookie set"
    return headers[-1]


def test_session_cookie_is_httponly_and_samesite_lax_but_not_secure_in_development(
    client, auth, db
):
    _volunteer(db)
    response = auth.login("tv1")
    cookie = _set_cookie_header(response)
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie


def test_session_cookie_is_secure_with_host_prefix_outside_development(app_with, db):
    _volunteer(db)
    secure_app = app_with(SESSION_COOKIE_SECURE=True)
    client = secure_app.test_client()
    page = client.get("/login", base_url="https://localhost")
    response = client.post(
        "/login",
        base_url="https://localhost",
        headers={"Referer": "https://localhost/login"},  # Flask-WTF checks it over HTTPS
        data={"username": "tv1", "password": PASSWORD, "csrf_token": csrf_from(page.text)},
    )
    assert response.status_code == 302
    cookie = _set_cookie_header(response, "__Host-session")
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Path=/" in cookie and "Domain" not in cookie


def test_production_defaults_to_secure_cookies(tmp_path):
    config = load_config(tmp_path, {"CDT_ENV": "production", "SECRET_KEY": "k" * 64})
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["SESSION_COOKIE_HTTPONLY"] is True
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_login_starts_a_new_session(client, auth, db):
    _volunteer(db)
    client.get("/login")
    with client.session_transaction() as session:
        session["planted_by_attacker"] = "x"
    before = client.get_cookie("session").value
    auth.login("tv1")
    assert client.get_cookie("session").value != before
    with client.session_transaction() as session:
        assert "planted_by_attacker" not in session
        assert isinstance(session[LOGIN_AT], int) and isinstance(session[SEEN_AT], int)


def test_logout_ends_every_session_of_the_user(app, client, auth, db):
    _volunteer(db)
    auth.login("tv1")
    other = app.test_client()
    AuthActions(other).login("tv1")
    stolen_cookie = client.get_cookie("session").value
    assert _logged_in(client) and _logged_in(other)

    response = auth.logout()
    assert response.status_code == 302 and response.headers["Clear-Site-Data"] == '"cache"'
    assert not _logged_in(client)
    assert not _logged_in(other)  # the phone's session ended too
    replay = app.test_client()
    replay.set_cookie("session", stolen_cookie)  # an old cookie replayed after logout
    assert replay.get("/").status_code == 302


def test_password_change_keeps_this_session_and_ends_the_others(app, client, auth, db):
    _volunteer(db)
    auth.login("tv1")
    other = app.test_client()
    AuthActions(other).login("tv1")
    page = client.get("/account")
    response = client.post(
        "/account",
        data={
            "current_password": PASSWORD,
            "new_password": "mot buoi sang o Phu Quy",
            "csrf_token": csrf_from(page.text),
        },
    )
    assert response.status_code == 302
    assert _logged_in(client)
    assert not _logged_in(other)


def test_deactivation_ends_every_session(app, client, auth, db):
    user = _volunteer(db)
    auth.login("tv1")
    assert _logged_in(client)
    user = db.get(User, user.id)
    update_user(
        db,
        None,
        user,
        UserInput(
            username=user.username,
            display_name=user.display_name,
            role=user.role,
            place_id=user.place_id,
            active=False,
        ),
    )
    db.commit()
    assert not _logged_in(client)
    # and the old password no longer opens a session
    response = auth.login("tv1")
    assert response.status_code == 200 and not _logged_in(client)


def test_idle_timeout_logs_out(client, auth, db):
    _volunteer(db)
    auth.login("tv1")
    with client.session_transaction() as session:
        session[SEEN_AT] = int(now()) - 8 * 3600 - 5
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert "phiên làm việc đã kết thúc" in client.get("/login").text.lower()


def test_activity_keeps_the_session_alive(client, auth, db):
    _volunteer(db)
    auth.login("tv1")
    with client.session_transaction() as session:
        session[SEEN_AT] = int(now()) - 7 * 3600
    assert _logged_in(client)
    with client.session_transaction() as session:
        assert now() - session[SEEN_AT] < 60  # refreshed in the signed cookie


def test_absolute_timeout_logs_out_even_when_active(client, auth, db):
    _volunteer(db)
    auth.login("tv1")
    with client.session_transaction() as session:
        session[LOGIN_AT] = int(now()) - 24 * 3600 - 5
        session[SEEN_AT] = int(now())
    assert not _logged_in(client)


def test_timeouts_are_configurable(tmp_path, monkeypatch):
    monkeypatch.setenv("CDT_IDLE_TIMEOUT_HOURS", "2")
    monkeypatch.setenv("CDT_ABSOLUTE_TIMEOUT_HOURS", "12")
    config = load_config(tmp_path, {"SECRET_KEY": "k"})
    assert config["CDT_IDLE_TIMEOUT"] == timedelta(hours=2)
    assert config["CDT_ABSOLUTE_TIMEOUT"] == timedelta(hours=12)
    monkeypatch.delenv("CDT_IDLE_TIMEOUT_HOURS")
    monkeypatch.delenv("CDT_ABSOLUTE_TIMEOUT_HOURS")
    default = load_config(tmp_path, {"SECRET_KEY": "k"})
    assert default["CDT_IDLE_TIMEOUT"] == timedelta(hours=8)


def test_short_idle_timeout_from_config(app_with, db):
    _volunteer(db)
    short = app_with(CDT_IDLE_TIMEOUT=timedelta(minutes=10))
    client = short.test_client()
    AuthActions(client).login("tv1")
    with client.session_transaction() as session:
        session[SEEN_AT] = int(now()) - 11 * 60
    assert client.get("/").status_code == 302


def test_a_session_cookie_without_timestamps_is_not_accepted(client, auth, db):
    _volunteer(db)
    auth.login("tv1")
    with client.session_transaction() as session:
        del session[LOGIN_AT]
    assert not _logged_in(client)


def test_user_who_must_change_password_is_sent_to_change_it(client, auth, db):
    place = make_village(db)
    lead = make_user(db, "team_lead", place, username="lead")
    from cdt_app.users.services import create_user

    create_user(
        db,
        lead,
        UserInput(
            username="moi",
            display_name="Mới",
            role="volunteer",
            place_id=place.id,
            password="mat khau tam thoi 1",
        ),
        actor_place=place,
    )
    db.commit()
    response = auth.login("moi", "mat khau tam thoi 1")
    assert response.headers["Location"].endswith("/account")
    for path in ("/", "/users/", "/places/"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"].endswith("/account")
    page = client.get("/account")
    assert page.status_code == 200
    client.post(
        "/account",
        data={
            "current_password": "mat khau tam thoi 1",
            "new_password": "song nuoc Phu Quy xanh",
            "csrf_token": csrf_from(page.text),
        },
    )
    assert client.get("/").status_code == 200


def test_api_answers_403_until_the_password_is_changed(client, auth, db):
    place = make_village(db)
    user = make_user(db, "volunteer", place, username="moi")
    user = db.get(User, user.id)
    user.must_change_password = True
    db.add(user)
    db.commit()
    auth.login("moi")
    response = client.get("/api/v1/me")
    assert response.status_code == 403
    assert "mật khẩu" in response.json["error"]

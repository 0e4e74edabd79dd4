"""Two-step login (ASVS 5.0 V6.5): TOTP required for admins, optional for staff and
coordinators, codes used once, one-time recovery codes stored hashed."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from sqlalchemy import select

from cdt_app.auth.session import now
from cdt_app.config import load_config
from cdt_app.models import RecoveryCode, User
from tests.conftest import AuthActions, csrf_from
from tests.factories import PASSWORD, make_place, make_user, make_village


def _code(secret: str, offset_steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(time.time() + 30 * offset_steps)


def _post(client, path, data, page_path=None):
    page = client.get(page_path or path)
    return client.post(path, data={**data, "csrf_token": csrf_from(page.text)})


def _enrol(client, db, user_id) -> tuple[str, list[str]]:
    """Set up two-step login through the pages; returns (secret, recovery codes)."""
    page = client.get("/account/two-step")
    client.post("/account/two-step/start", data={"csrf_token": csrf_from(page.text)})
    page = client.get("/account/two-step")
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page.text).group(1)
    assert "otpauth://totp/" in page.text
    response = client.post(
        "/account/two-step/confirm",
        data={"code": _code(secret), "password": PASSWORD, "csrf_token": csrf_from(page.text)},
    )
    assert response.status_code == 200, response.text
    codes = re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", response.text)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert response.headers["Cache-Control"] == "no-store"
    db.rollback()  # end the read snapshot, then reload: see the app's commits
    db.expire_all()
    assert db.get(User, user_id).totp_enabled
    return secret, codes


@pytest.fixture
def place(db):
    return make_place(db, "Tỉnh A", "tinh")


@pytest.fixture
def strict_client(app_with):
    """The app as deployed: admins must use two-step login."""
    return app_with(CDT_ADMIN_TOTP_REQUIRED=True).test_client()


def test_admin_two_step_is_required_by_default(tmp_path, monkeypatch):
    monkeypatch.delenv("CDT_DEMO", raising=False)
    monkeypatch.delenv("CDT_ADMIN_TOTP_REQUIRED", raising=False)
    assert load_config(tmp_path, {"SECRET_KEY": "k"})["CDT_ADMIN_TOTP_REQUIRED"] is True
    monkeypatch.setenv("CDT_ENV", "production")
    monkeypatch.setenv("CDT_DEMO", "1")  # ignored in production
    assert load_config(tmp_path, {"SECRET_KEY": "k"})["CDT_ADMIN_TOTP_REQUIRED"] is True


def test_the_demo_does_not_force_two_step_on_its_published_admin(tmp_path, monkeypatch):
    monkeypatch.delenv("CDT_ENV", raising=False)
    monkeypatch.delenv("CDT_ADMIN_TOTP_REQUIRED", raising=False)
    monkeypatch.setenv("CDT_DEMO", "1")
    assert load_config(tmp_path, {"SECRET_KEY": "k"})["CDT_ADMIN_TOTP_REQUIRED"] is False


def test_admin_without_two_step_is_sent_to_enrol_before_anything_else(strict_client, db, place):
    admin = make_user(db, "admin", place, username="quantri")
    response = AuthActions(strict_client).login("quantri")
    assert response.status_code == 302
    for path in ("/", "/users/", "/places/"):
        blocked = strict_client.get(path)
        assert blocked.status_code == 302
        assert blocked.headers["Location"].endswith("/account/two-step")
    _enrol(strict_client, db, admin.id)
    assert strict_client.get("/").status_code == 200


def test_login_with_two_step(strict_client, app_with, db, place):
    admin = make_user(db, "admin", place, username="quantri")
    AuthActions(strict_client).login("quantri")
    secret, _codes = _enrol(strict_client, db, admin.id)

    client = app_with(CDT_ADMIN_TOTP_REQUIRED=True).test_client()
    response = AuthActions(client).login("quantri")
    assert response.headers["Location"].endswith("/login/two-step")
    assert client.get("/").status_code == 302  # the password alone opens nothing
    wrong = _post(client, "/login/two-step", {"code": "000000"})
    assert wrong.status_code == 200 and client.get("/").status_code == 302
    ok = _post(client, "/login/two-step", {"code": _code(secret, 1)})
    assert ok.status_code == 302
    assert client.get("/").status_code == 200


def test_a_totp_code_is_accepted_once_only(strict_client, app_with, db, place):
    admin = make_user(db, "admin", place, username="quantri")
    AuthActions(strict_client).login("quantri")
    secret, _codes = _enrol(strict_client, db, admin.id)
    code = _code(secret, 1)
    first = app_with().test_client()
    AuthActions(first).login("quantri")
    assert _post(first, "/login/two-step", {"code": code}).status_code == 302
    second = app_with().test_client()
    AuthActions(second).login("quantri")
    replay = _post(second, "/login/two-step", {"code": code})
    assert replay.status_code == 200 and second.get("/").status_code == 302


def test_recovery_codes_work_once_and_are_stored_hashed(strict_client, app_with, db, place):
    admin = make_user(db, "admin", place, username="quantri")
    AuthActions(strict_client).login("quantri")
    _secret, codes = _enrol(strict_client, db, admin.id)
    stored = db.scalars(select(RecoveryCode).where(RecoveryCode.user_id == admin.id)).all()
    assert len(stored) == 10
    for row in stored:
        assert row.code_hash.startswith("scrypt:")
        assert all(code.replace("-", "") not in row.code_hash for code in codes)

    client = app_with().test_client()
    AuthActions(client).login("quantri")
    assert _post(client, "/login/two-step", {"code": codes[3].upper()}).status_code == 302
    again = app_with().test_client()
    AuthActions(again).login("quantri")
    assert _post(again, "/login/two-step", {"code": codes[3]}).status_code == 200
    assert again.get("/").status_code == 302


def test_new_recovery_codes_replace_the_old_ones(strict_client, app_with, db, place):
    admin = make_user(db, "admin", place, username="quantri")
    AuthActions(strict_client).login("quantri")
    _secret, old_codes = _enrol(strict_client, db, admin.id)
    page = strict_client.get("/account")  # any form's token: it belongs to the session
    response = strict_client.post(
        "/account/two-step/recovery-codes",
        data={"recovery-password": PASSWORD, "recovery-csrf_token": csrf_from(page.text)},
    )
    new_codes = re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", response.text)
    assert len(new_codes) == 10 and not set(new_codes) & set(old_codes)
    client = app_with().test_client()
    AuthActions(client).login("quantri")
    assert _post(client, "/login/two-step", {"code": old_codes[0]}).status_code == 200
    assert _post(client, "/login/two-step", {"code": new_codes[0]}).status_code == 302


def test_enrolment_needs_the_password_and_a_right_code(client, auth, db, place):
    staff = make_user(db, "staff", place, username="canbo")
    auth.login("canbo")
    page = client.get("/account/two-step")
    client.post("/account/two-step/start", data={"csrf_token": csrf_from(page.text)})
    page = client.get("/account/two-step")
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page.text).group(1)
    assert len(secret) >= 32  # 160 bits from a CSPRNG
    bad_password = client.post(
        "/account/two-step/confirm",
        data={"code": _code(secret), "password": "sai", "csrf_token": csrf_from(page.text)},
    )
    bad_code = client.post(
        "/account/two-step/confirm",
        data={"code": "123456", "password": PASSWORD, "csrf_token": csrf_from(page.text)},
    )
    assert bad_password.status_code == bad_code.status_code == 200
    db.rollback()  # end the read snapshot, then reload: see the app's commits
    db.expire_all()
    assert not db.get(User, staff.id).totp_enabled


def test_turning_two_step_on_ends_other_sessions(app, client, auth, db, place):
    staff = make_user(db, "staff", place, username="canbo")
    auth.login("canbo")
    other = app.test_client()
    AuthActions(other).login("canbo")
    _enrol(client, db, staff.id)
    assert client.get("/").status_code == 200
    assert other.get("/").status_code == 302


def _turn_two_step_off(client) -> None:
    page = client.get("/account")
    client.post(
        "/account/two-step/disable",
        data={"disable-password": PASSWORD, "disable-csrf_token": csrf_from(page.text)},
    )


def test_staff_may_turn_two_step_off_but_admins_may_not(strict_client, client, auth, db, place):
    staff = make_user(db, "staff", place, username="canbo")
    auth.login("canbo")
    _enrol(client, db, staff.id)
    _turn_two_step_off(client)
    db.rollback()  # end the read snapshot, then reload: see the app's commits
    db.expire_all()
    assert not db.get(User, staff.id).totp_enabled

    admin = make_user(db, "admin", place, username="quantri")
    AuthActions(strict_client).login("quantri")
    _enrol(strict_client, db, admin.id)
    assert "/account/two-step/disable" not in strict_client.get("/account/two-step").text
    _turn_two_step_off(strict_client)
    db.rollback()  # end the read snapshot, then reload: see the app's commits
    db.expire_all()
    assert db.get(User, admin.id).totp_enabled


@pytest.mark.parametrize("role", ["volunteer", "team_lead"])
def test_two_step_settings_are_not_offered_to_field_roles(client, auth, db, role):
    make_user(db, role, make_village(db), username="field")
    auth.login("field")
    assert client.get("/account/two-step").status_code == 404
    assert "/account/two-step" not in client.get("/account").text


@pytest.mark.parametrize("role", ["coordinator", "staff"])
def test_two_step_is_optional_for_coordinators_and_staff(strict_client, db, place, role):
    make_user(db, role, place, username="optional")
    AuthActions(strict_client).login("optional")
    assert strict_client.get("/").status_code == 200
    assert strict_client.get("/account/two-step").status_code == 200


def test_the_second_step_expires(strict_client, app_with, db, place):
    admin = make_user(db, "admin", place, username="quantri")
    AuthActions(strict_client).login("quantri")
    secret, _codes = _enrol(strict_client, db, admin.id)
    client = app_with().test_client()
    AuthActions(client).login("quantri")
    with client.session_transaction() as session:
        session["pending_login"] = {**session["pending_login"], "at": int(now()) - 301}
    response = client.get("/login/two-step")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")

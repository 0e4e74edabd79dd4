"""``cdt demo``: the demo data set and accounts of DESIGN section 8, as ``make run`` serves
them (CDT_DEMO=1), loaded once, never in production."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from cdt_app import create_app
from cdt_app.demo import ACCOUNTS, COMMUNE_A, COMMUNE_B, DEMO_PASSWORD
from cdt_app.models import Household, Place, User, Visit
from tests.conftest import csrf_from


@pytest.fixture
def demo_app(app, monkeypatch):
    """The app as ``make run`` starts it: CDT_DEMO=1 in the environment, defaults otherwise."""
    monkeypatch.setenv("CDT_DEMO", "1")
    keys = ("TESTING", "CDT_ENV", "SECRET_KEY", "CDT_DATABASE_URL")
    demo = create_app({**{k: app.config[k] for k in keys}, "RATELIMIT_ENABLED": False})
    assert demo.config["CDT_DEMO"] is True
    yield demo
    demo.extensions["cdt_engine"].dispose()


@pytest.fixture
def loaded(demo_app):
    result = demo_app.test_cli_runner().invoke(args=["cdt", "demo"])
    assert result.exit_code == 0, result.output
    assert "Đã nạp dữ liệu minh họa" in result.output
    return demo_app


#: username → the role's home page shows this (the home page greets the user by name)
HOMES = {username: name for username, name, _role, _where in ACCOUNTS}


@pytest.mark.parametrize("username", list(HOMES))
def test_each_demo_account_logs_in_and_lands_on_its_home_page(loaded, username):
    client = loaded.test_client()
    login = client.get("/login")
    assert "Tài khoản minh họa" in login.text and f"<code>{username}</code>" in login.text
    response = client.post(
        "/login",
        data={"username": username, "password": DEMO_PASSWORD, "csrf_token": csrf_from(login.text)},
    )
    assert response.status_code == 302 and response.location == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert f"Xin chào, {HOMES[username]}" in home.text
    assert "Dữ liệu minh họa" in home.text  # the banner marks the data as invented


def test_demo_places_and_scopes(loaded, db):
    db.rollback()
    province = db.scalar(select(Place).where(Place.code == "68"))
    assert province.name == "Tỉnh Lâm Đồng"
    assert db.scalar(select(func.count()).where(Place.parent_id == province.id)) == 124
    users = {u.username: u for u in db.scalars(select(User))}
    places = {p.id: p for p in db.scalars(select(Place))}
    assert places[users["doan"].place_id].code == COMMUNE_A  # Đặc khu Phú Quý
    lead_village = places[users["totruong"].place_id]
    assert lead_village.is_village and places[lead_village.parent_id].code == COMMUNE_A
    assert users["tinhnguyen"].place_id == lead_village.id
    other = places[users["tinhnguyen2"].place_id]
    assert other.is_village and places[other.parent_id].code == COMMUNE_B
    assert users["canbo"].role == "staff" and users["canbo"].place_id == province.id
    assert db.scalar(select(func.count()).select_from(Household)) > 100
    assert db.scalar(select(func.count()).select_from(Visit)) > 50


def test_demo_loads_only_once(loaded, db):
    db.rollback()
    counts = [db.scalar(select(func.count()).select_from(t)) for t in (Place, User, Household)]
    again = loaded.test_cli_runner().invoke(args=["cdt", "demo"])
    assert again.exit_code == 0 and "Dữ liệu minh họa đã có sẵn." in again.output
    db.rollback()
    assert [db.scalar(select(func.count()).select_from(t)) for t in (Place, User, Household)] == (
        counts
    )


def test_demo_is_refused_in_production(app, db, monkeypatch):
    monkeypatch.setenv("CDT_DEMO", "1")
    production = create_app(
        {
            "CDT_ENV": "production",
            "SECRET_KEY": "a-real-secret-from-the-environment",
            "CDT_DATABASE_URL": app.config["CDT_DATABASE_URL"],
        }
    )
    assert production.config["CDT_DEMO"] is False
    assert production.config["CDT_ADMIN_TOTP_REQUIRED"] is True
    result = production.test_cli_runner().invoke(args=["cdt", "demo"])
    production.extensions["cdt_engine"].dispose()
    assert result.exit_code == 1
    assert "Không nạp dữ liệu minh họa trong môi trường production." in result.output
    db.rollback()
    assert db.scalar(select(func.count()).select_from(User)) == 0


def test_demo_accounts_are_not_listed_outside_demo_mode(client):
    assert "demo-cds-2026" not in client.get("/login").text

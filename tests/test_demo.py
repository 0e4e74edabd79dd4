"""``cdt demo``: the demo data set and accounts of DESIGN section 8, as ``make run`` serves
them (CDT_DEMO=1), loaded once, never in production; a month of work worth showing: every
team in its own village, communes at different stages, returned visits with their review."""

from __future__ import annotations

import re
import shutil
import sqlite3
from contextlib import closing
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from cdt_app import create_app
from cdt_app.demo import ACCOUNTS, COMMUNE_A, COMMUNE_B, DEMO_PASSWORD
from cdt_app.i18n import today_local
from cdt_app.models import AuditLog, Household, Place, User, Visit, VisitStatusChange, utcnow
from cdt_app.reports.queries import Period, coverage_report
from cdt_app.review.queries import waiting_count
from tests.conftest import PG_URL, csrf_from


def _invoke_demo(app) -> str:
    result = app.test_cli_runner().invoke(args=["cdt", "demo"])
    assert result.exit_code == 0, result.output
    assert "Đã nạp dữ liệu minh họa" in result.output
    return result.output


@pytest.fixture(scope="module")
def demo_template(database_template, tmp_path_factory):
    """SQLite: the demo loaded once for this module (it takes seconds) into a file that each
    test copies into its own fresh database; PostgreSQL: None, each test loads it."""
    if PG_URL:
        return None
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    shutil.copyfile(database_template, path)
    loader = create_app(
        {
            "TESTING": True,
            "CDT_ENV": "testing",
            "SECRET_KEY": "test-secret-key",
            "CDT_DATABASE_URL": f"sqlite:///{path}",
        }
    )
    _invoke_demo(loader)
    loader.extensions["cdt_engine"].dispose()
    return path


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
def loaded(app, demo_app, demo_template):
    """The test's database with the demo loaded (a copy of the module's one on SQLite)."""
    if demo_template is None:
        _invoke_demo(demo_app)
        return demo_app
    for engine in (app.extensions["cdt_engine"], demo_app.extensions["cdt_engine"]):
        engine.dispose()
    target = app.config["CDT_DATABASE_URL"].removeprefix("sqlite:///")
    with closing(sqlite3.connect(demo_template)) as source:
        with closing(sqlite3.connect(target)) as copy:
            source.backup(copy)
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


# --- a month of work worth showing ----------------------------------------------------------


def _login(app, username: str):
    client = app.test_client()
    page = client.get("/login")
    response = client.post(
        "/login",
        data={"username": username, "password": DEMO_PASSWORD, "csrf_token": csrf_from(page.text)},
    )
    assert response.status_code == 302
    return client


def test_every_visit_is_in_its_authors_village(loaded, db):
    db.rollback()
    rows = db.execute(
        select(Visit.village_id, Household.village_id, User.place_id, User.role)
        .join(Household, Household.id == Visit.household_id)
        .join(User, User.id == Visit.volunteer_id)
    ).all()
    assert all(visit == household == author for visit, household, author, _role in rows)
    assert len(rows) > 300
    assert {role for *_villages, role in rows} == {"team_lead", "volunteer"}
    # every village with visits has its own team of one or two
    teams = dict(
        db.execute(
            select(User.place_id, func.count())
            .where(User.role.in_(("team_lead", "volunteer")))
            .group_by(User.place_id)
        ).all()
    )
    assert {village for village, *_rest in rows} <= set(teams)
    assert set(teams.values()) <= {1, 2}


def test_returned_visits_carry_their_reviewer_date_and_reason(loaded, db):
    db.rollback()
    returned = db.scalars(select(Visit).where(Visit.status == "returned")).all()
    assert len(returned) >= 5
    now = utcnow()
    for visit in returned:
        assert visit.reviewed_by_id and visit.reviewed_at and visit.review_note
        assert visit.created_at <= visit.reviewed_at <= now
        last = db.scalars(
            select(VisitStatusChange)
            .where(VisitStatusChange.visit_id == visit.id)
            .order_by(VisitStatusChange.at.desc(), VisitStatusChange.id.desc())
        ).first()
        assert (last.to_status, last.actor_id, last.reason) == (
            "returned",
            visit.reviewed_by_id,
            visit.review_note,
        )
        assert last.at == visit.reviewed_at
        audit = db.scalars(
            select(AuditLog).where(
                AuditLog.object_type == "visit",
                AuditLog.object_id == str(visit.id),
                AuditLog.action == "review",
            )
        ).all()
        assert [entry.actor_id for entry in audit][-1] == visit.reviewed_by_id
    # the others: reviewed ones carry their reviewer too, none is dated in the future
    approved = db.scalars(select(Visit).where(Visit.status == "approved")).all()
    assert len(approved) > len(returned) * 10
    assert all(v.reviewed_by_id and v.reviewed_at <= now for v in approved)
    assert db.scalar(select(func.count()).where(Visit.visited_on > today_local())) == 0


def test_reviewers_have_visits_waiting(loaded, db):
    db.rollback()
    users = {u.username: u for u in db.scalars(select(User))}
    with loaded.app_context():  # the scope helpers cache the user's place per request
        assert waiting_count(db, users["doan"]) >= 5
        assert waiting_count(db, users["totruong"]) >= 1


def _commune_coverage(db, province: Place, end) -> dict[str, float]:
    period = Period(start=None, end=end, approved_only=False, preset="custom")
    report = coverage_report(db, province, period, "children", source="raw")
    return {row.name: row.figures.coverage for row in report.rows if row.figures.target_households}


def test_communes_progress_over_a_month(loaded, db):
    db.rollback()
    today = today_local()
    first, last = db.execute(select(func.min(Visit.visited_on), func.max(Visit.visited_on))).one()
    assert today - timedelta(days=35) <= first <= today - timedelta(days=25)
    assert today - timedelta(days=2) <= last <= today
    province = db.scalar(select(Place).where(Place.code == "68"))
    now = _commune_coverage(db, province, today)
    working = sorted(c for c in now.values() if 0.05 <= c <= 0.95)
    assert len(working) >= 3, now
    assert working[-1] - working[0] >= 0.5, now  # spread out: from just begun to nearly done
    leader = max(now, key=now.get)
    assert now[leader] >= 0.85
    assert _commune_coverage(db, province, today - timedelta(days=25))[leader] <= 0.1


def test_tinhnguyen_can_fix_each_of_her_returned_visits(loaded, db):
    db.rollback()
    her = db.scalar(select(User).where(User.username == "tinhnguyen"))
    returned = db.scalars(
        select(Visit.id).where(Visit.volunteer_id == her.id, Visit.status == "returned")
    ).all()
    client = _login(loaded, "tinhnguyen")
    edits = [f"/visits/{visit_id}/edit" for visit_id in returned]
    assert [client.get(edit).status_code for edit in edits] == [200] * len(edits)
    assert 3 <= len(returned) <= 6
    # her home page counts them and shows the latest three, each with who returned it, when,
    # and a link to fix it; "Xem tất cả" leads to all of them, first in "Lượt của tôi"
    home = client.get("/").text
    shown = min(3, len(returned))
    assert f"Bị trả lại, cần bạn sửa ({len(returned)})" in home
    assert len(re.findall(r"trả lại ngày \d\d/\d\d/\d{4}<", home)) == shown
    fix_links = re.findall(r'href="(/visits/[0-9a-f-]+/edit)"', home)
    assert len(fix_links) == shown and set(fix_links) <= set(edits)
    if len(returned) > shown:
        assert f'href="/visits/mine#returned">Xem tất cả ({len(returned)})<' in home
    mine = client.get("/visits/mine").text
    assert f"Bị trả lại, cần sửa ({len(returned)})" in mine
    assert all(f"/visits/{visit_id}" in mine for visit_id in returned)


def test_the_demo_profiles_rise_and_about_70_percent_are_known(loaded, db):
    """Issue 14: ~70 % of the demo households have a profile; the indicators climb over the
    demo's weeks in several communes."""
    from cdt_app.indicators.services import indicator_report
    from cdt_app.models import Household

    db.rollback()
    today = today_local()
    households = db.scalars(select(Household)).all()
    known = sum(h.adults is not None for h in households) / len(households)
    assert 0.6 <= known <= 0.85, known
    province = db.scalar(select(Place).where(Place.code == "68"))
    now = indicator_report(db, province, today)
    before = indicator_report(db, province, today - timedelta(days=20))
    assert now.totals.figures["profiled_households"] > before.totals.figures["profiled_households"]
    rising = [
        row.place.name
        for row, old in zip(now.rows, before.rows, strict=True)
        if row.figures["vneid_level2"] > old.figures["vneid_level2"]
    ]
    assert len(rising) >= 2, rising
    assert 0 < now.totals.figures["smartphone_rate"] < 1

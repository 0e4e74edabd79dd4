"""Fixtures: a fresh database per test (SQLite by default, PostgreSQL when
CDT_TEST_DATABASE_URL is set), the app, its client and CLI runner, an auth helper, a world
factory, and a live server with Chromium for browser tests."""

from __future__ import annotations

import os
import re
import shutil
import threading
from functools import partial

import pytest

# cheap hashes in tests; the production cost is measured in bench/
os.environ.setdefault("CDT_PASSWORD_HASH_METHOD", "scrypt:1024:8:1")

from sqlalchemy import create_engine, text  # noqa: E402
from sqlmodel import Session, SQLModel  # noqa: E402

import cdt_app.models  # noqa: E402,F401
from cdt_app import create_app  # noqa: E402
from cdt_app.db import make_engine  # noqa: E402
from cdt_app.skills.seed import seed_skills  # noqa: E402
from tests.factories import PASSWORD, build_world  # noqa: E402

PG_URL = os.environ.get("CDT_TEST_DATABASE_URL", "")
CHROMIUM = os.environ.get("CDT_CHROMIUM", "/usr/bin/chromium")
REQUIRE_BROWSER = os.environ.get("CDT_REQUIRE_BROWSER") == "1"


def _worker_pg_url(worker: str) -> str:
    """One PostgreSQL database per xdist worker, created on first use."""
    base, _, name = PG_URL.rpartition("/")
    db_name = name if worker == "master" else f"{name}_{worker}"
    admin = create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": db_name}
        ).scalar()
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{db_name}"'))
    admin.dispose()
    return f"{base}/{db_name}"


@pytest.fixture(scope="session")
def database_template(tmp_path_factory, worker_id):
    """The schema made once per run: a SQLite file to copy, or a PostgreSQL database."""
    if PG_URL:
        url = _worker_pg_url(worker_id)
        engine = make_engine(url)
        SQLModel.metadata.drop_all(engine)
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        SQLModel.metadata.create_all(engine)
        engine.dispose()
        return url
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    SQLModel.metadata.create_all(engine)
    engine.dispose()
    return str(path)


def _fresh_database(template: str, tmp_path) -> str:
    if PG_URL:
        engine = create_engine(template)
        tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
        with engine.begin() as conn:
            # a request of the previous test's live server may still hold a connection:
            # end every other session on this database so TRUNCATE cannot deadlock with it
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        engine.dispose()
        return template
    path = tmp_path / "test.sqlite3"
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def app(database_template, tmp_path):
    url = _fresh_database(database_template, tmp_path)
    app = create_app(
        {
            "TESTING": True,
            "CDT_ENV": "testing",
            "SECRET_KEY": "test-secret-key",
            "CDT_DATABASE_URL": url,
            "CDT_DEMO": False,
            "RATELIMIT_ENABLED": False,
            # on by default; tests/test_auth_totp.py and the access matrix test it turned on
            "CDT_ADMIN_TOTP_REQUIRED": False,
        }
    )
    engine = app.extensions["cdt_engine"]
    with Session(engine) as session:
        seed_skills(session)
        session.commit()
    yield app
    engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def db(app):
    """A session on the test database, outside any app context (commit what you set up)."""
    with Session(app.extensions["cdt_engine"], expire_on_commit=False) as session:
        yield session


@pytest.fixture
def make_world(db):
    """``make_world(people=…, households=…, visits=…)``: make_tree's province with the people,
    households and visits asked for, committed (see tests.factories.build_world)."""
    return partial(build_world, db)


@pytest.fixture
def tree(make_world):
    """make_tree's places with nobody in them, by key."""
    return make_world().tree


_CSRF_RE = re.compile(
    r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"'
)


def csrf_from(html: str) -> str:
    match = _CSRF_RE.search(html)
    assert match, "no csrf_token in the page"
    return match.group(1) or match.group(2)


class AuthActions:
    def __init__(self, client):
        self._client = client

    def login(self, username: str, password: str = PASSWORD):
        page = self._client.get("/login")
        return self._client.post(
            "/login",
            data={"username": username, "password": password, "csrf_token": csrf_from(page.text)},
        )

    def logout(self):
        page = self._client.get("/account")
        return self._client.post("/logout", data={"csrf_token": csrf_from(page.text)})


@pytest.fixture
def auth(client):
    return AuthActions(client)


# --- browser tests ---------------------------------------------------------------------------


@pytest.fixture
def live_server(app):
    """The test app served on a free local port in a thread."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def playwright_instance():
    if not os.path.exists(CHROMIUM):
        if REQUIRE_BROWSER:
            pytest.fail(f"Chromium is required (CDT_REQUIRE_BROWSER=1) but {CHROMIUM} is missing")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance):
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def phone(browser):
    """A new page in a 360×640 phone viewport with a touch screen."""
    context = browser.new_context(
        viewport={"width": 360, "height": 640},
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
        locale="vi-VN",
        timezone_id="Asia/Ho_Chi_Minh",
    )
    page = context.new_page()
    yield page
    context.close()


NO_SKIP = os.environ.get("CDT_NO_SKIP") == "1"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI nothing may be skipped: a skip becomes a failure."""
    outcome = yield
    report = outcome.get_result()
    if NO_SKIP and report.skipped:
        report.outcome = "failed"
        report.longrepr = f"skipped, but CDT_NO_SKIP=1 forbids skips: {report.longrepr}"


# --- security helpers (issue 7) --------------------------------------------------------------


@pytest.fixture
def app_with(app):
    """Build another app on the same test database with config overrides (e.g. rate limits
    or the admin two-step rule turned on). The Flask-Limiter object is shared, so the app built
    last decides the limiter storage."""
    made = []

    def build(**overrides):
        keys = ("TESTING", "CDT_ENV", "SECRET_KEY", "CDT_DATABASE_URL", "CDT_DEMO")
        config = {key: app.config[key] for key in keys}
        config.update({"RATELIMIT_ENABLED": False, "CDT_ADMIN_TOTP_REQUIRED": False})
        config.update(overrides)
        new_app = create_app(config)
        made.append(new_app)
        return new_app

    yield build
    for built in made:
        built.extensions["cdt_engine"].dispose()


# --- query counting (issue 5: review queue and activity page) --------------------------------

_SQL_VERBS = ("select", "insert", "update", "delete", "with")


@pytest.fixture
def count_queries(app):
    """``with count_queries() as statements: …`` collects the SQL statements (SELECT, INSERT,
    UPDATE, DELETE, WITH) the app's engine runs inside the block; PRAGMA/BEGIN are left out."""
    from contextlib import contextmanager

    from sqlalchemy import event

    engine = app.extensions["cdt_engine"]

    @contextmanager
    def counting():
        statements: list[str] = []

        def before(_conn, _cursor, statement, _params, _context, _many):
            if statement.lstrip().lower().startswith(_SQL_VERBS):
                statements.append(statement)

        event.listen(engine, "before_cursor_execute", before)
        try:
            yield statements
        finally:
            event.remove(engine, "before_cursor_execute", before)

    return counting

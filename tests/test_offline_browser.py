"""Offline mode in a real Chromium at phone size (issue 4).

A persistent profile keeps IndexedDB and the service worker across reloads and restarts.
``context.set_offline(True)`` does not cut the service worker's own requests, so "offline"
also aborts every request with ``context.route``.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from datetime import timedelta

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect
from sqlalchemy import func, select

from cdt_app.i18n import today_local
from cdt_app.models import Household, Skill, Visit, VisitSkill
from tests.browser_helpers import SMALL_TARGETS_JS, login
from tests.conftest import BROWSER_ARGS, CHROMIUM

pytestmark = pytest.mark.browser

#: the outbox items, read by the page's own module (the same instance as the page's scripts)
ALL_ITEMS = "import('/static/js/outbox-store.js').then(store => store.allItems())"

PHONE = {
    "viewport": {"width": 360, "height": 640},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
    "locale": "vi-VN",
    "timezone_id": "Asia/Ho_Chi_Minh",
}


def until(page, script: str, timeout: float = 20000) -> None:
    """Wait until the (possibly async) ``script`` is truthy in the page.

    ``page.wait_for_function`` does not await promises, so poll with ``evaluate``, which does;
    ``wait_for_timeout`` keeps Playwright's events (route handlers) running meanwhile.
    """
    deadline = time.monotonic() + timeout / 1000
    while True:
        try:
            if page.evaluate(script):
                return
        except PlaywrightError:  # a navigation replaced the page meanwhile
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {script}")
        page.wait_for_timeout(200)


class Server:
    """The test app on a fixed local port that can be switched off: "no network" then means
    no connection at all, for the pages, the service worker and Background Sync alike."""

    def __init__(self, app):
        self.app, self.port, self.httpd, self.thread = app, 0, None, None
        self.start()

    def start(self) -> None:
        from werkzeug.serving import WSGIRequestHandler, make_server

        class OneRequestPerConnection(WSGIRequestHandler):
            protocol_version = "HTTP/1.0"  # no keep-alive: stopping the server cuts everyone

        self.httpd = make_server(
            "127.0.0.1", self.port, self.app, threaded=True, request_handler=OneRequestPerConnection
        )
        self.port = self.httpd.server_port
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


class Phone:
    """A Chromium profile on disk, opened and closed like a phone's browser."""

    def __init__(self, playwright, profile, server: Server):
        self.playwright, self.profile, self.server = playwright, str(profile), server
        self.base = server.url
        self.context = None
        self.page = None
        self.is_offline = False

    def open(self):
        self.context = self.playwright.chromium.launch_persistent_context(
            self.profile,
            executable_path=CHROMIUM,
            args=BROWSER_ARGS,
            offline=self.is_offline,
            **PHONE,
        )
        self.context.set_default_timeout(15000)
        if self.is_offline:
            self._cut()
        self.page = self.context.pages[0] if self.context.pages else self.context.new_page()
        return self.page

    def close(self):
        self.context.close()
        self.context = self.page = None

    def _cut(self):
        self.context.set_offline(True)
        self.context.route("**/*", lambda route: route.abort("internetdisconnected"))

    def offline(self):
        self.is_offline = True
        self._cut()
        self.server.stop()

    def online(self):
        self.is_offline = False
        self.server.start()
        self.context.unroute("**/*")
        self.context.set_offline(False)

    def logged_in_then_offline(self):
        """Log in online, let the service worker keep the pages and data, then lose the network."""
        self.goto("/")
        self.login()
        self.warm()
        self.offline()

    def goto(self, path: str):
        return self.page.goto(self.base + path)

    def login(self, username: str = "tinhnguyen"):
        login(self.page, self.base, username)

    def warm(self):
        """Wait until the service worker controls the page and has kept the pages and data."""
        page = self.page
        page.wait_for_function(
            "() => navigator.serviceWorker && navigator.serviceWorker.controller"
        )
        until(
            page,
            """async () => {
                const names = await caches.keys();
                const pages = names.find(n => n.startsWith('cdt-pages-'));
                if (!pages) return false;
                const kept = await (await caches.open(pages)).keys();
                return kept.some(r => r.url.endsWith('/sync/visit-form'))
                    && kept.some(r => r.url.endsWith('/households/new'));
            }""",
        )
        until(
            page,
            """() => new Promise(ok => {
                const r = indexedDB.open('cdt-offline');
                r.onsuccess = () => {
                    const db = r.result;
                    if (!db.objectStoreNames.contains('meta')) { db.close(); return ok(false); }
                    const get = db.transaction('meta').objectStore('meta').getAll();
                    get.onsuccess = () => {
                        db.close();
                        ok(get.result.some(m => m.k.startsWith('data:')));
                    };
                };
            })""",
        )

    def expect_pending(self, n: int) -> None:
        """The top bar shows ``n`` records not synced (none: just the link to "Đồng bộ")."""
        badge = self.page.locator("#outbox-count")
        if n:
            expect(badge).to_have_text(f"{n} chưa đồng bộ")
            expect(badge).to_have_class(re.compile("has-pending"))
        else:
            expect(badge).to_have_text("Đồng bộ")
            expect(badge).not_to_have_class(re.compile("has-pending"))

    def outbox(self) -> list[dict]:
        """The records kept in IndexedDB (read directly: works on any page of the origin)."""
        return self.page.evaluate(
            """() => new Promise(ok => {
                const r = indexedDB.open('cdt-offline');
                r.onsuccess = () => {
                    const get = r.result.transaction('outbox').objectStore('outbox').getAll();
                    get.onsuccess = () => { r.result.close(); ok(get.result); };
                };
            })"""
        )


@pytest.fixture
def world(make_world):
    return make_world(
        people={
            "volunteer": ("volunteer", "village_a1", "tinhnguyen", {"name": "Nguyễn Thị Tình"})
        },
        households={
            "an": ("village_a1", "volunteer", "Nguyễn Văn An", "Số 1", {"members": 4}),
            "binh": ("village_a1", "volunteer", "Lê Thị Bình", "Số 2", {"members": 3}),
        },
    )


@pytest.fixture
def server(app):
    server = Server(app)
    yield server
    if server.thread.is_alive():
        server.stop()


@pytest.fixture
def pwa(playwright_instance, tmp_path, server):
    phone = Phone(playwright_instance, tmp_path / "profile", server)
    phone.open()
    yield phone
    if phone.context is not None:
        phone.close()


def fresh(db):
    db.rollback()
    db.expire_all()


def count(db, model) -> int:
    fresh(db)
    return db.scalar(select(func.count()).select_from(model))


def skills_of(db, visit: Visit) -> dict[str, bool]:
    rows = db.execute(
        select(Skill.code, VisitSkill.completed)
        .join(Skill, Skill.id == VisitSkill.skill_id)
        .where(VisitSkill.visit_id == visit.id)
    ).all()
    return {code: completed for code, completed in rows}


def fill_household(pwa: Phone, name: str, address: str, members: str, phone: str = "") -> None:
    """On an open household form: type the household and save."""
    page = pwa.page
    page.fill("input[name=head_name]", name)
    page.fill("input[name=address]", address)
    page.fill("input[name=phone]", phone)
    page.fill("input[name=members]", members)
    page.check("input[name=consent]")
    page.get_by_role("button", name="Lưu hộ gia đình").click()


def register_household_offline(pwa: Phone, name: str, address: str, members: str) -> None:
    pwa.goto("/households/new")
    fill_household(pwa, name, address, members, phone="0912 345 678")
    pwa.page.wait_for_url(re.compile(r"/visits/new\?household="))


def log_visit(pwa: Phone, skills: dict[str, bool], people: str, notes: str = "") -> None:
    """On an open visit form: tick the skills, type the figures, save."""
    page = pwa.page
    page.wait_for_function(
        "() => document.querySelector('input[name=household_id]').value !== "
        "'00000000-0000-0000-0000-000000000000'"
    )
    for code, completed in skills.items():
        page.check(f"#skill-{code}")
        if completed:
            page.check(f"input[name=completed][value={code}]")
    page.fill("input[name=people_taught]", people)
    if notes:
        page.fill("textarea[name=notes]", notes)
    with page.expect_navigation():
        page.get_by_role("button", name="Lưu lượt hướng dẫn").click()


def pick_household(pwa: Phone, search: str) -> None:
    """From the offline household list of "Ghi lượt hướng dẫn", open a household's form."""
    page = pwa.page
    pwa.goto("/visits/new")
    page.fill("input[name=q]", search)
    page.locator("[data-offline-list] a").first.click()
    page.wait_for_url(re.compile(r"/visits/new\?household="))


def wait_synced(pwa: Phone, timeout: float = 30000) -> None:
    until(
        pwa.page,
        f"() => {ALL_ITEMS}.then(items => items.length > 0"
        " && items.every(i => i.state === 'synced'))",
        timeout,
    )


# --- a whole day offline -----------------------------------------------------------------


def test_a_whole_day_offline_loses_and_duplicates_nothing(pwa, world, db):
    page = pwa.page
    pwa.goto("/")
    pwa.login()
    pwa.warm()
    households_before = count(db, Household)

    pwa.offline()
    register_household_offline(pwa, "Phạm Văn Cường", "Xóm Bãi, số 9", "5")
    expect(page.locator("main")).to_contain_text("Đã lưu hộ trên máy này")
    expect(page.locator(".visit-household")).to_contain_text(re.compile(r"^Phạm Văn Cường"))
    log_visit(pwa, {"vneid": True, "dvc": False}, "2", "Kích hoạt VNeID mức 2")
    pick_household(pwa, "nguyen van an")
    log_visit(pwa, {"payment": False}, "1")
    pick_household(pwa, "le thi binh")
    log_visit(pwa, {"cybersafety": True, "smartphone": True}, "3")
    pwa.expect_pending(4)

    page.reload()
    pwa.expect_pending(4)
    pwa.close()
    pwa.open()
    pwa.goto("/sync")
    pwa.expect_pending(4)
    assert page_states(pwa) == ["Chờ đồng bộ"] * 4
    assert count(db, Visit) == 0 and count(db, Household) == households_before

    pwa.online()
    wait_synced(pwa)
    pwa.expect_pending(0)
    assert page_states(pwa) == ["Đã đồng bộ"] * 4

    assert count(db, Household) == households_before + 1
    new = db.scalars(select(Household).where(Household.head_name == "Phạm Văn Cường")).one()
    assert (new.address, new.phone, new.members, new.consent) == (
        "Xóm Bãi, số 9",
        "0912345678",
        5,
        True,
    )
    assert new.village_id == world["village_a1"].id
    visits = {v.household_id: v for v in db.scalars(select(Visit))}
    assert len(visits) == 3 and set(visits) == {new.id, world["an"].id, world["binh"].id}
    assert skills_of(db, visits[new.id]) == {"vneid": True, "dvc": False}
    assert visits[new.id].people_taught == 2 and visits[new.id].notes == "Kích hoạt VNeID mức 2"
    assert skills_of(db, visits[world["an"].id]) == {"payment": False}
    assert skills_of(db, visits[world["binh"].id]) == {"cybersafety": True, "smartphone": True}
    assert visits[world["binh"].id].people_taught == 3
    assert all(v.visited_on == today_local() for v in visits.values())
    assert {v.volunteer_id for v in visits.values()} == {world["volunteer"].id}


def page_states(pwa: Phone) -> list[str]:
    pwa.page.wait_for_selector(".outbox-item")
    return [b.inner_text() for b in pwa.page.locator(".outbox-item .badge").all()]


# --- the answer lost after the server committed -------------------------------------------


def test_an_answer_lost_after_the_commit_creates_no_duplicate(pwa, world, db):
    pwa.logged_in_then_offline()
    pick_household(pwa, "an")
    log_visit(pwa, {"vneid": True}, "1")
    pwa.expect_pending(1)

    calls: list[str] = []

    def commit_then_cut(route):
        calls.append(route.request.method)
        if len(calls) == 1:
            route.fetch()  # the server stores the visit and answers…
            route.abort("connectionreset")  # …but the answer never reaches the phone
        else:
            route.continue_()

    pwa.context.route("**/api/v1/sync", commit_then_cut)
    pwa.online()
    wait_synced(pwa)
    assert len(calls) >= 2
    assert count(db, Visit) == 1
    assert count(db, VisitSkill) == 1


# --- the session expired while offline ----------------------------------------------------


def test_a_session_that_expired_offline_syncs_after_logging_in_again(pwa, world, db, monkeypatch):
    page = pwa.page
    pwa.logged_in_then_offline()
    pick_household(pwa, "binh")
    log_visit(pwa, {"dvc": True}, "2")

    # nine hours later (the idle timeout is eight): the server has ended the session
    import cdt_app.auth.session as login_session

    later = login_session.now() + 9 * 3600
    monkeypatch.setattr(login_session, "now", lambda: later)
    pwa.online()
    page.evaluate("() => import('/static/js/outbox-status.js').then(status => status.drainNow())")
    banner = page.locator(".flash", has_text="Phiên đăng nhập đã hết")
    banner.wait_for()
    pwa.expect_pending(1)
    assert count(db, Visit) == 0

    assert [item["state"] for item in pwa.outbox()] == ["pending"]

    page.locator(".flash a", has_text="Đăng nhập lại").first.click()
    page.wait_for_url(re.compile(r"/login"))
    pwa.login()
    wait_synced(pwa)
    assert count(db, Visit) == 1
    visit = db.scalars(select(Visit)).one()
    assert visit.household_id == world["binh"].id and visit.people_taught == 2


def test_logging_out_with_records_pending_asks_first(pwa, world, db):
    page = pwa.page
    pwa.logged_in_then_offline()
    pick_household(pwa, "an")
    log_visit(pwa, {"vneid": False}, "1")
    # the network is back but the server does not answer the sync yet
    pwa.context.route("**/api/v1/sync", lambda route: route.abort("timedout"))
    pwa.online()
    pwa.goto("/account")
    pwa.expect_pending(1)
    messages: list[str] = []

    def answer(dialog):
        messages.append(dialog.message)
        dialog.dismiss() if len(messages) == 1 else dialog.accept()

    page.on("dialog", answer)
    page.get_by_role("button", name="Đăng xuất").click()
    assert messages and "Còn 1 mục chưa đồng bộ" in messages[0]
    assert page.url.endswith("/account")  # still logged in
    with page.expect_navigation():
        page.get_by_role("button", name="Đăng xuất").click()
    assert "/login" in page.url and len(messages) == 2
    # logged out, the visit is still kept on the phone, for this account
    assert [(i["state"], i["user"]) for i in pwa.outbox()] == [("pending", world["volunteer"].id)]
    assert count(db, Visit) == 0


# --- one invalid item among valid ones -------------------------------------------------------


def test_an_invalid_item_needs_a_fix_while_the_others_sync(pwa, world, db):
    page = pwa.page
    pwa.logged_in_then_offline()
    pick_household(pwa, "an")
    log_visit(pwa, {"vneid": True}, "1")
    # the phone's clock is two days ahead: the form proposes that date
    pick_household(pwa, "binh")
    wrong_day = today_local() + timedelta(days=2)
    page.check("input[name=visited_day][value=other]")
    page.fill("input[name=visited_on]", f"{wrong_day:%d/%m/%Y}")
    log_visit(pwa, {"dvc": False}, "1")
    pick_household(pwa, "binh")
    log_visit(pwa, {"payment": True}, "2")

    pwa.online()
    pwa.goto("/sync")
    until(
        page,
        f"() => {ALL_ITEMS}.then(items => items.filter(i => i.state === 'synced').length === 2)",
    )
    assert count(db, Visit) == 2
    broken = page.locator(".outbox-item.state-rejected")
    broken.wait_for()
    assert broken.locator(".badge").inner_text() == "Cần sửa"
    assert "Ngày hướng dẫn" in broken.inner_text() or "tương lai" in broken.inner_text()
    pwa.expect_pending(1)

    # it stays until fixed: reload, then fix the date and save again
    page.reload()
    broken = page.locator(".outbox-item.state-rejected")
    broken.get_by_role("link", name="Sửa").click()
    page.wait_for_selector(".error-box")
    assert page.is_checked("input[name=visited_day][value=other]")
    assert page.input_value("input[name=visited_on]") == f"{wrong_day:%d/%m/%Y}"
    assert page.is_checked("#skill-dvc")
    page.fill("input[name=visited_on]", f"{today_local():%d/%m/%Y}")
    page.get_by_role("button", name="Lưu lượt hướng dẫn").click()
    page.wait_for_url(re.compile(r"/sync"))
    wait_synced(pwa)
    assert count(db, Visit) == 3
    fixed = db.scalars(select(Visit).where(Visit.household_id == world["binh"].id)).all()
    assert sorted(v.people_taught for v in fixed) == [1, 2]
    assert all(v.visited_on == today_local() for v in fixed)


# --- the web form online, and what a repeat visit costs ----------------------------------------


def test_offline_a_household_already_on_the_phone_is_flagged_before_it_is_kept(pwa, world, db):
    """The server's duplicate rule (same village, name and address, folded by the one
    duplicate key: no case, diacritics, punctuation or spacing), offline."""
    page = pwa.page
    pwa.logged_in_then_offline()
    pwa.goto("/households/new")
    warning = page.locator("[data-offline-duplicates]")
    expect(warning).to_be_hidden()
    fill_household(pwa, "nguyễn văn, AN.", " số. 1 ", "4")  # Nguyễn Văn An, Số 1 is kept
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("Hộ này có thể đã được đăng ký")
    link = warning.locator("li a")
    expect(link).to_have_text("Nguyễn Văn An, Số 1")
    assert link.get_attribute("href").endswith(f"/visits/new?household={world['an'].id}")
    assert page.url.endswith("/households/new") and pwa.outbox() == []
    pwa.expect_pending(0)
    assert page.evaluate(SMALL_TARGETS_JS) == []  # the link and the box, 44 px at 360 px wide

    page.check("[data-offline-duplicates] input[name=confirm_duplicate]")
    page.get_by_role("button", name="Lưu hộ gia đình").click()
    page.wait_for_url(re.compile(r"/visits/new\?household="))
    pwa.expect_pending(1)

    # the household waiting to be sent is found too; another address is another household
    pwa.goto("/households/new")
    fill_household(pwa, "Nguyễn Văn An", "Số 1", "2")
    expect(page.locator("[data-offline-duplicates] li")).to_have_count(2)
    page.fill("input[name=address]", "Số 11")
    page.get_by_role("button", name="Lưu hộ gia đình").click()
    page.wait_for_url(re.compile(r"/visits/new\?household="))
    pwa.expect_pending(2)
    assert sorted(item["payload"]["address"] for item in pwa.outbox()) == [" số. 1 ", "Số 11"]


def test_the_web_form_online_is_unchanged_and_leaves_nothing_behind(pwa, world, db):
    page = pwa.page
    pwa.goto("/")
    pwa.login()
    pwa.warm()
    pwa.goto(f"/visits/new?household={world['an'].id}")
    log_visit(pwa, {"elearning": True}, "2")
    page.wait_for_url(re.compile(r"/visits/[0-9a-f-]{36}\?saved=1$"))
    assert "Đã lưu lượt hướng dẫn" in page.inner_text("main")
    until(page, f"() => {ALL_ITEMS}.then(items => items.length === 0)")
    assert count(db, Visit) == 1
    pwa.expect_pending(0)


def test_unknown_ids_are_not_reused(pwa, world, db):
    """Two offline forms opened from the same kept page get different ids."""
    pwa.logged_in_then_offline()
    ids = set()
    for _ in range(2):
        pick_household(pwa, "an")
        ids.add(pwa.page.input_value("input[name=new_id]"))
    assert len(ids) == 2 and all(uuid.UUID(i) for i in ids)


def test_offline_the_home_search_and_yesterday_work(pwa, world, db):
    """The kept home page: its search finds the household on the phone; "Hôm qua" is the
    phone's yesterday in Vietnam, sent as such."""
    page = pwa.page
    pwa.logged_in_then_offline()
    pwa.goto("/")
    page.get_by_role("searchbox").fill("le thi binh")
    page.get_by_role("button", name="Tìm").click()
    page.wait_for_url(re.compile(r"/visits/new$"))
    expect(page.locator("[data-offline-list] a")).to_have_count(1)
    page.locator("[data-offline-list] a").click()
    page.wait_for_url(re.compile(r"/visits/new\?household="))
    expect(page.locator(".visit-household")).to_contain_text("Lê Thị Bình")
    assert page.is_checked("input[name=visited_day][value=today]")
    page.check("input[name=visited_day][value=yesterday]")
    log_visit(pwa, {"dvc": True}, "1")
    pwa.expect_pending(1)
    assert (
        pwa.outbox()[0]["payload"]["visited_on"] == (today_local() - timedelta(days=1)).isoformat()
    )
    pwa.online()
    wait_synced(pwa)
    visit = db.scalars(select(Visit)).one()
    assert visit.household_id == world["binh"].id
    assert visit.visited_on == today_local() - timedelta(days=1)


# --- exporting what is not sent --------------------------------------------------------------


def test_unsent_records_can_be_exported_to_a_file(pwa, world, db):
    page = pwa.page
    pwa.logged_in_then_offline()
    pick_household(pwa, "an")
    log_visit(pwa, {"health": True}, "2")
    pwa.goto("/sync")
    with page.expect_download() as download:
        page.get_by_role("button", name="Xuất dữ liệu chưa gửi").click()
    saved = download.value
    assert saved.suggested_filename.startswith("cdt-chua-gui-")
    data = json.loads(open(saved.path(), encoding="utf-8").read())
    assert data["user_id"] == world["volunteer"].id
    (item,) = data["items"]
    assert item["kind"] == "visit" and item["state"] == "pending"
    assert item["payload"]["household_id"] == str(world["an"].id)
    assert item["payload"]["skills"] == [{"code": "health", "completed": True}]
    uuid.UUID(item["id"])


# --- an app update never breaks offline use ------------------------------------------------


def cache_names(page) -> list[str]:
    return sorted(page.evaluate("() => caches.keys()"))


def test_an_update_never_breaks_offline_use(pwa, world, db, monkeypatch):
    from cdt_app.sync import offline_app

    page = pwa.page
    pwa.goto("/")
    pwa.login()
    pwa.warm()
    first = cache_names(page)
    assert len(first) == 2
    real_build = offline_app.build

    # a broken release (a file missing): the new worker fails to install, the old one stays
    def broken(app):
        built = real_build(app)
        return {**built, "version": "broken", "shell": [*built["shell"], "/static/missing.css"]}

    monkeypatch.setattr(offline_app, "build", broken)
    page.evaluate("() => navigator.serviceWorker.getRegistration().then(r => r.update())")
    until(page, "() => navigator.serviceWorker.getRegistration().then(r => !r.installing)")
    assert cache_names(page) == first
    pwa.offline()
    pick_household(pwa, "an")
    log_visit(pwa, {"vneid": True}, "1")
    pwa.online()
    wait_synced(pwa)

    # a good release: installed while the old one keeps serving, activated after a restart
    monkeypatch.setattr(offline_app, "build", lambda app: {**real_build(app), "version": "v2"})
    page.evaluate("() => navigator.serviceWorker.getRegistration().then(r => r.update())")
    until(page, "() => navigator.serviceWorker.getRegistration().then(r => !!r.waiting)")
    names = cache_names(page)
    assert set(first) <= set(names) and {"cdt-shell-v2", "cdt-pages-v2"} <= set(names)
    pwa.offline()
    pick_household(pwa, "binh")  # the old version still works offline
    log_visit(pwa, {"dvc": True}, "1")
    pwa.close()
    pwa.open()
    pwa.goto("/visits/new")  # after a restart the new version is in charge, still offline
    until(
        pwa.page,
        "() => caches.keys().then(k => !k.some(n => n.endsWith('" + first[0][-12:] + "')))",
    )
    assert cache_names(pwa.page) == ["cdt-pages-v2", "cdt-shell-v2"]
    pick_household(pwa, "an")
    log_visit(pwa, {"payment": True}, "1")
    pwa.expect_pending(2)
    pwa.online()
    wait_synced(pwa)
    assert count(db, Visit) == 3


# --- what a repeat visit to the visit form costs --------------------------------------------


def test_a_repeat_visit_to_the_visit_form_transfers_only_the_page(pwa, world, db, app):
    sent: list[tuple[str, int]] = []
    inner = app.wsgi_app

    def counting(environ, start_response):
        body = b"".join(inner(environ, start_response))
        sent.append((environ["PATH_INFO"], len(body)))
        return [body]

    app.wsgi_app = counting
    page = pwa.page
    pwa.goto("/")
    pwa.login()
    pwa.warm()
    form = f"/visits/new?household={world['an'].id}"
    sent.clear()
    pwa.goto(form)
    page.wait_for_load_state("networkidle")
    first = list(sent)
    pwa.goto("/")
    page.wait_for_load_state("networkidle")
    sent.clear()
    pwa.goto(form)
    page.wait_for_load_state("networkidle")
    repeat = list(sent)
    html = sum(size for path, size in repeat if path == "/visits/new")
    total = sum(size for _path, size in repeat)
    print(f"\nvisit form with the service worker warm: first {first}, repeat {repeat}")
    print(f"repeat visit: {total} bytes transferred ({html} bytes of HTML, no CSS/JS/icons)")
    assert [path for path, _size in repeat] == ["/visits/new"]
    assert total <= 12 * 1024

"""The periodic report in Chromium: it fits a 360 px phone with every name long and every
<details> open, its period is chosen without JavaScript, and it prints on A4 as an
administrative document (header, motto, date line, signatures; no buttons, no form)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cdt_app.i18n import today_local
from tests.browser_helpers import SMALL_TARGETS_JS, login
from tests.test_phone_crawl import (
    LONG_COMMUNE,
    LONG_PERSON,
    LONG_PLACE,
    OPEN_EVERYTHING,
    PHONE_WIDTH,
    TALL_HEADERS,
    WIDER_THAN_THE_PHONE,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def world(make_world, db):
    last_month = today_local().replace(day=1) - timedelta(days=3)
    world = make_world(
        people={
            "doan": ("coordinator", "commune_a", "doan", {"name": LONG_PERSON}),
            "canbo": ("staff", "province", "canbo"),
            "tn": ("volunteer", "village_a1", "tn", {"name": LONG_PERSON}),
        },
        households={
            "h1": ("village_a1", "tn", "Nguyễn Văn An"),
            "h2": ("village_a1", "tn", "Lê Thị Bình"),
        },
        visits={
            "v1": ("h1", "tn", last_month, {"vneid": True, "dvc": False}),
            "v2": ("h2", "tn", last_month, {"vneid": False}),
        },
    )
    world["village_a1"].name = LONG_PLACE
    world["village_a2"].name = LONG_PLACE + " Hai"
    world["commune_a"].name = LONG_COMMUNE
    db.commit()
    return world


def _fits(page, problems: list[str], label: str) -> None:
    for state in ("as loaded", "every <details> open"):
        if state != "as loaded":
            page.evaluate(OPEN_EVERYTHING)
        found = page.evaluate(
            WIDER_THAN_THE_PHONE.replace(".table-wrap", ".visually-hidden"), PHONE_WIDTH
        )
        if found["width"] > PHONE_WIDTH or found["wide"]:
            problems.append(f"{label} ({state}): {found}")
    if page.evaluate(TALL_HEADERS):
        problems.append(f"{label}: tall headers {page.evaluate(TALL_HEADERS)}")


@pytest.mark.parametrize("username", ["doan", "canbo"])
def test_the_report_fits_a_phone_with_long_names(live_server, phone, world, username):
    login(phone, live_server, username)
    problems: list[str] = []
    for query in ("", "?period=quarter", "?period=year", "?period=month&number=13"):
        response = phone.goto(f"{live_server}/reports/periodic{query}", wait_until="load")
        assert response.status == 200
        _fits(phone, problems, query or "default")
        # every table cell inside the screen too: the tables become cards, never scroll
        widest = phone.evaluate(
            "() => Math.max(...[...document.querySelectorAll('main table, main td, main th')]"
            ".map((e) => e.getBoundingClientRect().right))"
        )
        assert widest <= PHONE_WIDTH, (query, widest)
        assert phone.evaluate(SMALL_TARGETS_JS) == [], query
    assert problems == [], "\n".join(problems)


def test_the_period_is_chosen_without_javascript(live_server, browser, world):
    context = browser.new_context(
        viewport={"width": 360, "height": 640}, java_script_enabled=False, locale="vi-VN"
    )
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.fill("input[name=username]", "canbo")
    page.fill("input[name=password]", "demo-cds-2026")
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_load_state("load")
    page.goto(f"{live_server}/reports/periodic", wait_until="load")
    page.locator("summary", has_text="Chọn kỳ báo cáo").click()
    page.select_option("select[name=place]", str(world["commune_a"].id))
    page.select_option("select[name=period]", "quarter")
    page.select_option("select[name=quarter]", "1")
    page.select_option("select[name=year]", str(today_local().year))
    page.get_by_role("button", name="Xem báo cáo").click()
    page.wait_for_load_state("load")
    year = today_local().year
    assert "period=quarter" in page.url and "quarter=1" in page.url
    heading = page.locator("h1").inner_text()
    assert f"quý I/{year}" in heading
    assert LONG_COMMUNE in page.locator(".doc-scope").inner_text()
    header = page.locator("#figures thead").inner_text()
    assert f"Quý IV/{year - 1}" in header and f"Quý I/{year - 1}" in header
    # the step links work without a script too
    page.locator("a[rel=prev]").click()
    page.wait_for_load_state("load")
    assert f"quý IV/{year - 1}" in page.locator("h1").inner_text()
    context.close()


def test_it_prints_on_a4_as_an_administrative_report(live_server, phone, world, tmp_path):
    login(phone, live_server, "doan")
    phone.goto(f"{live_server}/reports/periodic", wait_until="load")
    phone.emulate_media(media="print")
    visible = phone.evaluate(
        """() => Object.fromEntries(['.doc-head', '.doc-sign', '.report-tools', 'form',
             '.bottom-nav', '.topbar'].map((s) => [s, (() => { const e = document.querySelector(s);
             return Boolean(e && e.getBoundingClientRect().height > 0
                            && getComputedStyle(e).display !== 'none'); })()]))"""
    )
    assert visible == {
        ".doc-head": True,
        ".doc-sign": True,
        ".report-tools": False,
        "form": False,
        ".bottom-nav": False,
        ".topbar": False,
    }
    text = phone.locator("main").inner_text()
    for words in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "NGƯỜI LẬP BIỂU",
        "THỦ TRƯỞNG ĐƠN VỊ",
        "UBND XÃ",
    ):
        assert words in text, words
    # in print the tables are tables again, inside the A4 width less the margins (≈ 165 mm)
    width = phone.evaluate("() => document.querySelector('#figures').getBoundingClientRect().width")
    assert width > 300
    pdf = tmp_path / "report.pdf"
    phone.pdf(path=str(pdf), prefer_css_page_size=True)
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    assert b"/MediaBox [0 0 595" in data or b"/MediaBox [0 0 594" in data  # A4: 595 × 842 pt

"""The coverage page in a real Chromium: one line per place opening to its figures on a phone
and a laptop, no JavaScript needed, and a print layout with its header."""

from __future__ import annotations

import pytest

from cdt_app.demo import DEMO_PASSWORD
from cdt_app.reports.views import PLACES_PER_PAGE
from tests.browser_helpers import login
from tests.test_reports import reports_world

pytestmark = pytest.mark.browser


def test_coverage_on_a_phone_is_one_line_per_place_and_drills_down(live_server, phone, make_world):
    world = reports_world(make_world)
    login(phone, live_server, "canbo")
    phone.goto(f"{live_server}/reports/coverage")
    assert phone.get_by_role("heading", level=1).inner_text().startswith("Độ bao phủ")
    # nothing wider than the phone: the table rows are cards with their labels
    wide = phone.evaluate(
        "[...document.querySelectorAll('body *')]"
        ".filter(e => e.getBoundingClientRect().right > 361)"
        ".map(e => e.tagName + '.' + e.className).slice(0, 5)"
    )
    assert wide == [] and phone.evaluate("document.documentElement.scrollWidth") <= 360
    # each place is one closed line (name, bar, %) that opens to its figures, without JS
    row = phone.locator(f"#row-{world['tree']['commune_a'].id}")
    summary = row.locator("summary")
    assert 44 <= summary.bounding_box()["height"] <= 64
    assert summary.inner_text().split() == ["Xã", "An", "Bình", "2,0%"]
    figure = row.locator("dd[data-figure=reached_households]")
    assert not figure.is_visible()
    summary.click()
    assert figure.is_visible() and figure.inner_text() == "3"
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    assert phone.locator("svg.cov-chart rect.cov-bar").count() == 2
    for link in phone.locator(".chips a").all():
        assert link.bounding_box()["height"] >= 44
    # drill down to the commune, then filter without JavaScript-only controls
    row.get_by_role("link", name="Xem Xã An Bình").click()
    phone.wait_for_url(f"**place={world['tree']['commune_a'].id}**")
    phone.get_by_role("link", name="Tháng này").click()
    phone.wait_for_url("**preset=month**")
    assert "Thôn Một" in phone.locator("#coverage-places").inner_text()


def test_coverage_on_a_laptop_and_printed_on_a4(live_server, browser, make_world):
    reports_world(make_world)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = context.new_page()
    try:
        login(page, live_server, "canbo")
        page.goto(f"{live_server}/reports/coverage")
        # a wide screen: a longer bar on each line, the figures of an open place side by side
        places = page.locator("#coverage-places")
        bar = places.locator("svg.cov-chart").first
        assert bar.bounding_box()["width"] >= 200
        places.locator("summary").first.click()
        columns = places.locator("dl.place-figures").first.evaluate(
            "el => getComputedStyle(el).gridTemplateColumns.split(' ').length"
        )
        assert columns == 8
        assert not page.locator(".print-head").is_visible()
        page.emulate_media(media="print")
        assert page.locator(".print-head").is_visible()
        assert "Báo cáo độ bao phủ" in page.locator(".print-head").inner_text()
        assert not page.locator(".chips").is_visible()
        pdf = page.pdf(format="A4")
        assert pdf.startswith(b"%PDF")
    finally:
        context.close()


def test_the_demo_province_fits_in_15_phone_screens(live_server, phone, app):
    """The real Lâm Đồng of the demo, its 124 communes each one closed line, 40 a page (issue
    18): the page is at most 15 screens of 640 px high at 360 px, and no wider."""
    result = app.test_cli_runner().invoke(args=["cdt", "demo"])
    assert result.exit_code == 0, result.output
    login(phone, live_server, "canbo", DEMO_PASSWORD)
    phone.goto(f"{live_server}/reports/coverage")
    assert phone.locator("#coverage-places > li").count() == PLACES_PER_PAGE
    assert "(124)" in phone.locator("#places-heading").inner_text()
    assert phone.locator("#coverage-places details[open]").count() == 0
    height, width = phone.evaluate(
        "[document.documentElement.scrollHeight, document.documentElement.scrollWidth]"
    )
    assert height <= 15 * 640 and width <= 360

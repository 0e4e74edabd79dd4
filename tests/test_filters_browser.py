"""The date filters on a 360 px phone (issue 12 and 13): typed as dd/mm/yyyy whatever the
phone's language, a refused date shown next to its field in Vietnamese, the page no wider
than the screen and every target 44 px."""

from __future__ import annotations

import os

from tests.browser_helpers import login

SHOTS = os.environ.get("CDT_SCREENSHOTS", "")


def test_audit_filter_types_day_first_and_refuses_far_dates(live_server, phone, make_world):
    make_world(people={"admin": ("admin", "province", "ad")})
    login(phone, live_server, "ad")
    phone.goto(f"{live_server}/audit/")
    phone.locator("details.filters summary").click()
    date_from = phone.locator("input[name=date_from]")
    assert date_from.get_attribute("type") == "text"
    assert date_from.get_attribute("placeholder") == "dd/mm/yyyy"
    date_from.fill("01/02/2026")
    phone.locator("input[name=date_to]").fill("31/12/9999")
    phone.get_by_role("button", name="Lọc").click()
    phone.wait_for_load_state("networkidle")
    assert "date_from=01%2F02%2F2026" in phone.url
    assert phone.locator("input[name=date_from]").input_value() == "01/02/2026"
    error = phone.locator("#date_to-error")
    assert error.inner_text() == "Nhập một ngày từ 01/01/2000 đến 31/12/2099."
    assert phone.locator("input[name=date_to]").get_attribute("aria-invalid") == "true"
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    heights = phone.eval_on_selector_all(
        "details.filters form input, details.filters form select, details.filters form button",
        "els => els.map(e => e.getBoundingClientRect().height)",
    )
    assert heights and min(heights) >= 44
    if SHOTS:
        error.scroll_into_view_if_needed()
        phone.screenshot(path=os.path.join(SHOTS, "audit-filter-error-360.png"))

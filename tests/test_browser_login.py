"""In a real Chromium at phone size: log in as a volunteer and see the Vietnamese home page."""

from __future__ import annotations

import pytest

from tests.browser_helpers import login
from tests.factories import make_tree, make_user

pytestmark = pytest.mark.browser


def test_volunteer_logs_in_on_a_phone(live_server, phone, db):
    tree = make_tree(db)
    make_user(
        db, "volunteer", tree["village_a1"], username="tinhnguyen", name="Nguyễn Thị Tình Nguyện"
    )
    phone.goto(f"{live_server}/")
    assert phone.url.endswith("/login?next=%2F")
    assert phone.locator("html").get_attribute("lang") == "vi"
    login(phone, live_server, "tinhnguyen")
    assert phone.get_by_role("heading", level=1).inner_text() == "Xin chào, Nguyễn Thị Tình Nguyện"
    nav = phone.get_by_role("navigation", name="Menu chính")
    assert nav.get_by_role("link", name="Trang chủ").is_visible()
    # nothing wider than the phone, and the menu's targets are at least 44 px high
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    for box in [link.bounding_box() for link in nav.get_by_role("link").all()]:
        assert box["height"] >= 44 and box["width"] >= 44

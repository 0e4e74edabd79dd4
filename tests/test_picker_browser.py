"""In Chromium at 360×640: the place picker of the people form (search, open, choose, save)
and the login page fit the phone, with 44 px targets, without JavaScript doing the work."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import select

from cdt_app.models import User
from tests.browser_helpers import SMALL_TARGETS_JS, login
from tests.factories import make_place, make_tree, make_user

pytestmark = pytest.mark.browser
#: set to a folder to keep screenshots of the pages checked here
SHOTS = os.environ.get("CDT_SCREENSHOTS", "")


def _fits(phone, name: str) -> None:
    if SHOTS:
        phone.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360, name
    assert phone.evaluate(SMALL_TARGETS_JS) == [], name


def test_the_place_picker_on_a_phone(live_server, phone, db):
    tree = make_tree(db)
    long_name = "Thôn Đồng Bằng Sông Cửu Long Mở Rộng Phía Tây Bắc Số Hai Mươi"
    make_place(db, long_name, "thon", tree["commune_b"])
    make_user(db, "staff", tree["province"], username="canbo", name="Trần Cán Bộ")
    login(phone, live_server, "canbo")
    phone.goto(f"{live_server}/users/new")
    _fits(phone, "picker-start")
    phone.fill("input[name=username]", "tv_moi")
    phone.fill("input[name=display_name]", "Tổ Viên Mới")
    phone.fill("input[name=place_id_q]", "dong bang")
    with phone.expect_navigation():
        phone.get_by_role("button", name="Tìm", exact=True).click()
    assert phone.input_value("input[name=username]") == "tv_moi"  # kept
    assert phone.get_by_text(long_name).is_visible()
    _fits(phone, "picker-search")
    with phone.expect_navigation():  # back from the search to the list, by the trail
        phone.get_by_role("button", name=tree["province"].name, exact=True).click()
    with phone.expect_navigation():
        phone.get_by_role("button", name=f"Các đơn vị thuộc {tree['commune_a'].name}").click()
    _fits(phone, "picker-open")
    phone.get_by_label(tree["village_a2"].name).check()
    phone.select_option("select[name=role]", "volunteer")
    with phone.expect_navigation():
        phone.get_by_role("button", name="Lưu").click()
    user = db.scalar(select(User).where(User.username == "tv_moi"))
    assert user is not None and user.place_id == tree["village_a2"].id
    _fits(phone, "picker-saved")


def test_a_wrong_pair_on_a_phone_and_the_login_page(live_server, phone, db, app):
    tree = make_tree(db)
    make_user(db, "staff", tree["province"], username="canbo")
    phone.goto(f"{live_server}/login")
    _fits(phone, "login")
    login(phone, live_server, "canbo")
    phone.goto(f"{live_server}/users/new?place={tree['commune_a'].id}")
    phone.fill("input[name=username]", "sai_cap")
    phone.select_option("select[name=role]", "volunteer")
    with phone.expect_navigation():
        phone.get_by_role("button", name="Lưu").click()
    assert phone.locator("#place_id-error").is_visible()
    assert "hãy chọn một thôn" in phone.locator("#place_id-error").inner_text()
    _fits(phone, "picker-error")

"""In Chromium at 360×640: a team lead adds a team member from the home screen and reads the
one-time password; a staff member browses places. Nothing is wider than the phone and every
target is at least 44 px."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from cdt_app.auth.passwords import verify_password
from cdt_app.models import User
from tests.browser_helpers import SMALL_TARGETS_JS, login
from tests.factories import make_household, make_tree, make_user

pytestmark = pytest.mark.browser


def _open(phone, link) -> None:
    """Tap ``link`` (or a submit button) and wait for the page it leads to: the checks must
    not run while the old page is being replaced."""
    with phone.expect_navigation():
        link.click()


def _fits_the_phone(phone) -> None:
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    assert phone.evaluate(SMALL_TARGETS_JS) == []


def test_team_lead_adds_a_team_member_on_a_phone(live_server, phone, db):
    tree = make_tree(db)
    make_user(db, "team_lead", tree["village_a1"], username="totruong", name="Phạm Tổ Trưởng")
    make_user(db, "volunteer", tree["village_a1"], username="tinhnguyen", name="Nguyễn Thị Hoa")
    login(phone, live_server, "totruong")
    _open(phone, phone.get_by_role("link", name="Tổ của tôi: thêm hoặc khóa tài khoản tổ viên"))
    assert phone.get_by_role("heading", level=1).inner_text() == "Tổ của tôi"
    assert phone.get_by_text("Nguyễn Thị Hoa").is_visible()
    _fits_the_phone(phone)
    _open(phone, phone.get_by_role("link", name="Thêm tổ viên"))
    _fits_the_phone(phone)
    phone.get_by_label("Tên đăng nhập hoặc số điện thoại").fill("0987 654 321")
    phone.get_by_label("Họ và tên").fill("Trần Văn Mới")
    _open(phone, phone.get_by_role("button", name="Lưu"))
    assert phone.get_by_role("heading", level=1).inner_text() == "Đã tạo tài khoản"
    password = phone.locator("#one-time-password").inner_text()
    assert re.fullmatch(r"[a-z0-9]{10}", password)
    _fits_the_phone(phone)
    db.rollback()
    user = db.scalar(select(User).where(User.username == "0987654321"))
    assert user.role == "volunteer" and user.place_id == tree["village_a1"].id
    assert user.must_change_password and verify_password(user.password_hash, password)
    _open(phone, phone.get_by_role("link", name="Xong"))
    assert phone.get_by_role("heading", level=1).inner_text() == "Trần Văn Mới"
    _fits_the_phone(phone)


def test_staff_drills_down_the_places_on_a_phone(live_server, phone, db):
    tree = make_tree(db)
    make_household(db, tree["village_a1"])
    make_user(db, "staff", tree["province"], username="canbo")
    login(phone, live_server, "canbo")
    _open(
        phone,
        phone.get_by_role("navigation", name="Menu chính").get_by_role("link", name="Địa bàn"),
    )
    assert phone.get_by_role("heading", level=1).inner_text() == "Tỉnh Thử Nghiệm"
    _fits_the_phone(phone)
    _open(phone, phone.get_by_role("link", name=re.compile("Xã An Bình")))
    assert phone.get_by_role("heading", level=1).inner_text() == "Xã An Bình"
    _open(phone, phone.get_by_role("link", name=re.compile("Thôn Một")))
    assert phone.get_by_text("Số hộ đã đăng ký").is_visible()
    _fits_the_phone(phone)

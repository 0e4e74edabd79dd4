"""In a real Chromium at phone size, the send-back loop end to end: the coordinator returns a
visit with a reason, the team member sees it first on the home page and fixes it, the
coordinator approves it, and the visit is then locked for its author."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from cdt_app.i18n import today_local
from cdt_app.models import Visit, VisitStatusChange
from tests.browser_helpers import login
from tests.factories import make_household, make_tree, make_user, make_visit

pytestmark = pytest.mark.browser

REASON = "Ghi thiếu số người được hướng dẫn: cả hai vợ chồng đều học"


def _logout(page, base: str) -> None:
    page.goto(f"{base}/account")
    page.locator("#logout-button").click()
    page.wait_for_url(re.compile(r".*/login.*"))


def _fits_the_phone(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_send_back_loop_on_a_phone(live_server, phone, db):
    tree = make_tree(db)
    make_user(db, "coordinator", tree["commune_a"], username="doan", name="Trần Văn Đoàn")
    member = make_user(
        db, "volunteer", tree["village_a1"], username="tinhnguyen", name="Lê Thị Hoa"
    )
    household = make_household(db, tree["village_a1"], head_name="Nguyễn Văn An", members=4)
    other = make_household(db, tree["village_a1"], head_name="Phạm Thị Bích")
    visit = make_visit(db, household, member, skills={"vneid": True})
    make_visit(db, other, member, visited_on=today_local() - timedelta(days=1))

    # 1. the coordinator finds the visit in the queue and returns it with a reason
    login(phone, live_server, "doan")
    phone.get_by_role("navigation", name="Menu chính").get_by_role("link", name="Duyệt").click()
    phone.wait_for_url(f"{live_server}/review/")
    assert phone.get_by_role("heading", level=1).inner_text() == "Duyệt lượt hướng dẫn"
    _fits_the_phone(phone)
    phone.get_by_role("link", name=re.compile("Nguyễn Văn An")).click()
    phone.wait_for_url(re.compile(rf".*/review/visits/{visit.id}.*"))
    _fits_the_phone(phone)
    # an empty reason is refused next to the field
    with phone.expect_navigation():
        phone.get_by_role("button", name="Trả lại cho tổ viên").click()
    error = phone.locator(".has-error .error")
    error.wait_for()
    assert error.inner_text() == "Vui lòng ghi lý do trả lại lượt hướng dẫn."
    phone.get_by_label("Lý do trả lại").fill(REASON)
    phone.get_by_role("button", name="Trả lại cho tổ viên").click()
    phone.wait_for_url(f"{live_server}/review/")
    assert "Đã trả lại lượt hướng dẫn" in phone.locator(".flash").inner_text()
    assert phone.get_by_role("link", name=re.compile("Trả lại \\(1\\)")).is_visible()
    _logout(phone, live_server)

    # 2. the team member sees it first on the home page, with the reason, and fixes it
    login(phone, live_server, "tinhnguyen")
    section = phone.locator(".returned-for-me")
    assert section.is_visible()
    assert "Bị trả lại, cần bạn sửa (1)" in section.inner_text()
    assert REASON in section.inner_text()
    first_heading = phone.locator("main h2").first
    assert first_heading.inner_text().startswith("Bị trả lại")
    fix = section.get_by_role("link", name="Sửa lượt này")
    box = fix.bounding_box()
    assert box["height"] >= 44
    fix.click()
    phone.wait_for_url(re.compile(rf".*/visits/{visit.id}/edit"))
    assert REASON in phone.locator("main").inner_text()
    phone.get_by_label("Số người được hướng dẫn").fill("2")
    phone.get_by_role("button", name="Lưu lượt hướng dẫn").click()
    phone.wait_for_url(re.compile(rf".*/visits/{visit.id}$"))
    phone.goto(f"{live_server}/")
    assert phone.locator(".returned-for-me").count() == 0
    _logout(phone, live_server)

    # 3. the coordinator sees it waiting again, with its history, and approves it
    login(phone, live_server, "doan")
    phone.goto(f"{live_server}/review/")
    phone.get_by_role("link", name=re.compile("Nguyễn Văn An")).click()
    history = phone.locator(".status-history")
    assert REASON in history.inner_text()
    assert history.locator("li").count() == 3  # submitted, returned, submitted again
    phone.get_by_role("button", name="Duyệt", exact=True).click()
    phone.wait_for_url(f"{live_server}/review/")
    assert "Đã duyệt lượt hướng dẫn." in phone.locator(".flash").inner_text()
    # the other visit is still waiting: approve it with its checkbox and the batch button
    phone.locator("input[name=visit_ids]").first.check()
    with phone.expect_navigation():
        phone.get_by_role("button", name="Duyệt các lượt đã chọn").click()
    assert "Không có lượt hướng dẫn nào đang chờ duyệt." in phone.locator("main").inner_text()
    _logout(phone, live_server)

    db.rollback()
    db.expire_all()
    stored = db.get(Visit, visit.id)
    assert (stored.status, stored.people_taught) == ("approved", 2)
    moves = db.scalars(
        select(VisitStatusChange.to_status)
        .where(VisitStatusChange.visit_id == visit.id)
        .order_by(VisitStatusChange.at, VisitStatusChange.id)
    ).all()
    assert moves == ["submitted", "returned", "submitted", "approved"]

    # 4. approved: locked for the author
    login(phone, live_server, "tinhnguyen")
    response = phone.goto(f"{live_server}/visits/{visit.id}/edit")
    assert response.status == 403

"""In Chromium at 360×640: a team member logs a visit to a known household from the home screen
in at most 5 taps, fixes a validation error without retyping anything else, and every target
is at least 44 px."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from cdt_app.models import Skill, Visit, VisitSkill
from tests.browser_helpers import SMALL_TARGETS_JS, login
from tests.factories import make_visit

pytestmark = pytest.mark.browser


class Taps:
    """Counts the taps of the user (typing does not count)."""

    def __init__(self, page):
        self.page, self.count = page, 0

    def tap(self, locator) -> None:
        locator.scroll_into_view_if_needed()
        locator.tap()
        self.count += 1


def _assert_phone_friendly(phone) -> None:
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    assert phone.evaluate(SMALL_TARGETS_JS) == []


@pytest.fixture
def world(make_world):
    fields = {"phone": "0912345678", "members": 4}
    others = ("Bùi Thị Mai", "Trần Văn Ba", "Võ Thị Năm")
    return make_world(
        people={"volunteer": ("volunteer", "village_a1", "tinhnguyen")},
        households={
            "household": ("village_a1", "volunteer", "Đỗ Văn Hải", "Số 7", fields),
            **{name: ("village_a1", "volunteer", name) for name in others},
        },
    )


def test_logging_a_visit_takes_at_most_five_taps(live_server, phone, db, world):
    login(phone, live_server, "tinhnguyen")
    _assert_phone_friendly(phone)
    taps = Taps(phone)
    # home → "Ghi lượt hướng dẫn" → the household in the list → a skill → "Lưu"
    taps.tap(phone.get_by_role("link", name="Ghi lượt hướng dẫn").first)
    phone.wait_for_url("**/visits/new")
    _assert_phone_friendly(phone)
    taps.tap(phone.get_by_role("link", name="Đỗ Văn Hải"))
    phone.wait_for_url("**/visits/new?household=*")
    _assert_phone_friendly(phone)
    taps.tap(phone.get_by_label("Sử dụng dịch vụ công trực tuyến"))
    taps.tap(phone.get_by_role("button", name="Lưu lượt hướng dẫn"))
    phone.wait_for_url("**/visits/mine")
    expect(phone.get_by_text("Đã lưu lượt hướng dẫn.")).to_be_visible()
    print(f"\ntaps from the home screen to a saved visit: {taps.count}")
    assert taps.count <= 5
    _assert_phone_friendly(phone)
    db.expire_all()
    visit = db.scalar(select(Visit))
    assert visit.household_id == world["household"].id and visit.people_taught == 1

    # a household visited before is on the home screen: even fewer taps
    phone.goto(f"{live_server}/")
    again = Taps(phone)
    again.tap(phone.get_by_role("link", name="Đỗ Văn Hải"))
    again.tap(phone.get_by_label("Sử dụng điện thoại thông minh cơ bản"))
    again.tap(phone.get_by_role("button", name="Lưu lượt hướng dẫn"))
    phone.wait_for_url("**/visits/mine")
    print(f"taps for a household on the home screen: {again.count}")
    assert again.count == 3


def test_a_validation_error_is_fixed_without_retyping(live_server, phone, db, world):
    household = world["household"]
    login(phone, live_server, "tinhnguyen")
    phone.goto(f"{live_server}/visits/new?household={household.id}")
    phone.get_by_label("Cài đặt, kích hoạt tài khoản định danh điện tử VNeID mức 2").tap()
    # "completed" for a skill not ticked yet ticks the skill too (the small script)
    completed = phone.locator('input[name="completed"][value="payment"]')
    completed.tap()
    assert phone.locator('input[name="skills"][value="payment"]').is_checked()
    phone.get_by_label("Số người được hướng dẫn").fill("9")  # the household has 4 members
    phone.get_by_label("Ghi chú (không bắt buộc)").fill("Hai vợ chồng, đã cài VNeID")
    phone.get_by_role("button", name="Lưu lượt hướng dẫn").tap()
    expect(phone.locator("#people_taught-error")).to_contain_text(
        "Số người được hướng dẫn phải là số nguyên từ 1 đến 4"
    )
    # the summary at the top links to the field
    expect(phone.get_by_role("alert").get_by_role("link")).to_have_attribute(
        "href", "#people_taught"
    )
    people = phone.get_by_label("Số người được hướng dẫn")
    assert people.get_attribute("aria-invalid") == "true"
    # everything else is still as typed
    assert phone.locator('input[name="skills"][value="vneid"]').is_checked()
    assert phone.locator('input[name="skills"][value="payment"]').is_checked()
    assert completed.is_checked()
    assert not phone.locator('input[name="completed"][value="vneid"]').is_checked()
    assert phone.get_by_label("Ghi chú (không bắt buộc)").input_value() == (
        "Hai vợ chồng, đã cài VNeID"
    )
    _assert_phone_friendly(phone)
    people.fill("2")
    phone.get_by_role("button", name="Lưu lượt hướng dẫn").tap()
    phone.wait_for_url("**/visits/mine")
    db.expire_all()
    visit = db.scalar(select(Visit))
    assert visit.people_taught == 2 and visit.notes == "Hai vợ chồng, đã cài VNeID"
    skills = dict(
        db.execute(
            select(Skill.code, VisitSkill.completed)
            .join(VisitSkill, VisitSkill.skill_id == Skill.id)
            .where(VisitSkill.visit_id == visit.id)
        ).all()
    )
    assert skills == {"vneid": False, "payment": True}


def test_household_pages_fit_a_phone(live_server, phone, db, world):
    make_visit(db, world["household"], world["volunteer"], status="returned", review_note="Sửa")
    login(phone, live_server, "tinhnguyen")
    for path in (
        "/households/",
        "/households/new",
        f"/households/{world['household'].id}",
        "/visits/mine",
    ):
        phone.goto(f"{live_server}{path}")
        _assert_phone_friendly(phone)
    phone.goto(f"{live_server}/households/new")
    phone.get_by_label("Chủ hộ (họ và tên)").fill("Lâm Thị Sáu")
    phone.get_by_label("Số nhân khẩu", exact=True).fill("3")
    phone.get_by_role("button", name="Lưu hộ gia đình").tap()
    expect(phone.locator("#consent-error")).to_contain_text("Vui lòng đánh dấu ô đồng ý")
    assert phone.get_by_label("Chủ hộ (họ và tên)").input_value() == "Lâm Thị Sáu"
    phone.locator('input[name="consent"]').tap()
    phone.get_by_role("button", name="Lưu hộ gia đình").tap()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Lâm Thị Sáu")
    _assert_phone_friendly(phone)


def test_the_visit_form_works_without_javascript(live_server, browser, db, world):
    context = browser.new_context(
        viewport={"width": 360, "height": 640},
        is_mobile=True,
        has_touch=True,
        java_script_enabled=False,
        locale="vi-VN",
    )
    page = context.new_page()
    try:
        login(page, live_server, "tinhnguyen")
        page.get_by_role("link", name="Ghi lượt hướng dẫn").first.tap()
        page.get_by_role("link", name="Đỗ Văn Hải").tap()
        page.locator('input[name="completed"][value="vneid"]').tap()  # no script: not ticked
        page.get_by_role("button", name="Lưu lượt hướng dẫn").tap()
        page.wait_for_url("**/visits/mine")
        db.expire_all()
        visit = db.scalar(select(Visit))
        completed = db.scalar(select(VisitSkill.completed).where(VisitSkill.visit_id == visit.id))
        assert completed is True  # "completed" alone counts as taught, server side
    finally:
        context.close()


def test_the_visit_form_runs_at_most_20_kb_of_javascript(live_server, phone, world):
    """DESIGN section 9, as Chromium runs it: every module, the imports that run included."""
    login(phone, live_server, "tinhnguyen")
    scripts: list[str] = []
    phone.on("request", lambda request: request.url.endswith(".js") and scripts.append(request.url))
    phone.goto(f"{live_server}/visits/new?household={world['household'].id}")
    phone.wait_for_load_state("networkidle")
    # sizes as served (what the page got may come from the HTTP cache, as a 304)
    sizes = {url.rsplit("/", 1)[1]: len(phone.request.get(url).body()) for url in set(scripts)}
    print(f"\nJavaScript of the visit form: {sum(sizes.values())} bytes {sizes}")
    assert {"offline.js", "outbox-drain.js", "offline-forms.js", "visit-form.js"} <= set(sizes)
    assert "form-fill.js" not in sizes  # only for a kept copy or a record to fix
    assert sum(sizes.values()) <= 20 * 1024

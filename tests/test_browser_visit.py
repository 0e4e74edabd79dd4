"""In Chromium at 360×640: a team member logs a visit from the home page in at most 4 taps with
a search and 3 from the home page's list, no field hides behind the save bar, the date is
dd/mm/yyyy in any language, a validation error is fixed without retyping anything else, and
every target is at least 44 px."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from cdt_app.i18n import today_local
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


#: the address of the saved visit, shown after "Lưu" with "Ghi lượt khác"
SAVED = re.compile(r"/visits/[0-9a-f-]{36}\?saved=1$")


def _on_first_screen(phone, locator) -> bool:
    """Is ``locator`` wholly inside the first 640 px of the page, with nothing scrolled?"""
    assert phone.evaluate("scrollY") == 0
    box = locator.bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 640


def _saved(phone, taps: Taps, label: str) -> int:
    """After "Lưu": the saved visit and its "Ghi lượt khác"; the taps it took."""
    phone.wait_for_url(SAVED)
    expect(phone.get_by_text("Đã lưu lượt hướng dẫn.")).to_be_visible()
    expect(phone.get_by_role("heading", name="Ghi lượt khác")).to_be_visible()
    print(f"taps from the home page to a saved visit, {label}: {taps.count}")
    return taps.count


def test_logging_a_visit_takes_at_most_four_taps(live_server, phone, db, world):
    """A tap is a tap on the page; typing the search counts 0, its "Tìm" 1."""
    login(phone, live_server, "tinhnguyen")
    _assert_phone_friendly(phone)
    log = phone.get_by_role("link", name="Ghi lượt hướng dẫn", exact=True)
    search = phone.get_by_role("searchbox")
    assert _on_first_screen(phone, log) and _on_first_screen(phone, search)
    print(f"\nthe home page: {phone.evaluate('document.documentElement.scrollHeight')} px high")

    # 1. the search on the home page: "Tìm" → the household → a skill → "Lưu"
    taps = Taps(phone)
    search.fill("do van hai")
    taps.tap(phone.get_by_role("button", name="Tìm"))
    phone.wait_for_url("**/visits/new?s=*")
    _assert_phone_friendly(phone)
    taps.tap(phone.get_by_role("link", name="Đỗ Văn Hải"))
    phone.wait_for_url("**/visits/new?household=*")
    _assert_phone_friendly(phone)
    taps.tap(phone.get_by_label("Sử dụng dịch vụ công trực tuyến"))
    taps.tap(phone.get_by_role("button", name="Lưu lượt hướng dẫn"))
    assert _saved(phone, taps, "with a search") <= 4
    _assert_phone_friendly(phone)
    db.expire_all()
    visit = db.scalar(select(Visit))
    assert visit.household_id == world["household"].id and visit.people_taught == 1
    assert visit.visited_on == today_local()
    assert str(visit.id) in phone.url

    # 2. a household visited before is on the home page: its row → a skill → "Lưu"
    phone.goto(f"{live_server}/")
    again = Taps(phone)
    again.tap(phone.get_by_role("link", name=re.compile("^Đỗ Văn Hải")))
    again.tap(phone.get_by_label("Sử dụng điện thoại thông minh cơ bản"))
    again.tap(phone.get_by_role("button", name="Lưu lượt hướng dẫn"))
    assert _saved(phone, again, "from the home list") <= 3

    # 3. "Ghi lượt khác" for the same household, two skills: one more tap than one skill
    same = Taps(phone)
    same.tap(phone.get_by_role("link", name="Cùng hộ này"))
    phone.wait_for_url(f"**/visits/new?household={world['household'].id}")
    same.tap(phone.get_by_label("Thanh toán trực tuyến, không dùng tiền mặt"))
    same.tap(phone.get_by_label("Sử dụng dịch vụ công trực tuyến"))
    same.tap(phone.get_by_role("button", name="Lưu lượt hướng dẫn"))
    assert _saved(phone, same, "again, two skills") <= 4

    # 4. "Ghi lượt hướng dẫn": the household in the list → a skill → "Lưu"
    phone.goto(f"{live_server}/")
    listed = Taps(phone)
    listed.tap(log)
    phone.wait_for_url("**/visits/new")
    listed.tap(phone.get_by_role("link", name="Bùi Thị Mai"))
    listed.tap(phone.get_by_label("Sử dụng dịch vụ công trực tuyến"))
    listed.tap(phone.get_by_role("button", name="Lưu lượt hướng dẫn"))
    assert _saved(phone, listed, "from the list of households") <= 4
    # "Hộ khác" leads back to the list
    phone.get_by_role("link", name="Hộ khác").tap()
    phone.wait_for_url("**/visits/new")
    db.rollback()
    assert db.scalar(select(func.count()).select_from(Visit)) == 4


#: the fields of the form that are on screen, each checked against the save bar and the
#: bottom of the screen once scrolled into view as Playwright does and as focusing does
COVERED_JS = """
async (how) => {
  const form = document.querySelector('.visit-form'), bar = form.querySelector('.sticky-save');
  const nav = document.querySelector('.bottom-nav');
  const navTop = nav && nav.offsetParent ? nav.getBoundingClientRect().top : innerHeight;
  const fields = [...form.querySelectorAll('input, textarea, select, .geo button')]
    .map((el) => (el.type === 'checkbox' || el.type === 'radio') ? el.closest('label') : el)
    .filter((el) => el.type !== 'hidden' && el.getClientRects().length)
    .filter((el) => !el.closest('.sticky-save'));
  const hidden = [];
  for (const el of fields) {
    window.scrollTo(0, 0);
    if (how === 'focus') (el.control || el).focus();
    else el.scrollIntoView({ block: 'nearest' });
    await new Promise(requestAnimationFrame);
    const box = el.getBoundingClientRect(), top = bar.getBoundingClientRect().top;
    if (box.bottom > Math.min(top, navTop) + 0.5 || box.top < 0) {
      const name = el.name || el.textContent.trim().slice(0, 30);
      hidden.push(`${name}: ${Math.round(box.top)}-${Math.round(box.bottom)}, bar ${top}`);
    }
  }
  return { hidden, count: fields.length, bar: Math.round(bar.getBoundingClientRect().height) };
}
"""


def test_the_save_bar_hides_no_field(live_server, phone, world):
    login(phone, live_server, "tinhnguyen")
    phone.goto(f"{live_server}/visits/new?household={world['household'].id}")
    phone.wait_for_load_state("networkidle")
    print(f"\nthe visit form: {phone.evaluate('document.documentElement.scrollHeight')} px high")
    for state in ("today", "another day"):
        if state == "another day":
            phone.get_by_label("Ngày khác").check()
            expect(phone.locator("input[name=visited_on]")).to_be_visible()
        for how in ("scroll", "focus"):
            found = phone.evaluate(COVERED_JS, how)
            assert found["count"] >= 20, found  # 8 skills × 2, the people, the days, the notes
            assert found["hidden"] == [], found
            assert found["bar"] <= 56, found
        # Playwright's own way to reach each of them, which tapping uses
        for label in phone.locator(".visit-form label.check").all():
            label.scroll_into_view_if_needed()
            box, bar = label.bounding_box(), phone.locator(".sticky-save").bounding_box()
            assert box["y"] + box["height"] <= bar["y"] + 0.5, label.inner_text()


def test_the_date_is_dd_mm_yyyy_in_any_language(live_server, browser, db, world):
    """An English phone too: a browser's date picker would show mm/dd/yyyy there."""
    context = browser.new_context(
        viewport={"width": 360, "height": 640},
        is_mobile=True,
        has_touch=True,
        locale="en-US",
        timezone_id="Asia/Ho_Chi_Minh",
    )
    page = context.new_page()
    try:
        login(page, live_server, "tinhnguyen")
        url = f"{live_server}/visits/new?household={world['household'].id}"
        page.goto(url)
        typed = page.locator("input[name=visited_on]")
        assert typed.get_attribute("type") == "text"
        assert typed.get_attribute("placeholder") == "dd/mm/yyyy"
        assert typed.get_attribute("inputmode") == "numeric"
        assert page.get_by_label("Hôm nay").is_checked()
        assert not typed.is_visible()  # only for "Ngày khác"
        # "Hôm qua": one tap
        page.get_by_label("Sử dụng dịch vụ công trực tuyến").tap()
        page.get_by_label("Hôm qua").tap()
        page.get_by_role("button", name="Lưu lượt hướng dẫn").tap()
        page.wait_for_url(SAVED)
        # another day, typed day first: the eight digits of a number pad, or with slashes
        for text in ("%d%m%Y", "%d/%m/%Y"):
            day = today_local() - timedelta(days=5 if "/" in text else 4)
            page.goto(url)
            page.get_by_label("Sử dụng dịch vụ công trực tuyến").tap()
            page.get_by_label("Ngày khác").tap()
            assert typed.input_value() == f"{today_local():%d/%m/%Y}"
            typed.fill(day.strftime(text))
            page.get_by_role("button", name="Lưu lượt hướng dẫn").tap()
            page.wait_for_url(SAVED)
            assert page.get_by_role("heading", level=1).inner_text().endswith(f"{day:%d/%m/%Y}")
        db.expire_all()
        days = sorted(db.scalars(select(Visit.visited_on)))
        assert days == [today_local() - timedelta(days=n) for n in (5, 4, 1)]
        # a date in the future comes back with its message, as typed
        page.goto(url)
        page.get_by_label("Sử dụng dịch vụ công trực tuyến").tap()
        page.get_by_label("Ngày khác").tap()
        typed.fill(f"{today_local() + timedelta(days=3):%d/%m/%Y}")
        page.get_by_role("button", name="Lưu lượt hướng dẫn").tap()
        expect(page.locator("#visited_on-error")).to_be_visible()
        assert page.get_by_label("Ngày khác").is_checked()
        assert typed.input_value() == f"{today_local() + timedelta(days=3):%d/%m/%Y}"
    finally:
        context.close()


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
    phone.wait_for_url(SAVED)
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
        page.get_by_label("Hôm qua").tap()  # a radio: no script needed
        page.get_by_role("button", name="Lưu lượt hướng dẫn").tap()
        page.wait_for_url(SAVED)
        db.expire_all()
        visit = db.scalar(select(Visit))
        completed = db.scalar(select(VisitSkill.completed).where(VisitSkill.visit_id == visit.id))
        assert completed is True  # "completed" alone counts as taught, server side
        assert visit.visited_on == today_local() - timedelta(days=1)
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

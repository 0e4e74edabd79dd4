"""No page is wider than a 360 px phone, in any state: every role, every page its navigation
reaches and their main sub-pages, with every <details> open, each filter form sent once with
bad values (its errors shown), a create form sent empty, and very long names planted."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest

from tests.browser_helpers import login

pytestmark = pytest.mark.browser

PHONE_WIDTH = 360
#: a real village name would rarely be this long, but an import can make one (and one word of
#: it has no space to break at)
LONG_PLACE = (
    "Thôn Đồng Bào Các Dân Tộc Vùng Cao Biên Giới Phía Tây Nam "
    "KhuTáiĐịnhCưThủyĐiệnĐồngNaiBaSốMườiHai"
)
LONG_COMMUNE = "Xã Quảng Trực Đắk Ngo Tuy Đức Nâm N'Jang Trường Xuân Đắk Song Đức An"
LONG_HEAD = "Nguyễn Thị Thanh Hương Ngọc Bích Phương Thảo Quỳnh Như Mai Lan Hồng Nhung Tuyết"
LONG_ADDRESS = "Số 123/45/6 Hẻm Bảy Mươi Tám, Đường Nguyễn Chí Thanh Kéo Dài Qua Cầu Suối"
LONG_PERSON = "Tôn Nữ Hoàng Thị Kim Ngân Phương Uyên Diễm Kiều"

ROLES = {
    "volunteer": "tinhnguyen",
    "team_lead": "totruong",
    "coordinator": "doan",
    "staff": "canbo",
    "admin": "quantri",
}
#: the main pages, for the roles that may open them (the others get 403 or 404 and are skipped)
MAIN_PAGES = (
    "/",
    "/review/",
    "/audit/",
    "/places/",
    "/places/import",
    "/users/",
    "/users/new",
    "/reports/coverage",
    "/reports/periodic",
    "/activity/",
    "/households/",
    "/households/new",
    "/visits/mine",
    "/visits/team",
    "/visits/new",
    "/skills/",
    "/sync",
    "/account",
)
MAX_PAGES = 60  #: per role, the main pages first, then what their links reach
#: query parameters that change the figures of a page but not its shape
SAME_SHAPE = {"preset", "approved_only", "open", "from", "to", "next"}
SKIP = re.compile(
    r"\.(csv|xlsx|json|js|png|webmanifest)(\?|$)|^/(logout|lang/|api/|static/|sw\.js|login)"
    r"|/(delete|anonymise|two-step)(\?|$)|[?&](page|sort|dir|outbox)="
)
BAD_VALUE = "2026-13-45x"

#: the page's width, and what sticks out: elements, or text running out of its box
WIDER_THAN_THE_PHONE = """(limit) => {
  const wide = [];
  const name = (el) => `${el.tagName.toLowerCase()}.${el.getAttribute('class') || ''}`;
  for (const el of document.querySelectorAll('body *')) {
    const box = el.getBoundingClientRect();
    if (box.width && box.right > limit + 1 && !el.closest('.table-wrap')) {
      wide.push(`${name(el)} ${Math.round(box.right)}`);
    }
  }
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  while (walker.nextNode()) {
    const parent = walker.currentNode.parentElement;
    range.selectNodeContents(walker.currentNode);
    const box = range.getBoundingClientRect();
    if (box.width && box.right > limit + 1 && !parent.closest('.table-wrap')) {
      wide.push(`text in ${name(parent)} ${Math.round(box.right)}`);
    }
  }
  return {width: document.documentElement.scrollWidth, wide: wide.slice(-4)};
}"""
OPEN_EVERYTHING = "() => document.querySelectorAll('details').forEach((d) => { d.open = true; })"
#: table headers of more than two lines (the activity tables had four)
TALL_HEADERS = """() => [...document.querySelectorAll('thead th')].filter((th) => {
  const range = document.createRange();
  range.selectNodeContents(th);
  const style = getComputedStyle(th);
  const line = parseFloat(style.lineHeight) || 1.2 * parseFloat(style.fontSize);
  return range.getBoundingClientRect().height > 2.5 * line;
}).map((th) => th.textContent.trim())"""


def _plant_long_names(db, world) -> dict:
    """The long names on the village and commune everybody works in, a household and a person."""
    world["village_a1"].name = LONG_PLACE
    world["commune_a"].name = LONG_COMMUNE
    world["tn_long"].display_name = LONG_PERSON
    db.commit()
    return {
        "village": world["village_a1"].id,
        "commune": world["commune_a"].id,
        "household": world["long"].id,
        "user": world["tn_long"].id,
    }


def _world(make_world, db):
    world = make_world(
        people={
            "tinhnguyen": ("volunteer", "village_a1", "tinhnguyen"),
            "tn_long": ("volunteer", "village_a1", "tinhnguyen_ten_rat_dai_cua_mot_nguoi"),
            "totruong": ("team_lead", "village_a1", "totruong"),
            "doan": ("coordinator", "commune_a", "doan"),
            "canbo": ("staff", "province", "canbo"),
            "quantri": ("admin", "province", "quantri"),
        },
        households={
            "long": ("village_a1", "tinhnguyen", LONG_HEAD, {"address": LONG_ADDRESS}),
            "short": ("village_a1", "tinhnguyen", "Lê Văn Bình"),
        },
        visits={
            "waiting": ("long", "tinhnguyen", {"skills": {"vneid": True, "dvc": False}}),
            "returned": (
                "short",
                "tn_long",
                {"status": "returned", "review_note": "Thiếu " + "thông tin " * 20},
            ),
            "approved": ("long", "tn_long", {"status": "approved"}),
        },
    )
    return world, _plant_long_names(db, world)


def _pattern(url: str) -> str:
    """A page's shape: its path with ids folded, and the names of its query parameters."""
    parts = urlsplit(url)
    path = re.sub(r"/[0-9a-f]{8}-[0-9a-f-]{27}", "/<uuid>", parts.path)
    path = re.sub(r"/\d+", "/<id>", path)
    keys = sorted({key for key, _ in parse_qsl(parts.query)} - SAME_SHAPE)
    return path + ("?" + "&".join(keys) if keys else "")


def _links(page) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map((e) => e.getAttribute('href'))")
    return [href for href in hrefs if href.startswith("/") and not SKIP.search(href)]


def _bad_filter_urls(page) -> list[str]:
    """Each GET form of the page, sent with a bad value in every field it has."""
    forms = page.eval_on_selector_all(
        "form",
        """forms => forms.filter((f) => (f.getAttribute('method') || 'get').toLowerCase() === 'get')
           .map((f) => ({action: f.getAttribute('action') || location.pathname,
                         names: [...f.elements].filter((e) => e.name && e.type !== 'hidden'
                                                       && e.type !== 'submit').map((e) => e.name),
                         hidden: [...f.elements].filter((e) => e.name && e.type === 'hidden')
                                                .map((e) => [e.name, e.value])}))""",
    )
    urls = []
    for form in forms:
        if form["names"]:
            hidden = [(name, value) for name, value in form["hidden"]]
            query = [*hidden, *((name, BAD_VALUE) for name in form["names"])]
            urls.append(f"{form['action']}?{urlencode(query)}")
    return urls


def _check(page, label: str, problems: list[str]) -> None:
    for state in ("as loaded", "every <details> open"):
        if state != "as loaded":
            page.evaluate(OPEN_EVERYTHING)
        found = page.evaluate(WIDER_THAN_THE_PHONE, PHONE_WIDTH)
        if found["width"] > PHONE_WIDTH:
            problems.append(f"{label} ({state}): {found['width']} px wide: {found['wide']}")
    tall = page.evaluate(TALL_HEADERS)
    if tall:
        problems.append(f"{label}: table headers over two lines: {tall}")


def _open(page, base: str, url: str) -> bool:
    response = page.goto(base + url, wait_until="load")
    return response is not None and response.status == 200


MAIN_POST_FORM = """() => [...document.querySelectorAll('main form')].find(
  (f) => (f.getAttribute('method') || '').toLowerCase() === 'post'
         && f.querySelector('button:not([type]), [type=submit]'))"""


def _submit_empty(page) -> bool:
    """Send the page's main POST form with its text fields emptied (to show its errors)."""
    if not page.evaluate(f"() => Boolean(({MAIN_POST_FORM})())"):
        return False
    with page.expect_navigation(wait_until="load"):
        page.evaluate(
            f"""() => {{
              const form = ({MAIN_POST_FORM})();
              const texts = ['text', 'tel', 'number', 'textarea', 'search'];
              for (const el of form.elements) {{
                if (texts.includes(el.type)) el.value = '';
              }}
              form.noValidate = true;
              form.requestSubmit(form.querySelector('button:not([type]), [type=submit]'));
            }}"""
        )
    return True


@pytest.mark.parametrize("role", list(ROLES))
def test_no_page_is_wider_than_a_phone(live_server, phone, make_world, db, role):
    _, ids = _world(make_world, db)
    login(phone, live_server, ROLES[role])
    planted = [
        f"/reports/coverage?place={ids['commune']}",
        f"/reports/coverage?place={ids['village']}",
        f"/places/{ids['village']}",
        f"/households/{ids['household']}",
        f"/users/{ids['user']}",
    ]
    nav = _links(phone)  # the bottom navigation of the home page, among others
    queue = [*MAIN_PAGES, *nav, *planted]
    seen: set[str] = set()
    problems: list[str] = []
    visited = 0
    while queue and visited < MAX_PAGES:
        url = queue.pop(0)
        shape = _pattern(url)
        if shape in seen:
            continue
        seen.add(shape)
        if not _open(phone, live_server, url):
            continue
        visited += 1
        _check(phone, url, problems)
        queue.extend(_links(phone))
        for bad in _bad_filter_urls(phone):
            if _pattern(bad) + "#bad" in seen:
                continue
            seen.add(_pattern(bad) + "#bad")
            if _open(phone, live_server, bad):
                _check(phone, f"{bad} (bad filter values)", problems)
            phone.goto(live_server + url, wait_until="load")
        if url.endswith(("/new", "/import")) and _submit_empty(phone):
            _check(phone, f"{url} (sent empty)", problems)
    assert visited >= 8, f"only {visited} pages reached as {role}"
    assert problems == [], "\n".join(problems)

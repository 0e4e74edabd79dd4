"""Household pages with CSRF on: list, search, register, duplicate warning, edit, scope."""

from __future__ import annotations

import re
import uuid

import pytest
from sqlalchemy import func, select

from cdt_app.models import Household
from tests.conftest import csrf_from
from tests.factories import make_household, make_user, make_visit


@pytest.fixture
def world(make_world):
    return make_world(
        people={
            "volunteer": ("volunteer", "village_a1", "tn"),
            "outsider": ("volunteer", "village_b1", "ngoai"),
        }
    )


def _count(db) -> int:
    db.rollback()
    db.expire_all()
    return db.scalar(select(func.count()).select_from(Household))


def _names(html: str) -> list[str]:
    return re.findall(
        r'<li class="household-row">\s*<a[^>]*>\s*<span[^>]*>\s*<strong>([^<]+)', html
    )


def _form(client, url: str, **fields) -> dict:
    page = client.get(url)
    assert page.status_code == 200
    data = {"csrf_token": csrf_from(page.text)}
    new_id = re.search(r'name="new_id" type="hidden" value="([^"]*)"', page.text)
    if new_id:
        data["new_id"] = new_id.group(1)
    data.update(fields)
    return data


def _household_fields(village, **changes) -> dict:
    data = {
        "village_id": str(village.id),
        "head_name": "Phạm Thị Hoà",
        "address": "Số 12, xóm 3",
        "phone": "0912 345 678",
        "members": "5",
        "smartphone_adults": "2",
        "notes": "",
        "consent": "y",
    }
    data.update(changes)
    return data


def test_list_is_in_vietnamese_order_and_paginated(client, auth, db, world):
    village = world["tree"]["village_a1"]
    names = ["Yến", "Ánh", "Anh", "Đào", "Dũng", "Ân", "Ăn", "Bình"]
    for name in names:
        make_household(db, village, world["volunteer"], name)
    for n in range(25):
        make_household(db, village, world["volunteer"], f"Zô Hộ {n:02d}")
    make_household(db, world["tree"]["village_b1"], world["outsider"], "Ai Ở Xa")
    auth.login("tn")
    first = client.get("/households/")
    assert _names(first.text)[:8] == ["Anh", "Ánh", "Ăn", "Ân", "Bình", "Dũng", "Đào", "Yến"]
    assert "Ai Ở Xa" not in first.text
    assert len(_names(first.text)) == 25 and "page=2" in first.text
    second = client.get("/households/?page=2")
    assert len(_names(second.text)) == 8
    assert client.get("/households/?page=abc").status_code == 200
    assert client.get("/households/?page=99999999999").status_code == 200


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("nguyen van an", True),
        ("NGUYỄN", True),
        ("hòa", True),  # stored "Hoà": the other tone placement
        ("phu qui", True),  # stored "Quý": i/y
        ("xom 3", True),
        ("0912 345", True),
        ("+84 912 345 678", True),
        ("tran", False),
        ("%", False),
        ("_", False),
    ],
)
def test_search_uses_the_folded_key(client, auth, db, world, query, found):
    village = world["tree"]["village_a1"]
    make_household(
        db,
        village,
        world["volunteer"],
        "Nguyễn Văn An Hoà",
        address="Xóm 3, Phú Quý",
        phone="0912345678",
    )
    auth.login("tn")
    page = client.get("/households/", query_string={"q": query}, follow_redirects=True)
    assert page.status_code == 200
    assert ("Nguyễn Văn An Hoà" in _names(page.text)) is found


def test_register_a_household_and_record_consent(client, auth, db, world):
    village = world["tree"]["village_a1"]
    auth.login("tn")
    page = client.get("/households/new")
    # consent: an explicit checkbox, unticked, stating the purpose
    consent = re.search(r'<input[^>]*name="consent"[^>]*>', page.text).group(0)
    assert 'type="checkbox"' in consent and "checked" not in consent
    assert "đồng ý" in page.text and "hướng dẫn kỹ năng số" in page.text
    data = _form(client, "/households/new", **_household_fields(village))
    response = client.post("/households/new", data=data)
    assert response.status_code == 302
    household = db.scalar(select(Household))
    assert response.location.endswith(f"/households/{household.id}")
    assert str(household.id) == data["new_id"]
    assert household.phone == "0912345678" and household.consent_by_id == world["volunteer"].id
    # the same form sent twice (a double tap) registers one household
    assert client.post("/households/new", data=data).status_code == 302
    assert _count(db) == 1
    detail = client.get(response.location)
    assert "Phạm Thị Hoà" in detail.text and "Ghi lượt hướng dẫn" in detail.text


def test_errors_are_shown_next_to_fields_and_everything_typed_is_kept(client, auth, db, world):
    village = world["tree"]["village_a1"]
    auth.login("tn")
    fields = _household_fields(village, members="abc", consent="", phone="12345")
    response = client.post("/households/new", data=_form(client, "/households/new", **fields))
    assert response.status_code == 200
    assert "Số nhân khẩu phải là số nguyên" in response.text
    assert "Số điện thoại không hợp lệ" in response.text
    assert "Vui lòng đánh dấu ô đồng ý" in response.text
    assert 'value="Phạm Thị Hoà"' in response.text and 'value="Số 12, xóm 3"' in response.text
    assert 'value="abc"' in response.text and 'value="12345"' in response.text
    assert 'aria-invalid="true"' in response.text
    assert _count(db) == 0


def test_duplicate_warning_links_to_the_existing_household(client, auth, db, world):
    village = world["tree"]["village_a1"]
    existing = make_household(db, village, world["volunteer"], "Phạm Thị Hòa", "so 12, xom 3")
    auth.login("tn")
    fields = _household_fields(village, phone="")
    response = client.post("/households/new", data=_form(client, "/households/new", **fields))
    assert response.status_code == 200
    assert "Hộ này có thể đã được đăng ký" in response.text
    assert f"/households/{existing.id}" in response.text
    # the server's own warning, shown; not the hidden one the page script fills in offline
    assert "data-offline-duplicates" not in response.text
    assert response.text.count('name="confirm_duplicate"') == 1
    assert _count(db) == 1
    confirm = dict(_form(client, "/households/new", **fields), confirm_duplicate="y")
    response = client.post("/households/new", data=confirm)
    assert response.status_code == 302, response.text
    assert _count(db) == 2, response.location


@pytest.mark.parametrize(
    ("stored", "typed"),
    [
        (("Vũ Thị Hoà Kiểm Thử", "Số 99, xóm 3"), ("Vu Thi Hoa Kiem Thu", "so 99 xom 3")),
        (("Nguyễn Văn A.", "Tổ 4 - Khu 2"), ("NGUYEN  VAN A", "to4 khu2")),
        (("Lê-Thị Bé", "12/3 Trần Phú"), ("le thi be", "12 3 tran phu")),
    ],
)
def test_the_duplicate_warning_ignores_punctuation_and_spacing(
    client, auth, db, world, stored, typed
):
    """DESIGN section 3 (issue 12): only the marks, the commas and the spaces differ."""
    village = world["tree"]["village_a1"]
    auth.login("tn")
    first = _household_fields(village, head_name=stored[0], address=stored[1], phone="")
    assert (
        client.post("/households/new", data=_form(client, "/households/new", **first)).status_code
        == 302
    )
    again = _household_fields(village, head_name=typed[0], address=typed[1], phone="")
    response = client.post("/households/new", data=_form(client, "/households/new", **again))
    assert response.status_code == 200
    assert "Hộ này có thể đã được đăng ký" in response.text
    assert _count(db) == 1


def test_the_new_household_form_carries_the_offline_duplicate_warning_hidden(
    client, auth, db, world
):
    village = world["tree"]["village_a1"]
    household = make_household(db, village, world["volunteer"], "Lê Văn Cũ", members=3)
    auth.login("tn")
    page = client.get("/households/new").text
    warning = re.search(r"<div [^>]*data-offline-duplicates[^>]*>(.*?)</div>\s*</div>", page, re.S)
    assert warning is not None and " hidden " in warning.group(0)[:80]
    assert 'name="confirm_duplicate"' in warning.group(1)
    assert "/static/js/household-form.js" in page
    edit = client.get(f"/households/{household.id}/edit").text
    assert "data-offline-duplicates" not in edit and "household-form.js" not in edit


def test_edit_a_household(client, auth, db, world):
    village = world["tree"]["village_a1"]
    household = make_household(db, village, world["volunteer"], "Lê Văn Cũ", members=3)
    auth.login("tn")
    url = f"/households/{household.id}/edit"
    page = client.get(url)
    assert 'value="Lê Văn Cũ"' in page.text and 'value="3"' in page.text
    fields = _household_fields(village, head_name="Lê Văn Mới", members="4")
    assert client.post(url, data=_form(client, url, **fields)).status_code == 302
    db.rollback()
    db.expire_all()
    assert db.get(Household, household.id).head_name == "Lê Văn Mới"
    bad = client.post(url, data=_form(client, url, **dict(fields, members="0")))
    assert bad.status_code == 200 and 'value="0"' in bad.text
    db.rollback()
    db.expire_all()
    assert db.get(Household, household.id).members == 4


def test_household_page_shows_its_visit_history(client, auth, db, world):
    from datetime import date

    household = make_household(db, world["tree"]["village_a1"], world["volunteer"], "Hồ Thị Lan")
    make_visit(db, household, world["volunteer"], visited_on=date(2025, 3, 4), skills={"dvc": True})
    make_visit(db, household, world["volunteer"], status="returned", review_note="Thiếu ghi chú")
    auth.login("tn")
    page = client.get(f"/households/{household.id}")
    assert "04/03/2025" in page.text and "Sử dụng dịch vụ công trực tuyến" in page.text
    assert "Trả lại" in page.text and "Thiếu ghi chú" in page.text
    assert f"/visits/new?household={household.id}" in page.text


def test_other_villages_households_answer_404(client, auth, db, world):
    theirs = make_household(db, world["tree"]["village_b1"], world["outsider"], "Người Khác")
    auth.login("tn")
    for url in (
        f"/households/{theirs.id}",
        f"/households/{theirs.id}/edit",
        f"/households/{uuid.uuid4()}",
        f"/visits/new?household={theirs.id}",
    ):
        assert client.get(url).status_code == 404, url
    page = client.get("/households/new")
    fields = _household_fields(world["tree"]["village_a1"], head_name="Đổi Trộm")
    response = client.post(
        f"/households/{theirs.id}/edit", data={"csrf_token": csrf_from(page.text), **fields}
    )
    assert response.status_code == 404
    # registering into another village is refused with a field error
    fields = _household_fields(world["tree"]["village_b1"])
    response = client.post("/households/new", data=_form(client, "/households/new", **fields))
    assert response.status_code == 200 and "trong địa bàn của bạn" in response.text
    db.rollback()
    db.expire_all()
    assert db.get(Household, theirs.id).head_name == "Người Khác"
    assert _count(db) == 1


def test_team_lead_and_coordinator_see_their_area(client, auth, db, world):
    tree = world["tree"]
    make_user(db, "team_lead", tree["village_a1"], username="tt")
    make_user(db, "coordinator", tree["commune_a"], username="dp")
    own = make_household(db, tree["village_a1"], world["volunteer"], "Hộ Thôn Một")
    other = make_household(db, tree["village_a2"], world["volunteer"], "Hộ Thôn Hai")
    auth.login("tt")
    names = _names(client.get("/households/").text)
    assert names == ["Hộ Thôn Một"]
    assert client.get(f"/households/{own.id}").status_code == 200
    assert client.get(f"/households/{other.id}").status_code == 404
    auth.logout()
    auth.login("dp")
    page = client.get("/households/")
    assert sorted(_names(page.text)) == ["Hộ Thôn Hai", "Hộ Thôn Một"]
    assert "Thôn Hai" in page.text  # the village is named when the area has several
    form = client.get("/households/new")
    assert 'name="village_id"' in form.text and "<select" in form.text


def test_csrf_is_required(client, auth, db, world):
    auth.login("tn")
    fields = _household_fields(world["tree"]["village_a1"])
    assert client.post("/households/new", data=fields).status_code == 400
    assert _count(db) == 0


def test_anonymous_users_are_sent_to_login(client, world):
    response = client.get("/households/")
    assert response.status_code == 302 and "/login" in response.location


def test_searches_post_and_no_name_or_phone_reaches_a_url(app, client, auth, db, world):
    """The search box posts; the answer is a redirect to ?s=<key>, whose pages, reloads and
    old ?q= links all work, and whose key means nothing to another session."""
    village = world["tree"]["village_a1"]
    for n in range(30):
        make_household(db, village, world["volunteer"], f"Đinh Văn Tìm {n:02d}", phone="0912000111")
    make_household(db, village, world["volunteer"], "An Thị Khác")
    auth.login("tn")
    page = client.get("/households/")
    assert '<form method="post" action="/households/" role="search"' in page.text
    for typed in ("dinh van tim", "0912 000 111"):
        posted = client.post("/households/", data={"csrf_token": csrf_from(page.text), "q": typed})
        assert posted.status_code == 303
        location = posted.headers["Location"]
        assert re.fullmatch(r"/households/\?s=[\w-]{12}", location), location
        first = client.get(location)
        assert len(_names(first.text)) == 25 and "An Thị Khác" not in first.text
        assert f'value="{typed}"' in first.text
        pager = re.search(r'href="(/households/\?[^"]*page=2[^"]*)"', first.text).group(1)
        assert "q=" not in pager and "s=" in pager
        second = client.get(pager.replace("&amp;", "&"))
        assert len(_names(second.text)) == 5
        assert client.get(location).text == first.text.replace(
            csrf_from(first.text), csrf_from(first.text)
        )
    # an old link with ?q=: the same redirect, the same list
    old = client.get("/households/?q=dinh+van+tim")
    assert old.status_code == 303 and "q=" not in old.headers["Location"]
    # an empty search is the whole list; a key this session never made finds the whole list
    empty = client.post("/households/", data={"csrf_token": csrf_from(page.text), "q": "  "})
    assert empty.headers["Location"] == "/households/"
    assert "An Thị Khác" in client.get("/households/?s=not-a-key").text
    # the key shared with another user's session tells them nothing
    other = app.test_client()
    from tests.conftest import AuthActions

    AuthActions(other).login("tn")
    shown = other.get(location).text
    assert 'value="0912 000 111"' not in shown and "An Thị Khác" in shown
    # without the token the search is refused
    assert client.post("/households/", data={"q": "x"}).status_code == 400

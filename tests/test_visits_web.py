"""Visit pages with CSRF on: log, my visits, edit, delete, team view, home page, scope."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from cdt_app.i18n import today_local
from cdt_app.models import AuditLog, Visit, VisitSkill
from cdt_app.models.base import utcnow
from cdt_app.visits.queries import MINE_PER_PAGE, week_start
from tests.conftest import csrf_from
from tests.factories import make_household, make_visit
from tests.page_scripts import page_scripts

#: village A1's volunteer, colleague and team lead, an outsider in village B1, and a household
#: in each village (the services tests use it too)
TEAM = {
    "people": {
        "volunteer": ("volunteer", "village_a1", "tn"),
        "colleague": ("volunteer", "village_a1", "ban"),
        "team_lead": ("team_lead", "village_a1", "tt"),
        "outsider": ("volunteer", "village_b1", "ngoai"),
    },
    "households": {
        "household": ("village_a1", "volunteer", "Đỗ Văn Hải", {"members": 3}),
        "far": ("village_b1", "outsider", "Hộ Ở Xa"),
    },
}


@pytest.fixture
def world(make_world):
    return make_world(**TEAM)


def _fresh(db) -> None:
    db.rollback()
    db.expire_all()


def _count(db, model=Visit) -> int:
    _fresh(db)
    return db.scalar(select(func.count()).select_from(model))


def _value(html: str, name: str) -> str:
    """The value attribute of the input called ``name``."""
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)[0]
    return re.search(r'value="([^"]*)"', tag)[1]


def _token(client, world) -> str:
    return csrf_from(client.get(f"/visits/new?household={world['household'].id}").text)


def _visit_form(client, url: str, **fields) -> dict:
    page = client.get(url)
    assert page.status_code == 200, url
    data = {
        "csrf_token": csrf_from(page.text),
        "household_id": _value(page.text, "household_id"),
        "new_id": _value(page.text, "new_id"),
        "visited_on": _value(page.text, "visited_on"),
        "people_taught": "1",
        "skills": ["vneid"],
    }
    data.update(fields)
    return data


def test_the_form_defaults_to_today_and_one_person(client, auth, world):
    auth.login("tn")
    page = client.get(f"/visits/new?household={world['household'].id}")
    # "Hôm nay" is chosen; "Hôm qua" is one tap away; another day is typed dd/mm/yyyy
    assert re.search(r'<input checked[^>]*name="visited_day"[^>]*value="today"', page.text)
    assert 'value="yesterday"' in page.text and "Hôm qua" in page.text
    typed = re.search(r'<input[^>]*name="visited_on"[^>]*>', page.text)[0]
    assert f'value="{today_local():%d/%m/%Y}"' in typed and 'type="text"' in typed
    assert 'inputmode="numeric"' in typed and 'placeholder="dd/mm/yyyy"' in typed
    assert re.search(r'name="people_taught"[^>]*value="1"', page.text)
    assert "Đỗ Văn Hải" in page.text and "Từ 1 đến 3" in page.text
    # every active skill with its "completed" toggle, none ticked yet
    assert page.text.count('name="skills"') == 8 and page.text.count('name="completed"') == 8
    assert not re.search(r'name="(skills|completed)"[^>]*checked', page.text)
    assert "Đã tự làm được" in page.text


def test_log_a_visit(client, auth, db, world):
    auth.login("tn")
    url = f"/visits/new?household={world['household'].id}"
    data = _visit_form(
        client,
        url,
        skills=["vneid", "dvc"],
        completed=["vneid", "payment"],
        people_taught="2",
        notes="Cài VNeID cho hai vợ chồng",
    )
    response = client.post(url, data=data)
    assert response.status_code == 302
    assert response.location.endswith(f"/visits/{data['new_id']}?saved=1")
    _fresh(db)
    visit = db.scalar(select(Visit))
    assert str(visit.id) == data["new_id"]
    assert (visit.volunteer_id, visit.people_taught, visit.status) == (
        world["volunteer"].id,
        2,
        "submitted",
    )
    skills = dict(
        db.execute(
            select(VisitSkill.skill_id, VisitSkill.completed).where(VisitSkill.visit_id == visit.id)
        ).all()
    )
    assert sorted(skills.values()) == [False, True, True]  # "completed" alone means taught
    # a double tap on "Save" logs the visit once
    assert client.post(url, data=data).status_code == 302
    assert _count(db) == 1
    mine = client.get("/visits/mine")
    assert "Đã lưu lượt hướng dẫn" in mine.text and "Đỗ Văn Hải" in mine.text
    assert "Chờ duyệt" in mine.text


def test_a_validation_error_keeps_everything_typed(client, auth, db, world):
    auth.login("tn")
    url = f"/visits/new?household={world['household'].id}"
    future = (today_local() + timedelta(days=2)).isoformat()
    data = _visit_form(
        client,
        url,
        skills=["dvc"],
        completed=["dvc"],
        people_taught="7",
        visited_on=future,
        notes="Ghi chú giữ nguyên",
    )
    response = client.post(url, data=data)
    assert response.status_code == 200
    assert "Số người được hướng dẫn phải là số nguyên từ 1 đến 3" in response.text
    assert "Ngày hướng dẫn không được sau hôm nay." in response.text
    assert f'value="{future}"' in response.text and 'value="7"' in response.text
    assert "Ghi chú giữ nguyên" in response.text
    assert re.search(r'name="skills" value="dvc"[^>]*checked', response.text)
    assert re.search(r'name="completed" value="dvc"[^>]*checked', response.text)
    assert data["new_id"] in response.text
    assert _count(db) == 0
    no_skill = dict(data, skills=[], completed=[], people_taught="1", visited_on="")
    response = client.post(url, data=no_skill)
    assert "ít nhất một nội dung" in response.text and "Vui lòng nhập ngày" in response.text
    assert _count(db) == 0


def test_choosing_the_household_from_the_list_or_the_search(client, auth, db, world):
    make_household(db, world["tree"]["village_a1"], world["volunteer"], "Bùi Thị Mai")
    auth.login("tn")
    page = client.get("/visits/new")
    assert page.status_code == 200 and "chọn hộ" in page.text
    assert f"/visits/new?household={world['household'].id}" in page.text
    found = client.get("/visits/new?q=bui+mai", follow_redirects=True)
    assert "Bùi Thị Mai" in found.text and "Đỗ Văn Hải" not in found.text
    assert "Hộ Ở Xa" not in client.get("/visits/new?q=xa", follow_redirects=True).text


def test_my_visits_today_this_week_and_returned_first(client, auth, db, world):
    household, volunteer = world["household"], world["volunteer"]
    today = today_local()
    make_visit(db, household, volunteer, visited_on=today, notes="hôm nay")
    if week_start(today) < today:
        make_visit(db, household, volunteer, visited_on=today - timedelta(days=1))
    make_visit(db, household, volunteer, visited_on=today - timedelta(days=30), status="approved")
    make_visit(
        db,
        household,
        volunteer,
        visited_on=today - timedelta(days=3),
        status="returned",
        review_note="Thiếu số người",
    )
    make_visit(db, household, world["colleague"], visited_on=today)
    auth.login("tn")
    page = client.get("/visits/mine").text
    assert page.index("Bị trả lại, cần sửa (1)") < page.index("Hôm nay (1)")
    assert "Thiếu số người" in page
    assert "Đã duyệt" in page and "Trả lại" in page and "Chờ duyệt" in page
    expected_week = 1 if week_start(today) < today else 0
    assert f"Đầu tuần này ({expected_week})" in page


def test_edit_a_returned_visit_sends_it_back_for_review(client, auth, db, world):
    visit = make_visit(
        db, world["household"], world["volunteer"], status="returned", review_note="Sai ngày"
    )
    auth.login("tn")
    url = f"/visits/{visit.id}/edit"
    page = client.get(url)
    assert "Sai ngày" in page.text and re.search(
        r'name="skills" value="vneid"[^>]*checked', page.text
    )
    response = client.post(url, data=_visit_form(client, url, people_taught="3"))
    assert response.status_code == 302
    _fresh(db)
    assert db.get(Visit, visit.id).status == "submitted"
    assert db.get(Visit, visit.id).people_taught == 3


def test_delete_a_visit_softly(client, auth, db, world):
    visit = make_visit(db, world["household"], world["volunteer"])
    auth.login("tn")
    page = client.get(f"/visits/{visit.id}/delete")
    assert page.status_code == 200
    response = client.post(f"/visits/{visit.id}/delete", data={"csrf_token": csrf_from(page.text)})
    assert response.status_code == 302
    _fresh(db)
    assert db.get(Visit, visit.id).deleted_at is not None
    assert client.get(f"/visits/{visit.id}").status_code == 404
    assert "Đỗ Văn Hải" not in client.get("/visits/mine").text


def test_approved_visits_and_colleagues_visits_cannot_be_changed(client, auth, db, world):
    approved = make_visit(db, world["household"], world["volunteer"], status="approved")
    theirs = make_visit(db, world["household"], world["colleague"])
    auth.login("tn")
    token = _token(client, world)
    for visit in (approved, theirs):
        assert client.get(f"/visits/{visit.id}").status_code == 200  # same village: visible
        assert client.get(f"/visits/{visit.id}/edit").status_code == 403
        assert (
            client.post(f"/visits/{visit.id}/edit", data={"csrf_token": token}).status_code == 403
        )
        assert (
            client.post(f"/visits/{visit.id}/delete", data={"csrf_token": token}).status_code == 403
        )
    page = client.get(f"/visits/{approved.id}")
    assert "không thể sửa" in page.text and f"/visits/{approved.id}/edit" not in page.text
    _fresh(db)
    assert db.get(Visit, theirs.id).deleted_at is None


def test_team_lead_sees_the_team_visits_but_never_edits_them(client, auth, db, world):
    visit = make_visit(db, world["household"], world["volunteer"], notes="của tổ viên")
    make_visit(db, world["far"], world["outsider"], notes="thôn khác")
    auth.login("tt")
    team = client.get("/visits/team")
    assert team.status_code == 200 and "Đỗ Văn Hải" in team.text and "Hộ Ở Xa" not in team.text
    filtered = client.get(f"/visits/team?volunteer={world['colleague'].id}")
    assert "Đỗ Văn Hải" not in filtered.text
    # a reviewer returns a visit, never rewrites it: only its author edits or deletes it
    page = client.get(f"/visits/{visit.id}")
    assert page.status_code == 200 and f"/visits/{visit.id}/edit" not in page.text
    url = f"/visits/{visit.id}/edit"
    assert client.get(url).status_code == 403
    token = _token(client, world)
    data = {
        "csrf_token": token,
        "household_id": str(world["household"].id),
        "visited_on": today_local().isoformat(),
        "skills": ["dvc"],
        "people_taught": "1",
        "notes": "tổ trưởng sửa",
    }
    assert client.post(url, data=data).status_code == 403
    delete_url = f"/visits/{visit.id}/delete"
    assert client.post(delete_url, data={"csrf_token": token}).status_code == 403
    _fresh(db)
    stored = db.get(Visit, visit.id)
    assert stored.notes == "của tổ viên" and stored.deleted_at is None
    assert not db.scalars(select(AuditLog).where(AuditLog.object_id == str(visit.id))).all()
    home = client.get("/")
    assert "/visits/team" in home.text and "/users/" in home.text
    auth.logout()
    auth.login("tn")
    assert client.get("/visits/team").status_code == 403


def test_other_villages_visits_answer_404(client, auth, db, world):
    theirs = make_visit(db, world["far"], world["outsider"])
    auth.login("tn")
    token = _token(client, world)
    for url in (f"/visits/{theirs.id}", f"/visits/{theirs.id}/edit", f"/visits/{theirs.id}/delete"):
        assert client.get(url).status_code == 404, url
        assert client.post(url, data={"csrf_token": token}).status_code in (404, 405), url
    assert client.get(f"/visits/{uuid.uuid4()}").status_code == 404
    # posting a visit for their household with a form of ours: 404, nothing stored
    url = f"/visits/new?household={world['household'].id}"
    data = _visit_form(client, url, household_id=str(world["far"].id))
    assert client.post(url, data=data).status_code == 404
    _fresh(db)
    assert db.get(Visit, theirs.id).deleted_at is None
    assert _count(db) == 1


def test_home_page_of_a_volunteer(client, auth, db, world):
    make_visit(db, world["household"], world["volunteer"])
    auth.login("tn")
    home = client.get("/")
    assert "Ghi lượt hướng dẫn" in home.text and "Đăng ký hộ mới" in home.text
    # the household visited last is one tap from a new visit
    assert f"/visits/new?household={world['household'].id}" in home.text
    assert "lượt hôm nay" in home.text


def _gzip_size(body: bytes) -> int:
    import gzip

    return len(gzip.compress(body, compresslevel=6))


def _assets(client, html: str) -> dict[str, bytes]:
    """The CSS and JS files the page loads."""
    urls = re.findall(r'href="(/static/[^"]+\.css)"', html)
    return {**{url: client.get(url).data for url in urls}, **page_scripts(client, html)}


def test_page_weight_of_the_household_list_and_the_visit_form(client, auth, db, world):
    """DESIGN section 9: the visit form's first load ≤ 60 KB compressed in all, JS ≤ 20 KB."""
    for n in range(30):
        make_household(
            db, world["tree"]["village_a1"], world["volunteer"], f"Nguyễn Văn Hộ {n}", f"Số {n}"
        )
    auth.login("tn")
    sizes = {}
    for name, url in (
        ("household list", "/households/"),
        ("visit form", f"/visits/new?household={world['household'].id}"),
    ):
        page = client.get(url)
        assets = _assets(client, page.text)
        js = sum(_gzip_size(body) for path, body in assets.items() if path.endswith(".js"))
        total = _gzip_size(page.data) + sum(_gzip_size(body) for body in assets.values())
        sizes[name] = (_gzip_size(page.data), total, js)
        assert total <= 60 * 1024 and js <= 20 * 1024, (name, sizes[name])
    print(f"\ngzip bytes (html, html+css+js, js): {sizes}")


def test_the_saved_visit_offers_the_next_one(client, auth, db, world):
    auth.login("tn")
    url = f"/visits/new?household={world['household'].id}"
    data = _visit_form(client, url, visited_day="yesterday")
    saved = client.get(client.post(url, data=data).location).text
    assert "Đã lưu lượt hướng dẫn." in saved
    assert f"Lượt hướng dẫn ngày {today_local() - timedelta(days=1):%d/%m/%Y}" in saved
    assert ">Ghi lượt khác<" in saved
    assert 'href="/visits/new">Hộ khác<' in saved
    assert f'href="/visits/new?household={world["household"].id}">Cùng hộ này<' in saved
    # only right after saving, and only for its author
    assert "Ghi lượt khác" not in client.get(f"/visits/{data['new_id']}").text
    auth.logout()
    auth.login("tt")
    assert "Ghi lượt khác" not in client.get(f"/visits/{data['new_id']}?saved=1").text


def test_the_edit_form_shows_the_day_of_the_visit(client, auth, db, world):
    today = today_local()
    auth.login("tn")
    for back, chosen in ((0, "today"), (1, "yesterday"), (9, "other")):
        visit = make_visit(db, world["household"], world["volunteer"], today - timedelta(back))
        page = client.get(f"/visits/{visit.id}/edit").text
        assert re.search(rf'<input checked[^>]*name="visited_day"[^>]*value="{chosen}"', page)
        assert f'value="{today - timedelta(back):%d/%m/%Y}"' in page
    # "Hôm nay" chosen: the date typed is not read
    url = f"/visits/{visit.id}/edit"
    data = _visit_form(client, url, visited_day="today", visited_on="31/02/2020")
    assert client.post(url, data=data).status_code == 302
    _fresh(db)
    assert db.get(Visit, visit.id).visited_on == today


def test_the_picker_shows_the_households_just_registered_first(client, auth, db, world):
    tree, volunteer, colleague = world["tree"], world["volunteer"], world["colleague"]
    old = utcnow() - timedelta(days=2)
    db.get(type(world["household"]), world["household"].id).created_at = old
    db.commit()
    for name, creator, created in (
        ("Lê Văn An", volunteer, old),
        ("Bùi Thị Bình", colleague, utcnow()),
        ("Trần Văn Yên", volunteer, utcnow()),
        ("Phạm Thị Ánh", volunteer, utcnow() - timedelta(hours=20)),
    ):
        make_household(db, tree["village_a1"], creator, name, created_at=created)
    auth.login("tn")

    def names(page: str) -> list[str]:
        return re.findall(r"<strong>([^<]+)</strong>", page[page.index("household-list") :])

    # this volunteer's last day first, then the usual Vietnamese order (the stored sort key)
    usual = ["Bùi Thị Bình", "Đỗ Văn Hải", "Lê Văn An", "Phạm Thị Ánh", "Trần Văn Yên"]
    recent = ["Phạm Thị Ánh", "Trần Văn Yên"]
    picker = names(client.get("/visits/new").text)
    assert picker == recent + [name for name in usual if name not in recent]
    found = names(client.get("/visits/new?q=van", follow_redirects=True).text)
    assert found == ["Trần Văn Yên", "Đỗ Văn Hải", "Lê Văn An"]
    # the household list itself keeps the usual order
    assert names(client.get("/households/").text) == usual


def test_my_visits_come_in_pages_newest_first(client, auth, db, world):
    household, volunteer = world["household"], world["volunteer"]
    today = today_local()
    days = [today - timedelta(days=n) for n in range(2 * MINE_PER_PAGE + 5)]
    for day in days:
        make_visit(db, household, volunteer, visited_on=day, notes=f"ngày {day:%d/%m/%Y}")
    make_visit(db, household, volunteer, status="returned", review_note="Sửa giúp")
    auth.login("tn")
    shown = []
    for page in (1, 2, 3):  # full, full, five
        text = client.get(f"/visits/mine?page={page}").text
        shown += re.findall(r'href="/visits/([0-9a-f-]{36})"', text)
        assert ("Bị trả lại, cần sửa (1)" in text) == (page == 1)
        assert ('rel="next"' in text) == (page < 3) and ('rel="prev"' in text) == (page > 1)
        if page == 1:
            assert "Hôm nay (1)" in text and "Trang sau ›" in text and "Trang 1" in text
        if page == 3:
            assert "‹ Trang trước" in text and 'href="/visits/mine?page=2"' in text
    _fresh(db)
    by_id = {str(v.id): v for v in db.scalars(select(Visit))}
    dates = [
        by_id[visit_id].visited_on for visit_id in shown if by_id[visit_id].status != "returned"
    ]
    assert dates == days  # each once, newest first
    assert len(shown) == len(days) + 1
    # a page too far or not a number is still a page
    assert client.get("/visits/mine?page=99").status_code == 200
    assert "Bị trả lại" in client.get("/visits/mine?page=abc").text

"""The skills catalogue (staff and admins): add, rename, reorder, retire, reactivate."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from cdt_app.errors import ValidationError
from cdt_app.models import AuditLog, Skill
from cdt_app.skills.services import save_skill
from tests.conftest import csrf_from
from tests.factories import make_household, make_visit


@pytest.fixture
def world(make_world):
    return make_world(
        people={
            "staff": ("staff", "province", "canbo"),
            "volunteer": ("volunteer", "village_a1", "tn"),
        }
    )


def _fresh(db) -> None:
    db.rollback()
    db.expire_all()


def _codes(db) -> list[str]:
    _fresh(db)
    return list(db.scalars(select(Skill.code).order_by(Skill.sort_order, Skill.id)))


def _token(client) -> str:
    return csrf_from(client.get("/skills/new").text)


def test_only_staff_and_admins_manage_the_catalogue(client, auth, world):
    auth.login("tn")
    for url in ("/skills/", "/skills/new", "/skills/1/edit"):
        assert client.get(url).status_code == 403
    auth.logout()
    auth.login("canbo")
    page = client.get("/skills/")
    assert page.status_code == 200 and "Cài đặt, kích hoạt tài khoản định danh" in page.text


def test_add_and_rename_a_skill(client, auth, db, world):
    auth.login("canbo")
    data = {
        "csrf_token": _token(client),
        "code": "AI_basic",
        "name_vi": "Sử dụng trí tuệ nhân tạo cơ bản",
        "name_en": "Basic AI use",
        "group": "Kỹ năng cơ bản",
    }
    assert client.post("/skills/new", data=data).status_code == 302
    assert _codes(db)[-1] == "ai_basic"
    skill = db.scalar(select(Skill).where(Skill.code == "ai_basic"))
    again = client.post("/skills/new", data=dict(data, csrf_token=_token(client)))
    assert again.status_code == 200 and "đã được dùng" in again.text
    url = f"/skills/{skill.id}/edit"
    page = client.get(url)
    renamed = {
        "csrf_token": csrf_from(page.text),
        "code": "hacked",
        "name_vi": "Dùng AI an toàn",
        "name_en": "Safe AI use",
        "group": "",
    }
    assert client.post(url, data=renamed).status_code == 302
    _fresh(db)
    skill = db.get(Skill, skill.id)
    assert (skill.code, skill.name_vi, skill.name_en) == (
        "ai_basic",
        "Dùng AI an toàn",
        "Safe AI use",
    )
    empty = client.post(url, data=dict(renamed, csrf_token=csrf_from(page.text), name_vi=" "))
    assert empty.status_code == 200 and "Vui lòng nhập tên tiếng Việt" in empty.text


def test_reorder_skills(client, auth, db, world):
    auth.login("canbo")
    before = _codes(db)
    second = db.scalar(select(Skill).where(Skill.code == before[1]))
    token = _token(client)
    client.post(f"/skills/{second.id}/move", data={"csrf_token": token, "direction": "up"})
    assert _codes(db) == [before[1], before[0], *before[2:]]
    client.post(f"/skills/{second.id}/move", data={"csrf_token": token, "direction": "up"})
    assert _codes(db)[0] == before[1]  # already first: nothing moves
    client.post(f"/skills/{second.id}/move", data={"csrf_token": token, "direction": "down"})
    assert _codes(db) == before
    client.post(f"/skills/{second.id}/move", data={"csrf_token": token, "direction": "sideways"})
    assert _codes(db) == before
    assert db.scalar(select(AuditLog).where(AuditLog.action == "reorder"))


def test_retired_skills_leave_the_form_and_stay_in_history(client, auth, db, world):
    household = make_household(db, world["tree"]["village_a1"], world["volunteer"])
    visit = make_visit(db, household, world["volunteer"], skills={"health": True})
    auth.login("canbo")
    health = db.scalar(select(Skill).where(Skill.code == "health"))
    token = _token(client)
    client.post(f"/skills/{health.id}/active", data={"csrf_token": token, "active": "0"})
    _fresh(db)
    assert db.get(Skill, health.id).active is False
    assert "Ngừng sử dụng" in client.get("/skills/").text
    auth.logout()
    auth.login("tn")
    form = client.get(f"/visits/new?household={household.id}").text
    assert 'value="health"' not in form
    # the visit that taught it still shows it, and its edit form keeps it
    assert "Sổ sức khỏe điện tử" in client.get(f"/visits/{visit.id}").text
    edit = client.get(f"/visits/{visit.id}/edit").text
    assert re.search(r'name="skills" value="health"[^>]*checked', edit)
    auth.logout()
    auth.login("canbo")
    client.post(f"/skills/{health.id}/active", data={"csrf_token": _token(client), "active": "1"})
    _fresh(db)
    assert db.get(Skill, health.id).active is True
    actions = set(db.scalars(select(AuditLog.action).where(AuditLog.object_type == "skill")))
    assert {"retire", "reactivate"} <= actions


def test_save_skill_validates_raw_values(app, db, world):
    with app.test_request_context("/"):
        for data in (
            {"code": "1abc", "name_vi": "X"},
            {"code": "a", "name_vi": "X"},
            {"code": "có_dấu", "name_vi": "X"},
            {"code": None, "name_vi": "X"},
            {"code": "ok_code", "name_vi": None},
            {"code": "ok_code", "name_vi": "X" * 201},
            {"code": "ok_code", "name_vi": "X", "group": "G" * 81},
            {"code": ["x"], "name_vi": {"a": 1}},
        ):
            with pytest.raises(ValidationError):
                save_skill(db, world["staff"], data)

"""GET /api/v1/offline-data: the user's villages, the active skills and the households in scope
(and nothing outside it)."""

from __future__ import annotations

from sqlalchemy import select

from cdt_app.models import Skill
from cdt_app.sync import queries
from tests.factories import make_household, make_place, make_tree, make_user


def test_needs_a_login(client, db):
    response = client.get("/api/v1/offline-data")
    assert response.status_code == 401 and response.is_json


def test_a_volunteer_gets_their_village_the_active_skills_and_its_households(client, auth, db):
    tree = make_tree(db)
    volunteer = make_user(db, "volunteer", tree["village_a1"], username="tinhnguyen")
    other = make_user(db, "volunteer", tree["village_b1"])
    mine = [
        make_household(db, tree["village_a1"], volunteer, name, phone="0912345678")
        for name in ("Ánh", "Yến", "An", "Bình")
    ]
    gone = make_household(db, tree["village_a1"], volunteer, "Đã Xóa")
    gone.deleted_at = gone.created_at
    db.add(gone)
    make_household(db, tree["village_a2"], volunteer, "Thôn Khác")
    make_household(db, tree["village_b1"], other, "Xã Khác")
    retired = db.scalars(select(Skill).where(Skill.code == "health")).one()
    retired.active = False
    db.add(retired)
    db.commit()

    auth.login("tinhnguyen")
    response = client.get("/api/v1/offline-data")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    data = response.json
    assert data["user_id"] == volunteer.id
    assert data["villages"] == [
        {
            "id": tree["village_a1"].id,
            "name": "Thôn Một",
            "kind": "thon",
            "parent_id": tree["commune_a"].id,
        }
    ]
    codes = [skill["code"] for skill in data["skills"]]
    assert "health" not in codes and codes[0] == "vneid" and len(codes) == 7
    assert data["skills"][0]["name"].startswith("Cài đặt, kích hoạt")
    names = [h["head_name"] for h in data["households"]]
    assert names == ["An", "Ánh", "Bình", "Yến"]  # the Vietnamese order
    assert {h["id"] for h in data["households"]} == {str(h.id) for h in mine}
    assert all("phone" not in h for h in data["households"])  # data minimisation
    assert data["households"][0] == {
        "id": str(mine[2].id),
        "village_id": tree["village_a1"].id,
        "head_name": "An",
        "address": "",
        "members": 4,
        "profile": {"members": 4},  # the digital profile: unknown fields are left out
    }
    assert data["truncated"] is False
    assert data["today"] and data["generated_at"]


def test_a_coordinator_gets_the_villages_of_their_commune(client, auth, db):
    tree = make_tree(db)
    make_user(db, "coordinator", tree["commune_a"], username="doan")
    make_household(db, tree["village_a2"], None, "Hai")
    make_household(db, tree["village_b2"], None, "Bốn")
    auth.login("doan")
    data = client.get("/api/v1/offline-data").json
    assert [v["name"] for v in data["villages"]] == ["Thôn Hai", "Thôn Một"]
    assert [h["head_name"] for h in data["households"]] == ["Hai"]


def test_a_user_without_a_place_gets_nothing(client, auth, db):
    tree = make_tree(db)
    make_household(db, tree["village_a1"], None, "An")
    make_user(db, "volunteer", None, username="noplace")
    auth.login("noplace")
    data = client.get("/api/v1/offline-data").json
    assert data["villages"] == [] and data["households"] == []


def test_a_very_large_area_is_truncated(client, auth, db, monkeypatch):
    province = make_place(db, "Tỉnh", "tinh")
    commune = make_place(db, "Xã", "xa", province)
    village = make_place(db, "Thôn", "thon", commune)
    make_user(db, "volunteer", village, username="tinhnguyen")
    for n in range(4):
        make_household(db, village, None, f"Hộ {n}")
    monkeypatch.setattr(queries, "MAX_HOUSEHOLDS", 3)
    auth.login("tinhnguyen")
    data = client.get("/api/v1/offline-data").json
    assert len(data["households"]) == 3 and data["truncated"] is True

"""GET /api/v1/offline-data: the user's villages, the active skills and the households in scope
(and nothing outside it)."""

from __future__ import annotations

import gzip
import json
import random

import pytest
from sqlalchemy import select

from cdt_app.demo.common import person_name
from cdt_app.demo.scale import VILLAGE_WORDS
from cdt_app.i18n import search_key, sort_key
from cdt_app.models import Household, Skill
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


@pytest.mark.parametrize("role", ["team_lead", "volunteer"])
def test_the_village_team_gets_their_village_only(client, auth, db, role):
    """Even a village team member whose area would reach further keeps their village only."""
    tree = make_tree(db)
    make_user(db, role, tree["village_a2"], username="doi")
    for village in ("village_a1", "village_a2", "village_b1"):
        make_household(db, tree[village], None, f"Hộ {tree[village].name}")
    auth.login("doi")
    data = client.get("/api/v1/offline-data").json
    assert [v["id"] for v in data["villages"]] == [tree["village_a2"].id]
    assert [h["head_name"] for h in data["households"]] == ["Hộ Thôn Hai"]
    assert {h["village_id"] for h in data["households"]} == {tree["village_a2"].id}


@pytest.mark.parametrize(
    "role, place",
    [
        ("coordinator", "commune_a"),
        ("coordinator", "province"),
        ("staff", "commune_b"),
        ("staff", "province"),
        ("admin", "province"),
    ],
)
def test_people_who_do_not_work_in_a_village_get_no_households(client, auth, db, role, place):
    """They get the app shell (the service worker) and their own outbox, not an area's
    households: the skills still come, for a form kept on the device."""
    tree = make_tree(db)
    make_user(db, role, tree[place], username="xa")
    for village in ("village_a1", "village_a2", "village_b1", "village_b2"):
        make_household(db, tree[village], None, "Hộ")
    auth.login("xa")
    response = client.get("/api/v1/offline-data")
    assert response.status_code == 200
    data = response.json
    assert data["households"] == [] and data["villages"] == []
    active = db.scalars(select(Skill.code).where(Skill.active.is_(True))).all()
    assert data["truncated"] is False and len(data["skills"]) == len(active) > 0


def test_a_village_of_800_households_is_under_150_kb_compressed(client, auth, db):
    """DESIGN section 9: the offline data of a large village ≤ 150 KB gzip, with names and
    addresses as long as real ones get."""
    rng = random.Random(18)
    tree = make_tree(db)
    make_user(db, "volunteer", tree["village_a1"], username="tinhnguyen")
    rows = []
    for n in range(800):
        name = person_name(rng)
        rows.append(
            Household(
                village_id=tree["village_a1"].id,
                head_name=name,
                address=f"Số {n + 1}, tổ {rng.randint(1, 30)}, xóm {rng.choice(VILLAGE_WORDS)} "
                f"{rng.choice(VILLAGE_WORDS)}, đường {rng.choice(VILLAGE_WORDS)}",
                phone=f"09{rng.randint(10_000_000, 99_999_999)}",
                members=rng.randint(1, 9),
                consent=True,
                search_key=search_key(name),
                sort_key=sort_key(name),
            )
        )
    db.add_all(rows)
    db.commit()
    auth.login("tinhnguyen")
    response = client.get("/api/v1/offline-data", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    sent = len(response.get_data())
    data = json.loads(gzip.decompress(response.get_data()))
    assert len(data["households"]) == 800 and data["truncated"] is False
    assert sent <= 150 * 1024, sent
    # the bound holds for any compressor a proxy may use, not only this one's level
    assert len(gzip.compress(json.dumps(data).encode(), compresslevel=1)) <= 150 * 1024


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

"""Scope: everyone sees and acts only inside the subtree of their place; no place, nothing."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert, select, text

from cdt_app.models import Place
from cdt_app.scope import (
    area_condition,
    get_place_or_404,
    place_in_area,
    places_in_area,
    subtree_condition,
    village_ids_in_area,
)
from tests.factories import make_place, make_user


def test_volunteer_asking_for_a_place_outside_their_area_gets_404(client, auth, db, tree):
    make_user(db, "volunteer", tree["village_a1"], username="tnv")
    auth.login("tnv")
    assert client.get(f"/places/{tree['village_a1'].id}").status_code == 200
    for key in ("village_a2", "commune_a", "province", "commune_b", "village_b1"):
        response = client.get(f"/places/{tree[key].id}")
        assert response.status_code == 404, key
        assert "Không tìm thấy trang, hoặc trang nằm ngoài địa bàn của bạn." in response.text
    assert client.get("/places/987654").status_code == 404


def test_the_breadcrumb_stops_at_the_users_own_place(client, auth, db, tree):
    make_user(db, "coordinator", tree["commune_a"], username="doan")
    auth.login("doan")
    page = client.get(f"/places/{tree['village_a1'].id}")
    assert f'href="/places/{tree["commune_a"].id}"' in page.text
    assert f'href="/places/{tree["province"].id}"' not in page.text


def test_a_user_with_no_place_sees_nothing(app, client, auth, db, tree):
    user = make_user(db, "staff", None, username="khongnoi")
    auth.login("khongnoi")
    home = client.get("/")
    assert home.status_code == 200
    assert "Tài khoản của bạn chưa được gán địa bàn" in home.text
    assert client.get("/places/").status_code == 404
    for place in tree.values():
        assert client.get(f"/places/{place.id}").status_code == 404
    assert client.get("/places/import").status_code == 404
    with app.test_request_context():
        assert db.scalars(places_in_area(db, user)).all() == []
        assert db.scalars(village_ids_in_area(db, user)).all() == []
        assert place_in_area(db, user, tree["province"]) is False


@pytest.mark.parametrize("role", ["coordinator", "staff"])
def test_coordinators_and_staff_see_only_their_subtree(app, client, auth, db, tree, role):
    user = make_user(db, role, tree["commune_a"], username="nguoi")
    auth.login("nguoi")
    inside = ("commune_a", "village_a1", "village_a2")
    for key, place in tree.items():
        expected = 200 if key in inside else 404
        assert client.get(f"/places/{place.id}").status_code == expected, key
    page = client.get(f"/places/{tree['commune_a'].id}")
    assert "Thôn Một" in page.text and "Khu phố Ba" not in page.text
    with app.test_request_context():
        seen = {p.id for p in db.scalars(places_in_area(db, user))}
        assert seen == {tree[k].id for k in inside}
        villages = set(db.scalars(village_ids_in_area(db, user)))
        assert villages == {tree["village_a1"].id, tree["village_a2"].id}


def test_staff_cannot_edit_or_create_outside_their_subtree(client, auth, db, tree):
    make_user(db, "staff", tree["commune_a"], username="canboxa")
    auth.login("canboxa")
    assert client.get(f"/places/{tree['village_b1'].id}/edit").status_code == 404
    assert client.get(f"/places/{tree['commune_b'].id}/new").status_code == 404
    assert client.get(f"/places/{tree['province'].id}/edit").status_code == 404
    assert client.get(f"/places/{tree['village_a1'].id}/edit").status_code == 200


def test_get_place_or_404_hides_existence(app, db, tree):
    from werkzeug.exceptions import NotFound

    user = make_user(db, "volunteer", tree["village_b1"])
    with app.test_request_context():
        assert get_place_or_404(db, user, tree["village_b1"].id).id == tree["village_b1"].id
        for place_id in (tree["village_a1"].id, 10_000_000):
            with pytest.raises(NotFound):
                get_place_or_404(db, user, place_id)


def test_prefix_ids_are_not_confused(app, db):
    """/1/ must not contain /12/ or /10/: the range is on "/1/" … "/10"."""
    root = make_place(db, "Tỉnh A", "tinh")
    places = [make_place(db, f"Tỉnh {n}", "tinh") for n in range(12)]
    child = make_place(db, "Xã Con", "xa", root)
    user = make_user(db, "staff", root)
    with app.test_request_context():
        seen = {p.id for p in db.scalars(places_in_area(db, user))}
    assert seen == {root.id, child.id}
    assert all(p.id not in seen for p in places)


# --- property: the SQL range equals "path starts with the root's path" ---------------------

paths = st.lists(
    st.lists(st.integers(min_value=1, max_value=130), min_size=1, max_size=4), max_size=40
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(raw=paths, root=st.lists(st.integers(min_value=1, max_value=130), min_size=1, max_size=3))
def test_subtree_condition_equals_the_prefix_rule(app, db, raw, root):
    """For any set of paths (ids of any length), the indexed range selects exactly the paths
    that start with the root path: the SQL and the Python rule agree on both engines."""
    db.execute(text("DELETE FROM audit_log"))
    db.execute(text("DELETE FROM place"))
    wanted = {"/" + "/".join(str(i) for i in ids) + "/" for ids in raw}
    if wanted:
        db.execute(
            insert(Place),
            [
                {
                    "name": p,
                    "kind": "xa",
                    "level": "commune",
                    "code": p,
                    "code_scheme": "2025",
                    "path": p,
                    "depth": p.count("/") - 2,
                    "active": True,
                    "sort_key": "",
                }
                for p in wanted
            ],
        )
    root_path = "/" + "/".join(str(i) for i in root) + "/"
    found = set(db.scalars(select(Place.path).where(subtree_condition(Place.path, root_path))))
    db.rollback()
    assert found == {p for p in wanted if p.startswith(root_path)}


def test_area_condition_is_false_without_a_place(app, db):
    user = make_user(db, "volunteer", None)
    with app.test_request_context():
        condition = area_condition(db, user)
        assert db.scalars(select(Place.id).where(condition)).all() == []

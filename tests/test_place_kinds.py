"""The kinds of place offered and accepted follow the administrative scheme of the tree and the
level under the parent: from 1/7/2025 no huyện, quận, thị xã or thị trấn; before it no đặc
khu (DESIGN section 2)."""

from __future__ import annotations

import re

import pytest

from cdt_app.errors import ValidationError
from cdt_app.models import Place
from cdt_app.places.services import PlaceInput, create_place
from tests.conftest import csrf_from
from tests.factories import make_place, make_user


def _offered(html: str) -> list[str]:
    select = re.search(r'<select[^>]*name="kind".*?</select>', html, re.S).group(0)
    return re.findall(r">([^<]+)</option>", select)


@pytest.fixture
def staff(db, tree):
    return make_user(db, "staff", tree["province"], "canbo")


def test_new_place_offers_the_kinds_of_the_next_level_from_2025(client, auth, tree, staff):
    auth.login("canbo")
    under_province = _offered(client.get(f"/places/{tree['province'].id}/new").text)
    assert under_province == ["Xã", "Phường", "Đặc khu"]
    under_commune = _offered(client.get(f"/places/{tree['commune_a'].id}/new").text)
    assert under_commune[:2] == ["Thôn", "Làng"] and "Tổ dân phố" in under_commune
    assert not {"Huyện", "Quận", "Thị xã", "Thị trấn", "Xã", "Tỉnh"} & set(under_commune)


def test_a_pre2025_tree_offers_its_own_kinds(app, client, auth, db, tree, staff):
    with app.test_request_context():
        old = create_place(
            db,
            None,
            PlaceInput(name="Huyện Cũ", kind="huyen", code="H1", parent_id=tree["province"].id),
        )
        db.commit()
    assert old.code_scheme == "pre2025"
    auth.login("canbo")
    assert _offered(client.get(f"/places/{old.id}/new").text) == ["Xã", "Phường", "Thị trấn"]


def test_the_edit_form_keeps_offering_the_places_own_kind(client, auth, db, tree, staff):
    village = tree["village_a1"]
    auth.login("canbo")
    offered = _offered(client.get(f"/places/{village.id}/edit").text)
    assert offered[0] == "Thôn" and "Xã" not in offered
    page = client.get(f"/places/{village.id}/edit").text
    assert "hãy chọn đơn vị cấp trên mới" in page
    new = client.get(f"/places/{tree['commune_a'].id}/new").text
    assert "hãy chọn đơn vị cấp trên mới" not in new and "Thuộc Xã An Bình" in new


def test_the_form_refuses_a_district_in_the_2025_scheme(client, auth, db, tree, staff):
    auth.login("canbo")
    url = f"/places/{tree['province'].id}/new"
    token = csrf_from(client.get(url).text)
    data = {"name": "Huyện Mới", "kind": "huyen", "code": "H9", "csrf_token": token}
    response = client.post(url, data={**data, "parent_id": str(tree["province"].id)})
    assert response.status_code == 200
    assert "Từ 1/7/2025 không còn đơn vị hành chính loại “Huyện”." in response.text
    assert db.query(Place).filter_by(code="H9").count() == 0


@pytest.mark.parametrize(
    ("kind", "scheme", "refused"),
    [
        ("huyen", "2025", True),
        ("thi_tran", "2025", True),
        ("dac_khu", "pre2025", True),
        ("xa", "2025", False),
        ("thi_tran", "pre2025", False),
        ("thon", "2025", False),
    ],
)
def test_the_service_refuses_a_kind_outside_its_scheme(app, db, tree, kind, scheme, refused):
    parent = tree["commune_a"] if kind == "thon" else tree["province"]
    data = PlaceInput(name="Nơi mới", kind=kind, code="N1", code_scheme=scheme, parent_id=parent.id)
    with app.test_request_context():
        if refused:
            with pytest.raises(ValidationError) as error:
                create_place(db, None, data)
            assert "1/7/2025" in error.value.errors["kind"]
        else:
            place = create_place(db, None, data)
            assert place.code_scheme == ("local" if kind == "thon" else scheme)
    db.rollback()


def test_a_place_of_an_old_kind_gets_the_old_scheme_by_default(app, db, tree):
    district = make_place(db, "Quận Cũ", "quan", tree["province"])
    town = make_place(db, "Thị trấn Cũ", "thi_tran", district)
    assert (district.code_scheme, town.code_scheme) == ("pre2025", "pre2025")
    assert make_place(db, "Xã Mới", "xa", tree["province"]).code_scheme == "2025"

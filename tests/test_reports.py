"""The coverage page, the coverage API, the targets form and the staff home page."""

from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from cdt_app.i18n import today_local
from cdt_app.models import AuditLog, Place
from tests.conftest import csrf_from
from tests.factories import World, make_household, make_place, make_user, make_visit


def reports_world(make_world) -> World:
    """make_tree's province with households and visits (see the figures in the tests)."""
    villages = ["village_a1"] * 4 + ["village_a2"] * 2 + ["village_b1"] * 3 + ["village_b2"]
    phones = {"h1": "0912345678", "h10": "0987654321"}
    households = {}
    for n, village in enumerate(villages, 1):
        key = f"h{n}"
        households[key] = (village, None, f"Hộ {key}", {"phone": phones.get(key)})
    today = today_local()
    last_year = date(today.year - 1, 6, 15)
    return make_world(
        people={
            "canbo": ("staff", "province", "canbo"),
            "admin": ("admin", "province", "quantri"),
            "doan": ("coordinator", "commune_a", "doan"),
            "totruong": ("team_lead", "village_a1", "totruong"),
            "tinhnguyen": ("volunteer", "village_a1", "tinhnguyen"),
            "tn_a2": ("volunteer", "village_a2", "tnhai"),
            "tn_b2": ("volunteer", "village_b2", "tnbon"),
        },
        households=households,
        visits={
            "v1": ("h1", "tinhnguyen", today, {"vneid": True}, "approved", 2),
            "v2": ("h1", "totruong", today, {"dvc": False}, "submitted"),
            "v3": ("h2", "tinhnguyen", last_year, {"vneid": False}, "approved"),
            "v4": ("h5", "tn_a2", today, {"payment": True}, "returned", 3),
            "v5": ("h10", "tn_b2", today, {"vneid": True}, "approved"),
        },
    )


@pytest.fixture
def world(make_world):
    return reports_world(make_world)


_FIGURE = re.compile(r'data-figure="([\w:]+)">(.*?)</(?:dd|strong|span)>', re.S)


def _figures(body: str) -> dict[str, str]:
    return {name: re.sub(r"<[^>]+>", "", text).strip() for name, text in _FIGURE.findall(body)}


def rows_of(html: str) -> dict[str, dict[str, str]]:
    """{row id: {figure: text}} from the page: the totals ("total") and each place under it
    (one <details> each in the list of places)."""
    totals = html.split('id="row-total"', 1)[1].split("</div>", 1)[0]
    result = {"total": _figures(totals)}
    places = html.split('id="coverage-places"', 1)[1].split("</ol>", 1)[0]
    for row_id, body in re.findall(r'<details id="row-(\d+)"[^>]*>(.*?)</details>', places, re.S):
        result[row_id] = _figures(body)
    return result


def test_staff_sees_the_province_and_its_communes(client, auth, world):
    auth.login("canbo")
    page = client.get("/reports/coverage")
    assert page.status_code == 200
    html = page.text
    rows = rows_of(html)
    tree = world["tree"]
    a, b = str(tree["commune_a"].id), str(tree["commune_b"].id)
    assert rows["total"] == {
        "target_households": "231*",
        "registered_households": "10",
        "reached_households": "4",
        "coverage": "1,7%",
        "visits": "5",
        "people_taught": "8",
        "active_volunteers": "4",
    }
    assert rows[a]["target_households"] == "150"
    assert rows[a]["coverage"] == "2,0%" and rows[a]["reached_households"] == "3"
    assert rows[b]["target_households"] == "81*" and rows[b]["coverage"] == "1,2%"
    # the fallback is explained, the stalled village is counted, the chart is inline SVG
    assert "chưa có chỉ tiêu" in html
    assert 'data-figure="stalled_villages">1<' in html
    assert '<svg class="cov-chart"' in html and "An Bình" in html
    assert "style=" not in html and " onclick" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)  # no inline script
    # the print header carries the title, the place and the period
    assert "print-head" in html and "Tỉnh Thử Nghiệm" in html


def test_drill_down_to_villages_and_a_village(client, auth, world):
    tree = world["tree"]
    auth.login("canbo")
    commune = client.get(f"/reports/coverage?place={tree['commune_b'].id}")
    rows = rows_of(commune.text)
    b1, b2 = str(tree["village_b1"].id), str(tree["village_b2"].id)
    assert rows[b1]["reached_households"] == "0" and rows[b1]["target_households"] == "80"
    assert rows[b2]["target_households"] == "1*" and rows[b2]["coverage"] == "100,0%"
    assert f'id="row-{b1}" class="stalled"' in commune.text
    assert "Không có lượt nào trong 30 ngày" in commune.text
    village = client.get(f"/reports/coverage?place={tree['village_b2'].id}")
    assert village.status_code == 200
    assert 'data-figure="coverage">100,0%<' in village.text
    assert 'id="coverage-places"' not in village.text  # a village has no children


def test_periods_and_approved_only(client, auth, world):
    auth.login("canbo")
    month = rows_of(client.get("/reports/coverage?preset=month").text)["total"]
    assert month["visits"] == "4" and month["reached_households"] == "3"
    year = rows_of(client.get("/reports/coverage?preset=year").text)["total"]
    assert year["visits"] == "4"
    approved = rows_of(client.get("/reports/coverage?approved_only=1").text)["total"]
    assert approved["visits"] == "3" and approved["active_volunteers"] == "2"
    last_year = date(today_local().year - 1, 6, 15).isoformat()
    one_day = rows_of(client.get(f"/reports/coverage?from={last_year}&to={last_year}").text)[
        "total"
    ]
    assert one_day["visits"] == "1" and one_day["people_taught"] == "1"


def test_sorting_by_columns_and_vietnamese_names(client, auth, db):
    province = make_place(db, "Tỉnh Sắp Xếp", "tinh")
    names = ["Xã Yến", "Xã Ánh", "Xã Anh", "Xã Bình", "Xã Ấp"]
    communes = {name: make_place(db, name, "xa", province) for name in names}
    village = make_place(db, "Thôn Một", "thon", communes["Xã Bình"], target=10)
    volunteer = make_user(db, "volunteer", village)
    make_visit(db, make_household(db, village), volunteer)
    make_user(db, "staff", province, username="canbo2")
    auth.login("canbo2")

    def order(query: str) -> list[str]:
        html = client.get(f"/reports/coverage?{query}").text
        ids = re.findall(r'<details id="row-(\d+)"', html.split('id="coverage-places"')[1])
        by_id = {str(p.id): name for name, p in communes.items()}
        return [by_id[i] for i in ids]

    assert order("") == ["Xã Anh", "Xã Ánh", "Xã Ấp", "Xã Bình", "Xã Yến"]
    assert order("sort=name&dir=desc") == ["Xã Yến", "Xã Bình", "Xã Ấp", "Xã Ánh", "Xã Anh"]
    assert order("sort=coverage&dir=desc")[0] == "Xã Bình"
    assert order("sort=skill:vneid:reached&dir=desc")[0] == "Xã Bình"
    assert order("sort=nonsense") == order("")


@pytest.mark.parametrize(
    "query",
    [
        "place=abc",
        "place=99999999999999999999",
        "from=2026-13-45",
        "to=yesterday",
        "from=2026-05-01&to=2026-04-01",
        "approved_only=maybe",
        "preset=decade",
        "level=hamlets",
        "sort=skill:vneid:nothing&dir=sideways",
        "place=1%00",
    ],
)
def test_bad_parameters_never_fail(client, auth, world, query):
    auth.login("canbo")
    page = client.get(f"/reports/coverage?{query}")
    assert page.status_code in (200, 404)
    api = client.get(f"/api/v1/coverage?{query}")
    assert api.status_code in (200, 400, 404)
    assert "error" in api.get_json() or api.status_code == 200
    if api.status_code == 400:
        assert api.get_json()["error"].strip()


def test_scope_roles_and_login(client, auth, world):
    tree = world["tree"]
    assert client.get("/api/v1/coverage").status_code == 401
    assert client.get("/api/v1/coverage").get_json()["error"]
    assert client.get("/reports/coverage").status_code == 302
    auth.login("doan")  # coordinator of commune A
    assert client.get("/reports/coverage").status_code == 200
    assert client.get(f"/reports/coverage?place={tree['commune_b'].id}").status_code == 404
    assert client.get(f"/api/v1/coverage?place={tree['commune_b'].id}").status_code == 404
    assert client.get(f"/api/v1/coverage?place={tree['province'].id}").status_code == 404
    own = client.get("/api/v1/coverage").get_json()
    assert own["place"]["id"] == tree["commune_a"].id
    auth.logout()
    auth.login("totruong")  # team lead: their village
    data = client.get("/api/v1/coverage").get_json()
    assert data["place"]["id"] == tree["village_a1"].id and data["children"] == []
    assert data["totals"]["reached_households"] == 2
    auth.logout()
    auth.login("tinhnguyen")
    assert client.get("/reports/coverage").status_code == 403
    assert client.get("/api/v1/coverage").status_code == 403


def test_api_matches_design_section_8(client, auth, world):
    tree = world["tree"]
    auth.login("canbo")
    data = client.get(f"/api/v1/coverage?place={tree['province'].id}&approved_only=0").get_json()
    assert set(data) == {"place", "period", "totals", "children"}
    assert data["place"] == {
        "id": tree["province"].id,
        "code": tree["province"].code,
        "name": "Tỉnh Thử Nghiệm",
        "kind": "tinh",
    }
    totals = data["totals"]
    assert set(totals) == {
        "target_households",
        "registered_households",
        "reached_households",
        "coverage",
        "visits",
        "people_taught",
        "active_volunteers",
        "skills",
    }
    assert totals["coverage"] == 4 / 231  # unrounded
    assert totals["skills"]["vneid"] == {"reached": 3, "completed": 2}
    assert totals["skills"]["payment"] == {"reached": 1, "completed": 1}
    assert totals["skills"]["dvc"] == {"reached": 1, "completed": 0}
    assert [child["place"]["name"] for child in data["children"]] == [
        "Phường Bình An",
        "Xã An Bình",
    ]
    child = data["children"][1]
    assert child["reached_households"] == 3 and child["coverage"] == 3 / 150
    assert set(child) == set(totals) | {"place"}
    assert data["period"]["from"] is None and data["period"]["to"] == today_local().isoformat()
    approved = client.get("/api/v1/coverage?approved_only=1").get_json()
    assert approved["totals"]["visits"] == 3 and approved["period"]["approved_only"] is True
    assert client.get("/api/v1/coverage").headers["Cache-Control"] == "no-store"
    villages = client.get("/api/v1/coverage?level=villages").get_json()
    assert len(villages["children"]) == 4


def test_targets_form_sets_targets_and_audits(client, auth, world, db):
    tree = world["tree"]
    auth.login("canbo")
    url = f"/reports/targets/{tree['commune_b'].id}"
    page = client.get(url)
    assert page.status_code == 200
    assert "Khu phố Ba" in page.text and "Khu phố Bốn" in page.text
    b1, b2 = tree["village_b1"].id, tree["village_b2"].id
    bad = client.post(
        url,
        data={"csrf_token": csrf_from(page.text), f"target_{b1}": "-5", f"target_{b2}": "12"},
    )
    assert bad.status_code == 200 and 'aria-invalid="true"' in bad.text
    assert 'value="12"' in bad.text  # what was typed is kept
    saved = client.post(
        url,
        data={"csrf_token": csrf_from(page.text), f"target_{b1}": "", f"target_{b2}": "40"},
        follow_redirects=True,
    )
    assert saved.status_code == 200
    db.expire_all()
    assert db.get(Place, b1).target_households is None
    assert db.get(Place, b2).target_households == 40
    logged = db.scalars(
        select(AuditLog).where(AuditLog.object_type == "place", AuditLog.action == "update")
    ).all()
    assert {entry.object_id for entry in logged} == {str(b1), str(b2)}
    data = client.get(f"/api/v1/coverage?place={tree['commune_b'].id}").get_json()
    assert data["totals"]["target_households"] == 3 + 40  # b1 falls back to its 3 households
    # without a token nothing changes
    assert client.post(url, data={f"target_{b2}": "7"}).status_code == 400


def test_targets_form_is_for_staff_inside_their_area(client, auth, world, db):
    tree = world["tree"]
    auth.login("doan")
    assert client.get(f"/reports/targets/{tree['commune_a'].id}").status_code == 403
    auth.logout()
    other = make_place(db, "Tỉnh Khác", "tinh")
    make_user(db, "staff", other, username="canbokhac")
    auth.login("canbokhac")
    assert client.get(f"/reports/targets/{tree['commune_a'].id}").status_code == 404


def test_staff_and_admin_home_show_coverage(client, auth, world):
    auth.login("canbo")
    home = client.get("/")
    assert "1,7%" in home.text and "/reports/coverage" in home.text
    auth.logout()
    auth.login("quantri")
    home = client.get("/")
    assert "1,7%" in home.text and "/users" in home.text


def test_english_page_and_bottom_navigation(client, auth, world):
    auth.login("canbo")
    client.get("/lang/en?next=/")
    page = client.get("/reports/coverage")
    assert "Coverage" in page.text and "1.7%" in page.text
    assert 'href="/reports/coverage" aria-current="page"' in page.text


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    ratio=st.one_of(
        st.floats(min_value=0, max_value=50, allow_nan=False),
        st.fractions(min_value=0, max_value=3, max_denominator=5000).map(float),
    ),
    number=st.integers(min_value=0, max_value=10**12),
    lang=st.sampled_from(["vi", "en"]),
)
def test_page_formatters_equal_the_i18n_filters(app, ratio, number, lang):
    from cdt_app.i18n import fmt_number, fmt_percent
    from cdt_app.reports.formatting import number_formatters

    with app.test_request_context("/", headers={"Cookie": f"lang={lang}"}):
        num, pct = number_formatters()
        assert num(number) == fmt_number(number)
        assert pct(ratio) == fmt_percent(ratio)

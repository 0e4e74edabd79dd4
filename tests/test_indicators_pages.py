"""The indicators on the coverage page, in CSV/XLSX, and the goals form (DESIGN section 10)."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from cdt_app.i18n import today_local
from cdt_app.models import IndicatorGoal
from tests.conftest import csrf_from
from tests.test_api_sync import fresh, household_item, login_api, sync, visit_item
from tests.test_profile import PEOPLE

TODAY = today_local()


@pytest.fixture
def world(client, auth, make_world):
    world = make_world(people=PEOPLE)
    token = login_api(client, auth)
    items = []
    for members, adults, smart in ((4, 4, 2), (3, 2, 2), (5, None, 1)):
        item = household_item(world["village_a1"].id, members=members, adults=adults)
        del item["payload"]["smartphone_members"]
        item["payload"]["smartphone_adults"] = smart
        items.append(item)
    sync(client, token, items)
    older = (TODAY - timedelta(days=40)).isoformat()
    sync(client, token, [visit_item(items[0]["id"], profile={"broadband": True}, visited_on=older)])
    auth.logout()
    auth.login("canbo")
    return world


def test_the_coverage_page_shows_the_indicators_against_their_goals(client, world):
    page = client.get(f"/reports/coverage?place={world['province'].id}").text
    assert "Chỉ số xã hội số" in page
    assert "tính trên 2 hộ đã có thông tin" in page  # the third household's adults are unknown
    section = page[page.index('id="indicators"') : page.index('id="skills-heading"')]
    assert re.search(r'data-figure="smartphone_rate">66,7\s?%<', section)
    assert "Mục tiêu 80,0" in section and "Chưa đặt mục tiêu" in section  # VNeID has none
    assert 'data-figure="broadband_rate">100' in section and "đã đạt" in section
    assert section.count('class="ind-trend"') == 5 and "ind-bars" in section
    assert "style=" not in section and "<script" not in section
    # a period: the change since the day before it started
    month = client.get(f"/reports/coverage?place={world['province'].id}&preset=month").text
    assert "Thay đổi:" in month


def test_the_exports_have_the_same_numbers(client, world):
    base = f"place={world['province'].id}"
    body = client.get(f"/reports/indicators.csv?{base}").data.decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(body[1:])))
    assert [r["Đơn vị"] for r in rows][:1] == ["Tỉnh Thử Nghiệm"] and len(rows) == 3
    assert rows[0]["Hộ đã có thông tin"] == "2"
    api = client.get(f"/api/v1/indicators?{base}").json
    assert float(rows[0]["Người từ 15 tuổi có điện thoại thông minh (%)"]) == pytest.approx(
        api["totals"]["smartphone_rate"], abs=1e-6
    )
    villages = client.get(f"/reports/indicators.csv?{base}&level=villages").data.decode()
    assert len(list(csv.reader(io.StringIO(villages[1:])))) == 1 + 1 + 4
    book = load_workbook(
        io.BytesIO(client.get(f"/reports/indicators.xlsx?{base}&from=2026-01-01").data)
    )
    sheet = book.worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    assert "Hộ đã có thông tin" in headers and any(h.startswith("Thay đổi") for h in headers)
    assert client.get("/reports/indicators.csv?on=x").status_code == 400


def test_staff_set_goals_and_a_commune_overrides_its_province(client, auth, db, world):
    province, commune = world["province"], world["commune_a"]
    page = client.get(f"/reports/indicators/goals/{province.id}").text
    assert "QĐ 411/QĐ-TTg" in page
    answer = client.post(
        f"/reports/indicators/goals/{province.id}",
        data={"csrf_token": csrf_from(page), "vneid_rate": "60", "smartphone_rate": "85,5"},
    )
    assert answer.status_code == 302
    page = client.get(f"/reports/indicators/goals/{commune.id}").text
    client.post(
        f"/reports/indicators/goals/{commune.id}",
        data={"csrf_token": csrf_from(page), "smartphone_rate": "70"},
    )
    api = client.get(f"/api/v1/indicators?place={province.id}").json
    assert api["totals"]["goals"]["smartphone_rate"] == pytest.approx(0.855)
    assert api["totals"]["goals"]["vneid_rate"] == pytest.approx(0.6)
    goals = {c["place"]["id"]: c["goals"] for c in api["children"]}
    assert goals[commune.id]["smartphone_rate"] == pytest.approx(0.7)
    assert goals[commune.id]["vneid_rate"] == pytest.approx(0.6)  # from the province
    assert goals[world["commune_b"].id]["smartphone_rate"] == pytest.approx(0.855)
    bad = client.post(
        f"/reports/indicators/goals/{commune.id}",
        data={"csrf_token": csrf_from(page), "smartphone_rate": "120"},
    )
    assert bad.status_code == 200 and "từ 0 đến 100" in bad.text
    fresh(db)
    assert len(db.scalars(select(IndicatorGoal)).all()) == 3
    # not on a village, not for coordinators
    assert client.get(f"/reports/indicators/goals/{world['village_a1'].id}").status_code == 404
    auth.logout()
    auth.login("doan")
    assert client.get(f"/reports/indicators/goals/{commune.id}").status_code == 403


def test_the_api_answer_matches_its_openapi_schema(client, world):
    from tests.test_api_openapi import check, response_schema

    doc = client.get("/api/v1/openapi.json").json
    for query in ("", "&from=2026-01-01", "&level=villages"):
        answer = client.get(f"/api/v1/indicators?place={world['province'].id}{query}").json
        check(answer, response_schema(doc, "/api/v1/indicators", "get", 200), doc)
    payload = doc["components"]["schemas"]["VisitPayload"]["properties"]
    assert "profile" in payload
    assert "smartphone_adults" in doc["components"]["schemas"]["HouseholdPayload"]["properties"]

"""The household's digital profile through the forms and the sync API (DESIGN section 10):
the old field name, late syncs, only changes stored, edits and deletes re-derive, erasure keeps
the counts, Vietnamese errors, the offline data, and GET /api/v1/indicators."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from cdt_app.households.profile import profiles_on
from cdt_app.i18n import today_local
from cdt_app.models import Household, Place, ProfileValue, Visit
from cdt_app.privacy.services import anonymise_household
from tests.conftest import csrf_from
from tests.test_api_sync import fresh, household_item, login_api, sync, visit_item

PEOPLE = {
    "volunteer": ("volunteer", "village_a1", "tinhnguyen"),
    "coordinator": ("coordinator", "commune_a", "doan"),
    "staff": ("staff", "province", "canbo"),
}
TODAY = today_local()


@pytest.fixture
def world(make_world):
    return make_world(people=PEOPLE)


def _values(db, household_id) -> list[tuple]:
    fresh(db)
    rows = db.execute(
        select(ProfileValue.field, ProfileValue.value, ProfileValue.valid_on, ProfileValue.source)
        .where(ProfileValue.household_id == household_id)
        .order_by(ProfileValue.id)
    )
    return [tuple(row) for row in rows]


def _register(client, auth, world, **profile) -> uuid.UUID:
    token = login_api(client, auth)
    item = household_item(world["village_a1"].id, **profile)
    del item["payload"]["smartphone_members"]
    assert sync(client, token, [item]).json["results"][0]["status"] == "created"
    client.token = token
    return uuid.UUID(item["id"])


def test_the_old_name_is_still_accepted_and_old_payloads_keep_the_profile(client, auth, db, world):
    token = login_api(client, auth)
    item = household_item(world["village_a1"].id, smartphone_members=3, members=4)
    assert sync(client, token, [item]).json["results"][0]["status"] == "created"
    key = uuid.UUID(item["id"])
    assert db.get(Household, key).smartphone_adults == 3
    assert {(f, v) for f, v, _d, _s in _values(db, key)} == {
        ("members", 4),
        ("smartphone_adults", 3),
    }
    # a new client's profile, then an old client's update (no profile keys): the profile stays
    item["payload"] = {**item["payload"], "adults": 3, "broadband": True}
    del item["payload"]["smartphone_members"]
    assert sync(client, token, [item]).json["results"][0]["status"] == "updated"
    old = {k: v for k, v in item["payload"].items() if k not in ("adults", "broadband")}
    old["notes"] = "sửa"
    assert sync(client, token, [{**item, "payload": old}]).json["results"][0]["status"] == "updated"
    fresh(db)
    household = db.get(Household, key)
    assert (household.adults, household.smartphone_adults, household.broadband) == (3, 3, True)
    # too many smartphones for the adults: the old name hears of its own field
    bad = household_item(world["village_a1"].id, smartphone_members=5, adults=2, members=4)
    result = sync(client, token, [bad]).json["results"][0]
    assert result["status"] == "rejected"
    assert result["errors"] == {
        "smartphone_members": "Số này không thể nhiều hơn số người từ 15 tuổi (2)."
    }


def test_a_late_synced_visit_never_overrides_a_newer_value(client, auth, db, world):
    key = _register(client, auth, world, members=5, adults=4, smartphone_adults=1)
    token = client.token
    newer = visit_item(key, profile={"smartphone_adults": 3}, visited_on=TODAY.isoformat())
    older = visit_item(
        key,
        profile={"smartphone_adults": 2, "payment_adults": 1},
        visited_on=(TODAY - timedelta(days=10)).isoformat(),
    )
    results = sync(client, token, [newer, older]).json["results"]
    assert [r["status"] for r in results] == ["created", "created"]
    fresh(db)
    household = db.get(Household, key)
    assert household.smartphone_adults == 3  # the newer value stays
    assert household.payment_adults == 1  # a field nobody recorded later is known
    ten_days_ago = profiles_on(db, [key], TODAY - timedelta(days=10))[key]
    assert ten_days_ago == {"smartphone_adults": 2, "payment_adults": 1}  # before registration
    assert profiles_on(db, [key], TODAY - timedelta(days=11))[key] == {}
    # the visit's errors are Vietnamese and under the profile's fields
    bad = visit_item(key, profile={"adults": 9})
    result = sync(client, token, [bad]).json["results"][0]
    assert result["status"] == "rejected"
    assert result["errors"] == {
        "profile_adults": "Số người từ 15 tuổi không thể nhiều hơn số nhân khẩu (5)."
    }
    assert sync(client, token, [visit_item(key, profile=[1])]).json["results"][0]["errors"]


def _form(page: str) -> dict:
    """The visit form's inputs as the page shows them (no JS)."""
    data = {"csrf_token": csrf_from(page)}
    for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page):
        data.setdefault(name, value)
    for name in re.findall(r'<input(?![^>]*value=)[^>]*name="([^"]+)"', page):
        data.setdefault(name, "")
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(
            r'<option selected value="([^"]*)"|<option value="([^"]*)" selected', body
        )
        data[name] = next((g for g in chosen.groups() if g is not None), "") if chosen else ""
    return data


def test_the_visit_form_shows_the_profile_and_stores_only_changes(client, auth, db, world):
    key = _register(client, auth, world, members=5, adults=4, smartphone_adults=1)
    before = len(_values(db, key))
    url = f"/visits/new?household={key}"
    page = client.get(url).text
    assert 'name="profile_adults"' in page and 'type="number"' in page
    assert re.search(r'name="profile_adults"[^>]*value="4"', page)
    assert re.search(r'name="profile_vneid_level2"[^>]*value=""', page)  # unknown: empty
    data = _form(page)
    data.update(skills="vneid", visited_day="yesterday", profile_vneid_level2="2")
    response = client.post(url, data=data)
    assert response.status_code == 302, response.text
    rows = _values(db, key)[before:]
    assert rows == [("vneid_level2", 2, TODAY - timedelta(days=1), "visit")]
    visit = db.scalar(select(Visit).where(Visit.household_id == key))
    # the edit form shows the values as on the visit's day, with the visit's own
    edit = client.get(f"/visits/{visit.id}/edit").text
    assert re.search(r'name="profile_vneid_level2"[^>]*value="2"', edit)
    assert re.search(r'name="was_vneid_level2"[^>]*value=""', edit)
    data = _form(edit)
    data.update(skills="vneid", visited_day="yesterday", profile_vneid_level2="3")
    data.update(profile_broadband="no")
    assert client.post(f"/visits/{visit.id}/edit", data=data).status_code == 302
    assert sorted(_values(db, key)[before:]) == [
        ("broadband", 0, TODAY - timedelta(days=1), "visit"),
        ("vneid_level2", 3, TODAY - timedelta(days=1), "visit"),
    ]
    assert db.get(Household, key).vneid_level2 == 3
    # deleting the visit takes back what it had set
    page = client.get(f"/visits/{visit.id}/delete").text
    client.post(f"/visits/{visit.id}/delete", data={"csrf_token": csrf_from(page)})
    fresh(db)
    household = db.get(Household, key)
    assert household.vneid_level2 is None and household.broadband is None
    assert household.adults == 4
    # a bad value: the Vietnamese message next to the field, nothing stored
    page = client.get(url).text
    data = _form(page)
    data.update(skills="vneid", profile_smartphone_adults="7")
    answer = client.post(url, data=data)
    assert answer.status_code == 200
    assert "Số này không thể nhiều hơn số người từ 15 tuổi (4)." in answer.text


def test_the_household_form_and_page_say_unknown_not_zero(client, auth, db, world):
    key = _register(client, auth, world, members=3, adults=2, smartphone_adults=0)
    page = client.get(f"/households/{key}").text
    assert "Chưa biết" in page  # vneid, payment, health record, broadband
    assert re.search(r"Có điện thoại thông minh</dt><dd>0<", page)
    form = client.get(f"/households/{key}/edit").text
    assert re.search(r'name="adults"[^>]*value="2"', form)
    assert re.search(r'name="vneid_level2"[^>]*value=""', form)
    assert "Hồ sơ số của hộ" in form


def test_erasure_keeps_the_counts(client, auth, app, db, world):
    key = _register(client, auth, world, members=4, adults=3, smartphone_adults=2)
    before = _values(db, key)
    with app.test_request_context("/"):
        anonymise_household(db, world["coordinator"], db.get(Household, key))
        db.commit()
    assert _values(db, key) == before
    assert db.get(Household, key).smartphone_adults == 2


def test_the_offline_data_carries_the_profile(client, auth, db, world):
    key = _register(client, auth, world, members=4, adults=3, broadband=False)
    households = client.get("/api/v1/offline-data").json["households"]
    mine = next(h for h in households if h["id"] == str(key))
    assert mine["profile"] == {"members": 4, "adults": 3, "broadband": False}


def test_the_indicators_api(client, auth, db, world):
    key = _register(client, auth, world, members=4, adults=4, smartphone_adults=2)
    token = client.token
    late = visit_item(
        key, profile={"smartphone_adults": 1}, visited_on=(TODAY - timedelta(days=5)).isoformat()
    )
    sync(client, token, [late, visit_item(key, profile={"smartphone_adults": 3})])
    auth.logout()
    auth.login("canbo")
    province = world["province"]
    answer = client.get(f"/api/v1/indicators?place={province.id}")
    assert answer.status_code == 200
    body = answer.json
    assert body["on"] == TODAY.isoformat()
    assert body["place"]["id"] == province.id
    assert body["totals"]["smartphone_adults"] == 3 and body["totals"]["adults"] == 4
    assert body["totals"]["smartphone_rate"] == 0.75
    assert body["totals"]["goals"]["smartphone_rate"] == 0.8
    assert body["totals"]["goals"]["vneid_rate"] is None
    assert [c["place"]["name"] for c in body["children"]] == ["Phường Bình An", "Xã An Bình"]
    commune_a = next(c for c in body["children"] if c["place"]["id"] == world["commune_a"].id)
    assert commune_a["smartphone_adults"] == 3
    # on a day before the registration only the late visit's value is known (no adults)
    earlier = client.get(
        f"/api/v1/indicators?place={province.id}&on={(TODAY - timedelta(days=1)).isoformat()}"
    ).json
    assert earlier["totals"]["profiled_households"] == 0
    assert earlier["totals"]["smartphone_adults"] == 0  # adults unknown: not counted
    change = client.get(
        f"/api/v1/indicators?place={province.id}&from={(TODAY - timedelta(days=3)).isoformat()}"
    ).json
    assert change["totals"]["change"]["profiled_households"] == 1
    assert change["totals"]["change"]["smartphone_adults"] == 3
    villages = client.get(f"/api/v1/indicators?place={province.id}&level=villages").json
    assert len(villages["children"]) == 4
    assert client.get("/api/v1/indicators?on=31-31-2026").status_code == 400
    assert client.get("/api/v1/indicators?on=2026-01-01&from=2026-02-01").status_code == 400
    assert "error" in client.get("/api/v1/indicators?level=x").json
    auth.logout()
    auth.login("doan")
    assert client.get(f"/api/v1/indicators?place={world['commune_b'].id}").status_code == 404
    assert client.get("/api/v1/indicators").json["place"]["id"] == world["commune_a"].id
    auth.logout()
    auth.login("tinhnguyen")
    assert client.get("/api/v1/indicators").status_code == 403
    assert db.get(Place, province.id) is not None

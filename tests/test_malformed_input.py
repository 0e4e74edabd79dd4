"""Malformed input that once gave a 500 (issue 13, point 5): JSON nested too deeply, one id
for a household and a visit, extreme dates in every date filter; and the date filters typed
as dd/mm/yyyy (issue 12). On SQLite and PostgreSQL."""

from __future__ import annotations

import json
import uuid
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from cdt_app.api import body
from cdt_app.i18n import today_local
from cdt_app.models import AuditLog, Household, Visit
from cdt_app.safety import MAX_JSON_DEPTH, json_too_deep
from cdt_app.values import FILTER_FIRST_DAY, FILTER_LAST_DAY, BadValue, parse_filter_date
from tests.conftest import csrf_from
from tests.test_api_sync import household_item, visit_item

FUZZ = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
NOT_JSON = "Dữ liệu gửi lên không phải JSON hợp lệ."
RANGE = "Nhập một ngày từ 01/01/2000 đến 31/12/2099."


@pytest.fixture
def world(make_world):
    return make_world(
        people={
            "admin": ("admin", "province", "ad"),
            "coordinator": ("coordinator", "commune_a", "doan"),
            "volunteer": ("volunteer", "village_a1", "tv"),
        },
        households={"household": ("village_a1", "volunteer", {})},
        visits={"visit": ("household", "volunteer")},
    )


def _login(client, username: str) -> str:
    page = client.get("/login")
    client.post(
        "/login",
        data={
            "username": username,
            "password": "demo-cds-2026",
            "csrf_token": csrf_from(page.text),
        },
    )
    return client.get("/api/v1/me").json["csrf_token"]


def _counts(db) -> tuple[int, int, int]:
    db.rollback()
    return tuple(
        db.scalar(select(func.count()).select_from(model)) for model in (Household, Visit, AuditLog)
    )


# --- nesting depth ---------------------------------------------------------------------------


def _nested(depth: int, opener: str = "[") -> str:
    closer = {"[": "]", "{": "}"}
    if opener == "{":
        return '{"a":' * depth + "1" + "}" * depth
    return opener * depth + "1" + closer[opener] * depth


DEEP_BODIES = {
    "100.000 [": "[" * 100_000,
    "100.000 [ closed": _nested(100_000),
    "objects": _nested(50_000, "{"),
    "items nested": '{"items": [' + _nested(5000) + "]}",
    "payload nested": '{"items": [{"kind": "visit", "id": "x", "payload": '
    + _nested(2000, "{")
    + "}]}",
    "one over the limit": _nested(MAX_JSON_DEPTH + 1),
}


@pytest.mark.parametrize("shape", list(DEEP_BODIES))
@pytest.mark.parametrize("who", ["tv", "doan"])
def test_deep_json_is_a_400_in_vietnamese_and_stores_nothing(app, db, world, shape, who):
    client = app.test_client()
    token = _login(client, who)
    before = _counts(db)
    urls = ["/api/v1/sync", f"/api/v1/visits/{world['visits']['visit'].id}/review"]
    for url in urls:
        response = client.post(
            url,
            data=DEEP_BODIES[shape],
            content_type="application/json",
            headers={"X-CSRFToken": token},
        )
        assert response.status_code in (400, 403), url  # 403: a volunteer does not review
        assert response.json["error"]
        if response.status_code == 400:
            assert response.json["error"] == NOT_JSON
    # a web form read as JSON goes through the same reader
    login = client.post("/login", data=DEEP_BODIES[shape], content_type="application/json")
    assert login.status_code < 500
    assert _counts(db) == before


def test_brackets_inside_strings_are_not_nesting(app, db, world):
    client = app.test_client()
    token = _login(client, "tv")
    village = world["tree"]["village_a1"].id
    item = household_item(village, notes="[[[[{{{{" * 80 + '\\"]]]' * 50)
    response = client.post("/api/v1/sync", json={"items": [item]}, headers={"X-CSRFToken": token})
    assert response.status_code == 200
    assert response.json["results"][0]["status"] == "created", response.json


@settings(max_examples=200, deadline=None)
@given(
    value=st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(alphabet='[]{}"\\ab,:'),
        lambda children: (
            st.lists(children, max_size=3)
            | st.dictionaries(st.text(alphabet='[]{}"\\a', max_size=4), children, max_size=3)
        ),
        max_leaves=60,
    ),
    limit=st.integers(min_value=0, max_value=12),
)
def test_depth_check_agrees_with_the_real_depth(value, limit):
    def depth(node) -> int:
        if isinstance(node, list):
            return 1 + max((depth(child) for child in node), default=0)
        if isinstance(node, dict):
            return 1 + max((depth(child) for child in node.values()), default=0)
        return 0

    assert json_too_deep(json.dumps(value), limit) == (depth(value) > limit)


@FUZZ
@given(depth=st.integers(min_value=0, max_value=3000), opener=st.sampled_from(["[", "{"]))
def test_any_depth_never_gives_a_500(app, world, depth, opener):
    client = app.test_client()
    token = _login(client, "doan")
    for url in ("/api/v1/sync", f"/api/v1/visits/{world['visits']['visit'].id}/review"):
        response = client.post(
            url,
            data='{"items": ' + _nested(depth, opener) + "}",
            content_type="application/json",
            headers={"X-CSRFToken": token},
        )
        assert response.status_code < 500
        if depth + 1 > MAX_JSON_DEPTH:
            assert response.status_code == 400


def test_an_api_body_over_the_limit_is_a_413(app, db, world, monkeypatch):
    monkeypatch.setattr(body, "MAX_JSON_BYTES", 1000)
    client = app.test_client()
    token = _login(client, "tv")
    before = _counts(db)
    item = household_item(world["tree"]["village_a1"].id, notes="n" * 900)
    response = client.post("/api/v1/sync", json={"items": [item]}, headers={"X-CSRFToken": token})
    assert response.status_code == 413 and response.json["error"]
    assert _counts(db) == before


# --- one id, one record ----------------------------------------------------------------------


def _sync(client, token, items):
    return client.post("/api/v1/sync", json={"items": items}, headers={"X-CSRFToken": token})


ORDERS = ["household then visit", "visit then household", "existing household", "existing visit"]


@pytest.mark.parametrize("order", ORDERS)
def test_an_id_used_for_both_kinds_rejects_that_item_only(app, db, world, order):
    client = app.test_client()
    token = _login(client, "tv")
    village = world["tree"]["village_a1"].id
    existing = world["households"]["household"].id
    shared = str(uuid.uuid4())
    other = household_item(village)  # an unrelated item: it must sync
    if order == "household then visit":
        items = [household_item(village, shared), visit_item(shared, shared), other]
        bad = 1
    elif order == "visit then household":
        items = [visit_item(existing, shared), household_item(village, shared), other]
        bad = 1
    elif order == "existing household":
        shared = str(existing)
        items = [visit_item(existing, shared), other]
        bad = 0
    else:
        shared = str(world["visits"]["visit"].id)
        items = [household_item(village, shared), other]
        bad = 0
    response = _sync(client, token, items)
    assert response.status_code == 200
    results = response.json["results"]
    assert results[bad]["status"] == "rejected" and "id" in results[bad]["errors"]
    assert results[-1]["status"] == "created"
    assert [r["status"] for i, r in enumerate(results) if i != bad] == ["created"] * (
        len(items) - 1
    ) or order.startswith("existing")
    db.rollback()
    key = uuid.UUID(shared)
    assert (db.get(Household, key) is None) != (db.get(Visit, key) is None)
    assert db.get(Household, uuid.UUID(other["id"])) is not None
    # the phone sends the batch again: the same answers, nothing stored twice
    again = _sync(client, token, items).json["results"]
    assert again[bad]["status"] == "rejected"
    assert {r["status"] for i, r in enumerate(again) if i != bad} <= {"unchanged"}


@FUZZ
@given(
    plan=st.lists(
        st.tuples(st.sampled_from(["household", "visit"]), st.integers(min_value=0, max_value=3)),
        min_size=1,
        max_size=8,
    )
)
def test_random_batches_of_shared_ids_never_fail(app, db, world, plan):
    client = app.test_client()
    token = _login(client, "tv")
    village = world["tree"]["village_a1"].id
    pool = [str(uuid.uuid4()) for _ in range(3)] + [str(world["households"]["household"].id)]
    items = [
        household_item(village, pool[n]) if kind == "household" else visit_item(pool[0], pool[n])
        for kind, n in plan
    ]
    response = _sync(client, token, items)
    assert response.status_code == 200
    assert len(response.json["results"]) == len(items)
    db.rollback()
    for key in map(uuid.UUID, pool):
        assert db.get(Household, key) is None or db.get(Visit, key) is None


# --- extreme dates in every date filter -------------------------------------------------------

#: days that can be read but are out of range, and days no filter can read (year before 1000)
EXTREMES = ["9999-12-31", "1000-01-01", "1999-12-31", "2100-01-01", "31/12/9999", "01/01/1000"]
UNREADABLE = ["0001-01-01", "0999-12-31", "01/01/0001", "9999-99-99"]
#: (url, date parameters, who): every date filter of the app
DATE_FILTERS = [
    ("/audit/", ("date_from", "date_to"), "ad"),
    ("/review/", ("date_from", "date_to"), "doan"),
    ("/reports/coverage", ("from", "to"), "doan"),
    ("/reports/coverage.csv", ("from", "to"), "doan"),
    ("/reports/coverage.xlsx", ("from", "to"), "doan"),
    ("/reports/visits.csv", ("from", "to"), "ad"),
    ("/api/v1/coverage", ("from", "to"), "doan"),
]


@pytest.mark.parametrize(("url", "params", "who"), DATE_FILTERS)
def test_extreme_dates_are_refused_in_vietnamese_in_every_filter(app, world, url, params, who):
    client = app.test_client()
    _login(client, who)
    for value in EXTREMES + UNREADABLE:
        message = RANGE if value in EXTREMES else "dd/mm/yyyy"
        for name in params:
            response = client.get(url, query_string={name: value})
            assert response.status_code < 500, (url, name, value)
            if url.startswith("/api/"):
                assert response.status_code == 400 and message in response.json["error"]
            elif not url.endswith((".csv", ".xlsx")):
                assert response.status_code == 200 and message in response.text
    edges = {params[0]: "01/01/2000", params[1]: "2099-12-31"}
    assert client.get(url, query_string=edges).status_code == 200


@FUZZ
@given(
    day=st.dates(min_value=date(1000, 1, 1), max_value=date.max),
    iso=st.booleans(),
    which=st.sampled_from(DATE_FILTERS),
)
def test_any_date_in_any_filter_never_fails(app, world, day, iso, which):
    url, params, who = which
    client = app.test_client()
    _login(client, who)
    typed = day.isoformat() if iso else f"{day.day:02d}/{day.month:02d}/{day.year}"
    for name in params:
        assert client.get(url, query_string={name: typed}).status_code < 500


def test_filter_dates_have_one_range():
    assert parse_filter_date("") is None and parse_filter_date(None) is None
    assert parse_filter_date("01/01/2000") == FILTER_FIRST_DAY
    assert parse_filter_date("2099-12-31") == FILTER_LAST_DAY
    for bad in ("31/12/1999", "2100-01-01", "0001-01-01", "32/01/2026", "x"):
        with pytest.raises(BadValue):
            parse_filter_date(bad)


# --- date filters are dd/mm/yyyy text (issue 12) ------------------------------------------


@pytest.mark.parametrize(
    ("url", "names", "who"),
    [
        ("/audit/", ("date_from", "date_to"), "ad"),
        ("/review/", ("date_from", "date_to"), "doan"),
        ("/reports/coverage", ("from", "to"), "doan"),
    ],
)
def test_date_filters_are_typed_and_shown_day_first(app, world, url, names, who):
    client = app.test_client()
    _login(client, who)
    today = today_local()
    for typed in ("2026-02-01", "01/02/2026", "1/2/2026", "01022026"):
        page = client.get(url, query_string={names[0]: typed, names[1]: today.isoformat()})
        assert page.status_code == 200
        assert 'type="date"' not in page.text
        assert 'value="01/02/2026"' in page.text, typed
        assert f'value="{today:%d/%m/%Y}"' in page.text
        assert 'placeholder="dd/mm/yyyy"' in page.text and 'inputmode="numeric"' in page.text
    wrong = client.get(url, query_string={names[0]: "31/02/2026"})
    assert "dd/mm/yyyy" in wrong.text and 'type="date"' not in wrong.text

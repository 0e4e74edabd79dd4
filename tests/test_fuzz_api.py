"""Bad input against the JSON API (ASVS 5.0 V1, V2, V4): schemathesis generates requests from
/api/v1/openapi.json and sends them through the WSGI app as a logged-in team lead. No request
may give a 500, and a refused request (4xx) stores nothing."""

from __future__ import annotations

import uuid

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from sqlalchemy import func, select

from cdt_app.models import AuditLog, Household, Visit
from tests.conftest import AuthActions, csrf_from


def _schema():
    """The OpenAPI document as served by the app (read once, at collection)."""
    from cdt_app import create_app

    served = create_app(
        {"TESTING": True, "SECRET_KEY": "x", "CDT_DATABASE_URL": "sqlite:///:memory:"}
    )
    loaded = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", served)
    served.extensions["cdt_engine"].dispose()
    return loaded


schema = _schema()


@pytest.fixture
def logged_in(app, make_world):
    world = make_world(
        people={
            "lead": ("team_lead", "village_a1", "tt"),
            "volunteer": ("volunteer", "village_a1", "tv"),
        },
        households={"household": ("village_a1", "volunteer", {"phone": "0912345678"})},
        visits={"visit": ("household", "volunteer")},
    )
    client = app.test_client()
    assert AuthActions(client).login("tt").status_code == 302
    token = csrf_from(client.get("/account").text)
    cookie = client.get_cookie("session").value
    return {"cookie": cookie, "X-CSRFToken": token, "lead": world["lead"]}


def _counts(db) -> tuple[int, int, int]:
    db.rollback()
    return (
        db.scalar(select(func.count()).select_from(Household)),
        db.scalar(select(func.count()).select_from(Visit)),
        db.scalar(select(func.count()).select_from(AuditLog)),
    )


@schema.parametrize()
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_api_never_fails_and_refusals_store_nothing(case, app, logged_in, db):
    before = _counts(db)
    response = case.call(  # the test app, on the test database, as the team lead
        app=app,
        headers={"X-CSRFToken": logged_in["X-CSRFToken"]},
        cookies={"session": logged_in["cookie"]},
    )
    case.validate_response(response, checks=[not_a_server_error])
    assert response.status_code < 500
    if response.status_code >= 400:
        assert _counts(db) == before, f"{case.method} {case.path} stored data and answered 4xx"
        assert "error" in response.json()
    if case.method == "POST" and case.path.endswith("/sync") and response.status_code == 200:
        results = response.json()["results"]
        accepted = {r["id"] for r in results if r.get("status") != "rejected"}
        db.rollback()
        for result in results:
            if result.get("status") != "rejected" or result["id"] in accepted:
                continue
            try:
                item_id = uuid.UUID(str(result["id"]))
            except ValueError:
                continue  # not a UUID: nothing can be stored under it
            assert db.get(Household, item_id) is None and db.get(Visit, item_id) is None


def test_api_without_login_is_401_and_stores_nothing(app, db):
    client = app.test_client()
    before = _counts(db)
    response = client.post(
        "/api/v1/sync",
        json={"items": [{"kind": "household", "id": "8a0c7f1e-0000-4000-8000-000000000001"}]},
    )
    assert response.status_code == 401 and _counts(db) == before


# --- the classes of issue 13 point 5, as schemathesis cases (checked like the generated ones) --


def _deep(depth: int):
    value: object = 1
    for _ in range(depth):
        value = [value]
    return value


def _hh(item_id: str, village_id: int) -> dict:
    payload = {"village_id": village_id, "head_name": "Lê Văn An", "members": 2, "consent": True}
    return {"kind": "household", "id": item_id, "payload": payload}


def _visit(item_id: str, household_id: str) -> dict:
    payload = {
        "household_id": household_id,
        "visited_on": "2026-01-05",
        "skills": [{"code": "vneid"}],
        "people_taught": 1,
    }
    return {"kind": "visit", "id": item_id, "payload": payload}


def _hostile_cases(world) -> list:
    sync_op = schema["/api/v1/sync"]["POST"]
    review_op = schema["/api/v1/visits/{id}/review"]["POST"]
    coverage_op = schema["/api/v1/coverage"]["GET"]
    village, shared = world["village_id"], str(uuid.uuid4())
    cases = [
        sync_op.Case(body={"items": _deep(500)}, media_type="application/json"),
        sync_op.Case(body={"items": [_deep(200)]}, media_type="application/json"),
        review_op.Case(
            path_parameters={"id": world["visit_id"]},
            body={"action": _deep(400), "reason": "x"},
            media_type="application/json",
        ),
        sync_op.Case(
            body={"items": [_hh(shared, village), _visit(shared, shared)]},
            media_type="application/json",
        ),
        sync_op.Case(
            body={"items": [_visit(world["household_id"], world["household_id"])]},
            media_type="application/json",
        ),
        sync_op.Case(
            body={"items": [_hh(world["visit_id"], village)]}, media_type="application/json"
        ),
    ]
    for name in ("from", "to"):
        for day in ("0001-01-01", "9999-12-31", "1000-01-01", "2100-01-01"):
            cases.append(coverage_op.Case(query={name: day}))
    return cases


def test_hostile_cases_never_fail(app, logged_in, db):
    lead = logged_in["lead"]
    db.rollback()
    visit = db.scalar(select(Visit))
    world = {
        "village_id": lead.place_id,
        "visit_id": str(visit.id),
        "household_id": str(visit.household_id),
    }
    for case in _hostile_cases(world):
        before = _counts(db)
        response = case.call(
            app=app,
            headers={"X-CSRFToken": logged_in["X-CSRFToken"]},
            cookies={"session": logged_in["cookie"]},
        )
        case.validate_response(response, checks=[not_a_server_error])
        assert response.status_code < 500, (case.path, case.body, case.query)
        if response.status_code >= 400:
            assert _counts(db) == before and response.json()["error"]
        if case.path.endswith("/sync") and response.status_code == 200:
            statuses = [result["status"] for result in response.json()["results"]]
            assert "rejected" in statuses  # the id already names the other kind
            db.rollback()
            for item in case.body["items"]:
                key = uuid.UUID(item["id"])
                assert db.get(Household, key) is None or db.get(Visit, key) is None

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

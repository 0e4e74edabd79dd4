"""GET /api/v1/openapi.json documents every /api/v1 endpoint, and the real answers of the API
match the documented schemas."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest

from cdt_app.i18n import today_local
from tests.factories import make_visit

# --- a small JSON Schema checker (the keywords the document uses) -----------------------------


def check(value: Any, schema: dict, doc: dict, where: str = "$") -> None:
    """Raise AssertionError when ``value`` does not match ``schema`` (refs resolved in ``doc``)."""
    if "$ref" in schema:
        name = schema["$ref"].removeprefix("#/components/schemas/")
        check(value, doc["components"]["schemas"][name], doc, where)
        return
    if "oneOf" in schema:
        matches = 0
        for option in schema["oneOf"]:
            try:
                check(value, option, doc, where)
                matches += 1
            except AssertionError:
                pass
        assert matches >= 1, f"{where}: matches none of oneOf"
        return
    types = schema.get("type")
    if types is not None:
        allowed = types if isinstance(types, list) else [types]
        python = {
            "object": dict,
            "array": list,
            "string": str,
            "boolean": bool,
            "null": type(None),
            "integer": int,
            "number": (int, float),
        }
        ok = any(
            isinstance(value, python[t])
            and not (t in ("integer", "number") and value is True)
            and not (t in ("integer", "number") and value is False)
            for t in allowed
        )
        assert ok, f"{where}: {value!r} is not {allowed}"
    if value is None:
        return
    if "enum" in schema:
        assert value in schema["enum"], f"{where}: {value!r} not in {schema['enum']}"
    if isinstance(value, str) and "pattern" in schema:
        assert re.search(schema["pattern"], value), f"{where}: {value!r} !~ {schema['pattern']}"
    if isinstance(value, str) and schema.get("format") == "uuid":
        uuid.UUID(value)
    if isinstance(value, dict):
        for key in schema.get("required", []):
            assert key in value, f"{where}: missing {key}"
        for key, sub in schema.get("properties", {}).items():
            if key in value:
                check(value[key], sub, doc, f"{where}.{key}")
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            for key, item in value.items():
                if key not in schema.get("properties", {}):
                    check(item, extra, doc, f"{where}.{key}")
    if isinstance(value, list):
        if "maxItems" in schema:
            assert len(value) <= schema["maxItems"]
        for index, item in enumerate(value):
            check(item, schema.get("items", {}), doc, f"{where}[{index}]")


def response_schema(doc: dict, path: str, method: str, status: int) -> dict:
    answer = doc["paths"][path][method]["responses"][str(status)]
    return answer["content"]["application/json"]["schema"]


# --- fixtures --------------------------------------------------------------------------------


@pytest.fixture
def doc(client) -> dict:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.is_json
    return response.json


@pytest.fixture
def world(make_world):
    return make_world(
        people={
            "volunteer": ("volunteer", "village_a1", "tinhnguyen"),
            "coordinator": ("coordinator", "commune_a", "doan"),
        },
        households={"household": ("village_a1", "volunteer", "Nguyễn Văn An", {"members": 4})},
        visits={"approved": ("household", "volunteer", {"status": "approved"})},
    )


def token_of(client, auth, username: str) -> str:
    auth.login(username)
    return client.get("/api/v1/me").json["csrf_token"]


# --- the document ------------------------------------------------------------------------------


def test_the_document_is_openapi_3_and_public(client, doc):
    assert doc["openapi"].startswith("3.")
    assert doc["info"]["title"] and doc["info"]["version"]
    assert set(doc["components"]["securitySchemes"]) == {"session", "csrf"}
    assert doc["components"]["securitySchemes"]["csrf"] == {
        "type": "apiKey",
        "in": "header",
        "name": "X-CSRFToken",
    }


def test_every_api_route_is_documented_and_every_documented_route_exists(app, doc):
    routes: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            path = re.sub(r"<[^<>]+>", "{}", rule.rule)  # parameter names do not matter
            routes.setdefault(path, set()).update(
                m.lower() for m in rule.methods - {"HEAD", "OPTIONS"}
            )
    documented = {re.sub(r"\{[^}]+\}", "{}", path): set(ops) for path, ops in doc["paths"].items()}
    assert routes == documented
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            assert operation["summary"] and operation["responses"], (path, method)
            assert operation.get("operationId"), (path, method)
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path":
                    assert "{" + parameter["name"] + "}" in path


def test_every_reference_resolves(doc):
    schemas = doc["components"]["schemas"]

    def walk(node):
        if isinstance(node, dict):
            ref = node.get("$ref")
            if ref:
                assert ref.startswith("#/components/schemas/")
                assert ref.removeprefix("#/components/schemas/") in schemas, ref
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(doc)


# --- the answers match the schemas -------------------------------------------------------


def test_me_and_errors_match_their_schemas(client, auth, world, doc):
    response = client.get("/api/v1/me")
    check(response.json, response_schema(doc, "/api/v1/me", "get", 401), doc)
    auth.login("tinhnguyen")
    check(client.get("/api/v1/me").json, response_schema(doc, "/api/v1/me", "get", 200), doc)


def test_every_sync_status_matches_the_schema(client, auth, world, doc):
    token = token_of(client, auth, "tinhnguyen")
    household_id = str(uuid.uuid4())
    items = [
        {
            "kind": "household",
            "id": household_id,
            "payload": {
                "village_id": world["village_a1"].id,
                "head_name": "Trần Văn Bình",
                "address": "",
                "phone": None,
                "members": 2,
                "smartphone_members": None,
                "consent": True,
                "notes": "",
            },
        },
        {
            "kind": "visit",
            "id": str(world["approved"].id),
            "payload": {
                "household_id": str(world["household"].id),
                "visited_on": today_local().isoformat(),
                "skills": [{"code": "dvc", "completed": False}],
                "people_taught": 2,
                "notes": "",
                "lat": 11.55,
                "lon": 108.99,
            },
        },
        {"kind": "visit", "id": str(uuid.uuid4()), "payload": {"skills": []}},
        {"kind": "nope", "id": "x", "payload": 3},
    ]
    request_schema = doc["paths"]["/api/v1/sync"]["post"]["requestBody"]["content"]
    check({"items": items[:2]}, request_schema["application/json"]["schema"], doc)
    first = client.post("/api/v1/sync", json={"items": items}, headers={"X-CSRFToken": token})
    again = client.post("/api/v1/sync", json={"items": items}, headers={"X-CSRFToken": token})
    items[0]["payload"]["members"] = 3
    third = client.post("/api/v1/sync", json={"items": items}, headers={"X-CSRFToken": token})
    statuses = set()
    for response in (first, again, third):
        assert response.status_code == 200
        check(response.json, response_schema(doc, "/api/v1/sync", "post", 200), doc)
        statuses |= {result["status"] for result in response.json["results"]}
    assert statuses == {"created", "unchanged", "updated", "conflict", "rejected"}

    for status, body in ((400, b"{"), (413, None)):
        if body is None:
            response = client.post(
                "/api/v1/sync", json={"items": [{}] * 201}, headers={"X-CSRFToken": token}
            )
        else:
            response = client.post(
                "/api/v1/sync",
                data=body,
                headers={"X-CSRFToken": token, "Content-Type": "application/json"},
            )
        assert response.status_code == status
        check(response.json, response_schema(doc, "/api/v1/sync", "post", status), doc)


def test_offline_data_matches_the_schema(client, auth, world, doc):
    auth.login("tinhnguyen")
    response = client.get("/api/v1/offline-data")
    check(response.json, response_schema(doc, "/api/v1/offline-data", "get", 200), doc)


def test_coverage_and_review_match_their_schemas(client, auth, world, doc, db):
    visit = make_visit(db, world["household"], world["volunteer"])
    token = token_of(client, auth, "doan")
    coverage = client.get(f"/api/v1/coverage?place={world['commune_a'].id}")
    assert coverage.status_code == 200
    check(coverage.json, response_schema(doc, "/api/v1/coverage", "get", 200), doc)
    path = "/api/v1/visits/{id}/review"
    returned = client.post(
        f"/api/v1/visits/{visit.id}/review",
        json={"action": "return", "reason": "Thiếu số người"},
        headers={"X-CSRFToken": token},
    )
    assert returned.status_code == 200
    check(returned.json, response_schema(doc, path, "post", 200), doc)
    again = client.post(
        f"/api/v1/visits/{world['approved'].id}/review",
        json={"action": "approve"},
        headers={"X-CSRFToken": token},
    )
    assert again.status_code == 409
    check(again.json, response_schema(doc, path, "post", 409), doc)
    check(
        {"action": "return", "reason": "Thiếu số người"},
        doc["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"],
        doc,
    )

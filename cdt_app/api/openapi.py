"""The OpenAPI 3.1 document of ``/api/v1`` (DESIGN section 8), served at /api/v1/openapi.json.

Schemas are JSON Schema (OpenAPI 3.1), so clients and the tests can validate answers with them.
Every route under /api/v1 must be described here: a test compares this document with the
app's URL map.
"""

from __future__ import annotations

from typing import Any

from ..sync.services import KINDS, MAX_ITEMS, STATUSES
from . import openapi_periodic, openapi_profile

_REF = "#/components/schemas/"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": _REF + name}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict[str, Any]:
    return _json(_ref("Error"), description)


_NULLABLE_STR = {"type": ["string", "null"]}
_DATE = {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
_UUID = {"type": "string", "format": "uuid"}

_METRICS = {
    "target_households": {
        "type": "integer",
        "description": "Sum of the villages' targets; a village without one counts its "
        "registered households.",
    },
    "registered_households": {"type": "integer"},
    "reached_households": {
        "type": "integer",
        "description": "Distinct households with at least one counted visit.",
    },
    "coverage": {
        "type": "number",
        "description": "reached_households ÷ target_households, unrounded (0 when the target "
        "is 0), e.g. 0.4533.",
    },
    "visits": {"type": "integer"},
    "people_taught": {"type": "integer"},
    "active_volunteers": {"type": "integer"},
    "skills": {
        "type": "object",
        "description": "Skill code → figures.",
        "additionalProperties": _ref("SkillFigures"),
    },
}

SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {"type": "string", "description": "A message in the user's language."},
            "errors": {
                "type": "object",
                "additionalProperties": {"type": "string"},
                "description": "Field → message, when the input was refused.",
            },
        },
    },
    "User": {
        "type": "object",
        "required": ["id", "username", "display_name", "role", "place_id"],
        "properties": {
            "id": {"type": "integer"},
            "username": {"type": "string"},
            "display_name": {"type": "string"},
            "role": {
                "type": "string",
                "enum": ["volunteer", "team_lead", "coordinator", "staff", "admin"],
            },
            "place_id": {"type": ["integer", "null"]},
        },
    },
    "Me": {
        "type": "object",
        "required": ["user", "csrf_token"],
        "properties": {
            "user": _ref("User"),
            "csrf_token": {
                "type": "string",
                "description": "Send it as the X-CSRFToken header of every write. It expires: "
                "fetch a fresh one before each sync.",
            },
        },
    },
    "HouseholdPayload": {
        "type": "object",
        "description": "Validated by the same service as the web form; the errors name these "
        "fields.",
        "required": ["village_id", "head_name", "members", "consent"],
        "properties": {
            "village_id": {"type": "integer", "description": "A village in the user's area."},
            "head_name": {"type": "string", "maxLength": 120},
            "address": {"type": "string", "maxLength": 255},
            "phone": {
                **_NULLABLE_STR,
                "description": "Vietnamese mobile (10 digits, 03/05/07/08/09) or landline "
                "(02…); +84 accepted; stored normalised.",
            },
            "members": {"type": "integer", "minimum": 1, "maximum": 99},
            **openapi_profile.HOUSEHOLD_PROFILE_PROPERTIES,
            "consent": {
                "type": "boolean",
                "description": "Must be true: the household agreed that the team stores the data.",
            },
            "notes": {"type": "string", "maxLength": 1000},
        },
    },
    "VisitSkill": {
        "type": "object",
        "required": ["code"],
        "properties": {
            "code": {"type": "string", "description": "An active skill code."},
            "completed": {"type": "boolean", "description": "đã tự làm được"},
        },
    },
    "VisitPayload": {
        "type": "object",
        "required": ["household_id", "visited_on", "skills", "people_taught"],
        "properties": {
            "household_id": {
                **_UUID,
                "description": "A household in the user's area, possibly created earlier in "
                "the same batch.",
            },
            "visited_on": {**_DATE, "description": "Not in the future (Asia/Ho_Chi_Minh)."},
            "skills": {"type": "array", "minItems": 1, "items": _ref("VisitSkill")},
            "people_taught": {
                "type": "integer",
                "minimum": 1,
                "description": "At most the household's members.",
            },
            "notes": {"type": "string", "maxLength": 1000},
            "lat": {"type": ["number", "null"], "minimum": -90, "maximum": 90},
            "lon": {"type": ["number", "null"], "minimum": -180, "maximum": 180},
            "profile": openapi_profile.VISIT_PROFILE_PROPERTY,
        },
    },
    "SyncItem": {
        "type": "object",
        "required": ["kind", "id", "payload"],
        "properties": {
            "kind": {"type": "string", "enum": list(KINDS)},
            "id": {
                **_UUID,
                "description": "Made by the client once per record: the idempotency key.",
            },
            "payload": {
                "oneOf": [_ref("HouseholdPayload"), _ref("VisitPayload")],
                "description": "HouseholdPayload when kind is household, VisitPayload when visit.",
            },
        },
    },
    "SyncRequest": {
        "type": "object",
        "required": ["items"],
        "properties": {
            "items": {
                "type": "array",
                "maxItems": MAX_ITEMS,
                "items": _ref("SyncItem"),
                "description": "Processed in order.",
            }
        },
    },
    "SyncResult": {
        "type": "object",
        "required": ["id", "status", "errors"],
        "properties": {
            "id": {
                "type": ["string", "null"],
                "description": "The item's id (null when the item had no usable id).",
            },
            "status": {
                "type": "string",
                "enum": list(STATUSES),
                "description": "created; unchanged (same id and payload: a replay); updated "
                "(new payload, still editable); conflict (new payload, no longer editable: "
                "see server); rejected (invalid: see errors; also a new record whose id "
                "already names a record of the other kind, errors.id). The other items of "
                "the batch are stored whatever one item's status.",
            },
            "errors": {
                "type": "object",
                "additionalProperties": {"type": "string"},
                "description": "Field → Vietnamese message; empty unless rejected.",
            },
            "server": {
                "type": "object",
                "description": "With conflict only: the server's copy of the record, in the "
                "shape of its payload plus status fields.",
                "properties": {
                    "status": {"type": "string", "enum": ["submitted", "approved", "returned"]},
                    "review_note": _NULLABLE_STR,
                    "deleted": {"type": "boolean"},
                },
            },
        },
    },
    "SyncResponse": {
        "type": "object",
        "required": ["results"],
        "properties": {
            "results": {
                "type": "array",
                "items": _ref("SyncResult"),
                "description": "One per item, in the order of the items.",
            }
        },
    },
    "OfflineVillage": {
        "type": "object",
        "required": ["id", "name", "kind", "parent_id"],
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "kind": {"type": "string"},
            "parent_id": {"type": ["integer", "null"]},
        },
    },
    "OfflineSkill": {
        "type": "object",
        "required": ["code", "name", "group"],
        "properties": {
            "code": {"type": "string"},
            "name": {"type": "string"},
            "group": {"type": "string"},
        },
    },
    "OfflineHousehold": {
        "type": "object",
        "required": ["id", "village_id", "head_name", "address", "members"],
        "properties": {
            "id": _UUID,
            "village_id": {"type": "integer"},
            "head_name": {"type": "string"},
            "address": {"type": "string"},
            "members": {"type": "integer"},
            "profile": {
                "type": "object",
                "description": "The digital profile as of today; a field left out is not known.",
            },
        },
    },
    "OfflineData": {
        "type": "object",
        "description": "What the phone keeps to work offline. Phone numbers are not included "
        "(data minimisation).",
        "required": [
            "user_id",
            "generated_at",
            "today",
            "villages",
            "skills",
            "households",
            "truncated",
        ],
        "properties": {
            "user_id": {"type": "integer"},
            "generated_at": {"type": "string", "format": "date-time"},
            "today": {**_DATE, "description": "Today on the server (Asia/Ho_Chi_Minh)."},
            "villages": {"type": "array", "items": _ref("OfflineVillage")},
            "skills": {
                "type": "array",
                "items": _ref("OfflineSkill"),
                "description": "Active skills in catalogue order.",
            },
            "households": {
                "type": "array",
                "items": _ref("OfflineHousehold"),
                "description": "Households (not deleted) in the user's area, in Vietnamese "
                "order of the head's name.",
            },
            "truncated": {
                "type": "boolean",
                "description": "True when the area holds more than 5,000 households.",
            },
        },
    },
    "PlaceRef": {
        "type": "object",
        "required": ["id", "code", "name", "kind"],
        "properties": {
            "id": {"type": "integer"},
            "code": {"type": "string"},
            "name": {"type": "string"},
            "kind": {"type": "string"},
        },
    },
    "SkillFigures": {
        "type": "object",
        "required": ["reached", "completed"],
        "properties": {
            "reached": {"type": "integer"},
            "completed": {"type": "integer"},
        },
    },
    "Metrics": {
        "type": "object",
        "required": list(_METRICS),
        "properties": _METRICS,
    },
    "CoverageRow": {
        "type": "object",
        "required": ["place", *_METRICS],
        "properties": {"place": _ref("PlaceRef"), **_METRICS},
    },
    "Coverage": {
        "type": "object",
        "required": ["place", "period", "totals", "children"],
        "properties": {
            "place": _ref("PlaceRef"),
            "period": {
                "type": "object",
                "required": ["from", "to", "approved_only"],
                "properties": {
                    "from": {**_DATE, "type": ["string", "null"], "description": "null: all time."},
                    "to": _DATE,
                    "approved_only": {"type": "boolean"},
                },
            },
            "totals": _ref("Metrics"),
            "children": {"type": "array", "items": _ref("CoverageRow")},
        },
    },
    "ReviewRequest": {
        "type": "object",
        "required": ["action"],
        "properties": {
            "action": {"type": "string", "enum": ["approve", "return"]},
            "reason": {
                "type": "string",
                "maxLength": 500,
                "description": "Lý do trả lại: required to return.",
            },
        },
    },
    "ReviewResult": {
        "type": "object",
        "required": ["id", "status", "review_note", "reviewed_by", "reviewed_at"],
        "properties": {
            "id": _UUID,
            "status": {"type": "string", "enum": ["submitted", "approved", "returned"]},
            "review_note": {**_NULLABLE_STR, "description": "Lý do trả lại, when returned."},
            "reviewed_by": {"type": ["integer", "null"], "description": "The reviewer's id."},
            "reviewed_at": {"type": ["string", "null"], "format": "date-time"},
        },
    },
    "ReviewConflict": {
        "type": "object",
        "required": ["error", "status"],
        "properties": {
            "error": {"type": "string"},
            "status": {
                "type": "string",
                "enum": ["submitted", "approved", "returned"],
                "description": "The visit's status, which did not allow the action.",
            },
        },
    },
}

_AUTH = [{"session": [], "csrf": []}]
_READ = [{"session": []}]
_401 = _error("Not logged in (or the session has expired): log in again.")
_CSRF = _error("Missing or expired CSRF token: fetch a fresh one from /api/v1/me.")

PATHS: dict[str, Any] = {
    "/api/v1/me": {
        "get": {
            "operationId": "me",
            "summary": "The logged-in user and a fresh CSRF token.",
            "security": _READ,
            "responses": {"200": _json(_ref("Me"), "The user."), "401": _401},
        }
    },
    "/api/v1/sync": {
        "post": {
            "operationId": "sync",
            "summary": "Store households and visits made offline, idempotently by id.",
            "description": "Items are applied in order (a visit may name a household "
            "registered earlier in the batch); a rejected item stores nothing and does not "
            "stop the others, and the batch is committed once. Sending the same item again "
            "(a retry after a lost answer) answers unchanged and stores nothing new; two "
            "requests carrying the same new item at the same time store one row.",
            "security": _AUTH,
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": _ref("SyncRequest")}},
            },
            "responses": {
                "200": {
                    **_json(_ref("SyncResponse"), "One result per item."),
                    "headers": {
                        "Server-Timing": {
                            "description": "The server's own time, e.g. app;dur=12.3 (ms).",
                            "schema": {"type": "string"},
                        }
                    },
                },
                "400": _error(
                    "Malformed JSON (also: nested deeper than 32 levels) or a bad CSRF token; "
                    "nothing was stored."
                ),
                "401": _401,
                "413": _error(f"More than {MAX_ITEMS} items, or a body over 2 MB."),
                "503": _error("The database was busy; nothing was stored. Try again later."),
            },
        }
    },
    "/api/v1/offline-data": {
        "get": {
            "operationId": "offlineData",
            "summary": "The active skills; for volunteers and team leads, their village and its "
            "households.",
            "description": "Fetched by the offline client when online and kept on the phone. "
            "Other roles work online: their villages and households lists are empty.",
            "security": _READ,
            "responses": {"200": _json(_ref("OfflineData"), "The data."), "401": _401},
        }
    },
    "/api/v1/coverage": {
        "get": {
            "operationId": "coverage",
            "summary": "Coverage of a place and of its children over a period (DESIGN section 7).",
            "security": _READ,
            "parameters": [
                {
                    "name": "place",
                    "in": "query",
                    "schema": {"type": "integer"},
                    "description": "A place in the user's area (default: the user's place).",
                },
                {"name": "from", "in": "query", "schema": _DATE},
                {"name": "to", "in": "query", "schema": _DATE},
                {
                    "name": "approved_only",
                    "in": "query",
                    "schema": {"type": "string", "enum": ["0", "1"]},
                    "description": "1: count approved visits only.",
                },
                {
                    "name": "level",
                    "in": "query",
                    "schema": {"type": "string", "enum": ["children", "villages"]},
                    "description": "children (default): the place's children; villages: every "
                    "village under the place.",
                },
            ],
            "responses": {
                "200": _json(_ref("Coverage"), "The figures."),
                "400": _error(
                    "A parameter is not valid (a date must be from 2000-01-01 to 2099-12-31)."
                ),
                "401": _401,
                "403": _error("The user's role does not see coverage."),
                "404": _error("The place does not exist or is outside the user's area."),
            },
        }
    },
    "/api/v1/visits/{id}/review": {
        "post": {
            "operationId": "reviewVisit",
            "summary": "Approve a visit, or return it to its author with a reason.",
            "description": "Coordinators and team leads, inside their area; nobody reviews "
            "their own visit.",
            "security": _AUTH,
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": _UUID}],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": _ref("ReviewRequest")}},
            },
            "responses": {
                "200": _json(_ref("ReviewResult"), "The visit after the review."),
                "400": _error(
                    "Malformed JSON (also: nested too deeply), bad action or missing reason "
                    "(see errors), or a bad CSRF token."
                ),
                "401": _401,
                "403": _error("The user may not review this visit."),
                "404": _error("No such visit in the user's area."),
                "409": _json(
                    _ref("ReviewConflict"),
                    "The visit's status does not allow it (e.g. already approved).",
                ),
            },
        }
    },
    "/api/v1/openapi.json": {
        "get": {
            "operationId": "openapi",
            "summary": "This document.",
            "security": [],
            "responses": {"200": {"description": "The OpenAPI document."}},
        }
    },
}


def openapi_document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Sổ tay Tổ Công nghệ số cộng đồng API",
            "version": "1",
            "description": "The stable JSON API of DESIGN section 8. Authentication is the "
            "session cookie of /login; every write also needs the X-CSRFToken header from "
            'GET /api/v1/me. Errors are JSON {"error": "…"} with a message in the '
            "user's language (Vietnamese by default).",
        },
        "servers": [{"url": "/"}],
        "paths": {**PATHS, **openapi_periodic.paths(_READ, _401), **openapi_profile.PATHS},
        "components": {
            "schemas": {**SCHEMAS, **openapi_periodic.SCHEMAS, **openapi_profile.SCHEMAS},
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "session"},
                "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRFToken"},
            },
        },
    }

"""The parts of the OpenAPI document about the digital profile and the indicators (DESIGN
section 10): the profile fields of the sync payloads and ``GET /api/v1/indicators``.
``cdt_app.api.openapi`` merges them into its document."""

from __future__ import annotations

from typing import Any

from ..indicators.queries import ADDITIVE, RATES
from ..models import GOAL_INDICATORS

_REF = "#/components/schemas/"
_DATE = {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
_COUNT = {"type": ["integer", "null"], "minimum": 0, "maximum": 99}
_UNKNOWN = " null (or left out of an update): not known, which is never the same as 0."

#: the profile fields of a household payload (all optional; older clients send none)
HOUSEHOLD_PROFILE_PROPERTIES: dict[str, Any] = {
    "adults": {**_COUNT, "description": "Members aged 15 or more; at most members." + _UNKNOWN},
    "smartphone_adults": {
        **_COUNT,
        "description": "Adults with their own smartphone; at most adults." + _UNKNOWN,
    },
    "smartphone_members": {
        **_COUNT,
        "deprecated": True,
        "description": "The old name of smartphone_adults, still accepted (errors are then "
        "given under this name).",
    },
    "vneid_level2": {**_COUNT, "description": "Adults with VNeID level 2 activated." + _UNKNOWN},
    "payment_adults": {
        **_COUNT,
        "description": "Adults with a bank account, e-wallet or Mobile Money." + _UNKNOWN,
    },
    "health_record": {
        **_COUNT,
        "description": "Members with an electronic health record." + _UNKNOWN,
    },
    "broadband": {
        "type": ["boolean", "null"],
        "description": "Fixed broadband at home: true / false;" + _UNKNOWN,
    },
}

VISIT_PROFILE_PROPERTY: dict[str, Any] = {
    "type": "object",
    "description": "Optional: the profile values observed at the visit, dated by it (the "
    "phone sends only the fields changed from the profile it showed). A null or empty value "
    "means not observed. A value never overrides one dated later. Errors are given under "
    "profile_<field>.",
    "properties": {
        "members": {"type": "integer", "minimum": 1, "maximum": 99},
        **{
            name: spec
            for name, spec in HOUSEHOLD_PROFILE_PROPERTIES.items()
            if name != "smartphone_members"
        },
    },
    "additionalProperties": False,
}

_FIGURES = {
    **{name: {"type": "integer", "minimum": 0} for name in ADDITIVE},
    **{
        name: {
            "type": "number",
            "minimum": 0,
            "maximum": 1,
            "description": f"{num} ÷ {den} (0 when {den} is 0), unrounded.",
        }
        for name, (num, den) in RATES.items()
    },
}
_FIGURE_OBJECT = {
    "type": "object",
    "required": [*ADDITIVE, *RATES],
    "properties": {
        **_FIGURES,
        "goals": {
            "type": "object",
            "description": "The goal of each rate as a ratio (0.8 = 80 %): set on the place's "
            "commune, else its province, else the national target of QĐ 411/QĐ-TTg; null: none.",
            "properties": {name: {"type": ["number", "null"]} for name in GOAL_INDICATORS},
        },
        "change": {
            "type": "object",
            "description": "With from: each figure on `on` minus its value on the day before "
            "`from`.",
            "properties": {name: {"type": "number"} for name in _FIGURES},
        },
    },
}

SCHEMAS: dict[str, Any] = {
    "IndicatorFigures": _FIGURE_OBJECT,
    "IndicatorRow": {
        **_FIGURE_OBJECT,
        "required": ["place", *_FIGURE_OBJECT["required"]],
        "properties": {"place": {"$ref": _REF + "PlaceRef"}, **_FIGURE_OBJECT["properties"]},
    },
    "Indicators": {
        "type": "object",
        "required": ["place", "on", "totals", "children"],
        "properties": {
            "place": {"$ref": _REF + "PlaceRef"},
            "on": _DATE,
            "from": _DATE,
            "totals": {"$ref": _REF + "IndicatorFigures"},
            "children": {"type": "array", "items": {"$ref": _REF + "IndicatorRow"}},
        },
    },
}


def _error(description: str) -> dict[str, Any]:
    schema = {"$ref": _REF + "Error"}
    return {"description": description, "content": {"application/json": {"schema": schema}}}


PATHS: dict[str, Any] = {
    "/api/v1/indicators": {
        "get": {
            "operationId": "indicators",
            "summary": "The digital-society indicators of a place and of its children on a day "
            "(DESIGN section 10), and with from their change over the period.",
            "description": "Figures are sums over the villages under each place (all but the "
            "rates are additive). The profile of a household on a day is, field by field, its "
            "latest value dated on or before it; households whose adults are unknown count in "
            "no adult-based figure; each rate is summed only over the households where both "
            "of its fields are known (the *_base figures are its denominators).",
            "security": [{"session": []}],
            "parameters": [
                {
                    "name": "place",
                    "in": "query",
                    "schema": {"type": "integer"},
                    "description": "A place in the user's area (default: the user's place).",
                },
                {"name": "on", "in": "query", "schema": _DATE, "description": "Default: today."},
                {"name": "from", "in": "query", "schema": _DATE},
                {
                    "name": "level",
                    "in": "query",
                    "schema": {"type": "string", "enum": ["children", "villages"]},
                },
            ],
            "responses": {
                "200": {
                    "description": "The figures.",
                    "content": {"application/json": {"schema": {"$ref": _REF + "Indicators"}}},
                },
                "400": _error("A parameter is not valid."),
                "401": _error("Not logged in."),
                "403": _error("The user's role does not see reports."),
                "404": _error("The place does not exist or is outside the user's area."),
            },
        }
    }
}

"""The periodic report's part of the OpenAPI document (cdt_app.api.openapi adds it): the path
GET /api/v1/reports/periodic and its schemas. ``Metrics``, ``PlaceRef`` and ``Error`` are the
coverage API's."""

from __future__ import annotations

from typing import Any

_REF = "#/components/schemas/"
_DATE = {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
_RATIO_OR_NULL = {
    "type": ["number", "null"],
    "description": "(current − before) ÷ before, unrounded; null when before is 0.",
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": _REF + name}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict[str, Any]:
    return _json(_ref("Error"), description)


_PERIOD_PROPERTIES = {
    "kind": {"type": "string", "enum": ["month", "quarter", "year"]},
    "year": {"type": "integer"},
    "number": {
        "type": "integer",
        "description": "The month (1–12), the quarter (1–4); 1 for a year.",
    },
    "code": {"type": "string", "description": "2026-11, 2026-Q3 or 2026."},
    "label": {"type": "string", "description": "Tháng 11/2026, Quý III/2026 or Năm 2026."},
    "from": _DATE,
    "to": _DATE,
    "approved_only": {"type": "boolean"},
}

SCHEMAS: dict[str, Any] = {
    "ReportPeriod": {
        "type": "object",
        "required": list(_PERIOD_PROPERTIES),
        "properties": _PERIOD_PROPERTIES,
    },
    "Change": {
        "type": "object",
        "required": ["absolute", "relative"],
        "properties": {
            "absolute": {
                "type": "number",
                "description": "current − before (for coverage: the difference of the ratios).",
            },
            "relative": _RATIO_OR_NULL,
        },
    },
    "PeriodicVillage": {
        "type": "object",
        "required": [
            "place",
            "commune",
            "reached_households",
            "target_households",
            "coverage",
            "visits",
            "last_visit_on",
        ],
        "properties": {
            "place": {
                "type": "object",
                "required": ["id", "code", "name"],
                "properties": {
                    "id": {"type": "integer"},
                    "code": {"type": "string"},
                    "name": {"type": "string"},
                },
            },
            "commune": {"type": "string"},
            "reached_households": {"type": "integer", "description": "In the period."},
            "target_households": {"type": "integer"},
            "coverage": {"type": "number", "description": "In the period, unrounded."},
            "visits": {"type": "integer", "description": "In the period."},
            "last_visit_on": {
                "type": ["string", "null"],
                "format": "date",
                "description": "The latest counted visit up to today, in any period.",
            },
        },
    },
    "PeriodicVolunteer": {
        "type": "object",
        "required": ["id", "name", "village", "reached_households", "visits"],
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "village": {"type": "string", "description": "The volunteer's village."},
            "reached_households": {
                "type": "integer",
                "description": "Distinct households with a counted visit by this volunteer.",
            },
            "visits": {"type": "integer"},
        },
    },
    "PeriodicReport": {
        "type": "object",
        "required": [
            "place",
            "period",
            "previous",
            "year_before",
            "figures",
            "changes",
            "villages",
            "volunteers",
            "top_volunteers",
            "top_teams",
            "summary",
            "indicators",
        ],
        "properties": {
            "place": _ref("PlaceRef"),
            "period": {
                "type": "object",
                "required": [*_PERIOD_PROPERTIES, "over"],
                "properties": {
                    **_PERIOD_PROPERTIES,
                    "over": {
                        "type": "boolean",
                        "description": "false: the period has not ended, figures run to today.",
                    },
                },
            },
            "previous": _ref("ReportPeriod"),
            "year_before": _ref("ReportPeriod"),
            "figures": {
                "type": "object",
                "description": "The coverage figures (DESIGN section 7) of each period, as in "
                "GET /api/v1/coverage for the same dates. Target and registered households are "
                "today's in all three.",
                "required": ["current", "previous", "year_before"],
                "properties": {
                    "current": _ref("Metrics"),
                    "previous": _ref("Metrics"),
                    "year_before": _ref("Metrics"),
                },
            },
            "changes": {
                "type": "object",
                "description": "Against the previous period and the year before: figure → "
                "change, for reached_households, coverage, visits, people_taught, "
                "active_volunteers and skill:<code> (households reached).",
                "required": ["previous", "year_before"],
                "properties": {
                    "previous": {"type": "object", "additionalProperties": _ref("Change")},
                    "year_before": {"type": "object", "additionalProperties": _ref("Change")},
                },
            },
            "villages": {
                "type": "object",
                "required": ["count", "behind_share", "behind_threshold", "behind", "no_visit"],
                "properties": {
                    "count": {"type": "integer", "description": "Active villages."},
                    "behind_share": {"type": "number"},
                    "behind_threshold": {
                        "type": "number",
                        "description": "behind_share × the place's coverage in the period.",
                    },
                    "behind": {
                        "type": "array",
                        "description": "Villages with a visit in the period whose coverage in "
                        "the period is below behind_threshold (and whose target is not 0), "
                        "lowest first.",
                        "items": _ref("PeriodicVillage"),
                    },
                    "no_visit": {
                        "type": "array",
                        "description": "Active villages with no counted visit in the period.",
                        "items": _ref("PeriodicVillage"),
                    },
                },
            },
            "volunteers": {"type": "integer", "description": "Volunteers with a counted visit."},
            "top_volunteers": {
                "type": "array",
                "maxItems": 10,
                "items": _ref("PeriodicVolunteer"),
                "description": "By households reached, then visits, then name.",
            },
            "top_teams": {
                "type": "array",
                "maxItems": 10,
                "items": _ref("PeriodicVillage"),
                "description": "The villages' teams by households reached in the period.",
            },
            "summary": {"type": "string", "description": "The generated summary paragraph."},
            "indicators": {
                "type": "null",
                "description": "Reserved for the digital-profile indicators (DESIGN section "
                "10); null until they exist.",
            },
        },
    },
}


def paths(read_security: list, unauthorized: dict[str, Any]) -> dict[str, Any]:
    return {
        "/api/v1/reports/periodic": {
            "get": {
                "operationId": "periodicReport",
                "summary": "The periodic report of a commune or the province for a month, a "
                "quarter or a year, with the previous period and the same period a year before.",
                "description": "Coordinators, staff and administrators, for a commune, district "
                "or province in their area. The page /reports/periodic and its XLSX export show "
                "the same numbers.",
                "security": read_security,
                "parameters": [
                    {
                        "name": "place",
                        "in": "query",
                        "schema": {"type": "integer"},
                        "description": "A commune, district or province in the user's area "
                        "(default: the user's place).",
                    },
                    {
                        "name": "period",
                        "in": "query",
                        "schema": {"type": "string", "enum": ["month", "quarter", "year"]},
                        "description": "Default month.",
                    },
                    {
                        "name": "year",
                        "in": "query",
                        "schema": {"type": "integer"},
                        "description": "Default: the year of the last whole period.",
                    },
                    {
                        "name": "number",
                        "in": "query",
                        "schema": {"type": "integer", "minimum": 1, "maximum": 12},
                        "description": "The month (1–12) or the quarter (1–4); none for a year. "
                        "With no year and no number: the last whole period of that kind.",
                    },
                    {
                        "name": "approved_only",
                        "in": "query",
                        "schema": {"type": "string", "enum": ["0", "1"]},
                        "description": "1: count approved visits only.",
                    },
                ],
                "responses": {
                    "200": _json(_ref("PeriodicReport"), "The report."),
                    "400": _error("A parameter is not valid, or the period has not begun."),
                    "401": unauthorized,
                    "403": _error("The user's role does not see the periodic report."),
                    "404": _error(
                        "The place does not exist, is outside the user's area, or is a village."
                    ),
                },
            }
        }
    }

"""``GET /api/v1/openapi.json``: the API's OpenAPI document (cdt_app.api.openapi), public."""

from __future__ import annotations

from flask import jsonify

from .blueprint import bp
from .openapi import openapi_document


@bp.get("/openapi.json")
def openapi():
    response = jsonify(openapi_document())
    response.headers["Cache-Control"] = "no-cache"
    return response

"""The API's one error shape: ``{"error": "<Vietnamese message>"}``, with details where the
client needs them (``errors`` by field, the visit's current ``status``).

An endpoint that has nothing to add calls ``abort(code)``: cdt_app.errors answers every
error under /api/ with ``error_response`` and the status's message.
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify


def error_response(code: int, message: str, /, **details: Any) -> Response:
    """``{"error": message, **details}`` with the HTTP status ``code``."""
    response = jsonify(error=message, **details)
    response.status_code = code
    return response

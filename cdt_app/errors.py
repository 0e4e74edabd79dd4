"""Validation errors reported by services, the JSON API's error shape, and the Vietnamese
error pages."""

from __future__ import annotations

import math
import time
from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import gettext as _
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, TooManyRequests

from .db import is_busy
from .extensions import limiter

#: the Retry-After of a 503 when the database was busy (seconds)
BUSY_RETRY_AFTER_S = 10


def error_response(code: int, message: str, /, **details: Any) -> Response:
    """The JSON API's one error shape: ``{"error": message, **details}`` with the HTTP status
    ``code`` (details where the client needs them: ``errors`` by field, a visit's ``status``).

    An endpoint that has nothing to add calls ``abort(code)``: the handlers below answer every
    error under /api/ with this shape and the status's message."""
    response = jsonify(error=message, **details)
    response.status_code = code
    return response


class ValidationError(Exception):
    """A service refused its input. ``errors`` maps field name → translated message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(errors)
        self.errors = errors


def populate_form_errors(form, errors: dict[str, str]) -> None:
    """Show service errors next to the matching form fields (others under ``form.form_errors``)."""
    for field_name, message in errors.items():
        field = getattr(form, field_name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = [*list(field.errors or []), message]
        else:
            form.form_errors.append(message)


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _messages() -> dict[int, str]:
    return {
        400: _("The request could not be understood."),
        401: _("Please log in to continue."),
        403: _("You do not have permission to do this."),
        404: _("The page was not found, or it is outside your area."),
        405: _("This action is not allowed here."),
        413: _("The data sent is too large."),
        429: _("Too many attempts. Please wait a moment and try again."),
        500: _("Something went wrong on our side. Your saved data is safe; please try again."),
        503: _("The server is busy. Nothing was lost; please try again in a moment."),
    }


def _retry_after_s(error: TooManyRequests) -> int | None:
    """Whole seconds until a refused attempt may be made again."""
    if isinstance(error.retry_after, int):
        return error.retry_after
    if isinstance(error, RateLimitExceeded) and limiter.current_limit is not None:
        return max(1, math.ceil(limiter.current_limit.reset_at - time.time()))
    return None


def _wait_text(seconds: int) -> str:
    """``45 giây``, ``5 phút``: how long to wait, for people."""
    if seconds <= 90:
        return _("%(n)d s", n=seconds)
    return _("%(n)d min", n=math.ceil(seconds / 60))


def register_error_pages(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(_error: CSRFError):
        message = _("The form has expired. Please go back, reload the page and try again.")
        if _wants_json():
            return error_response(400, message)
        return render_template("errors/error.html", code=400, message=message), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        code = error.code or 500
        message = _messages().get(code) or _("The request could not be completed.")
        if _wants_json():
            return error_response(code, message)
        return render_template("errors/error.html", code=code, message=message), code

    @app.errorhandler(TooManyRequests)
    def too_many_attempts(error: TooManyRequests):
        message, wait = _messages()[429], _retry_after_s(error)
        detail = _("You can try again in %(wait)s.", wait=_wait_text(wait)) if wait else None
        headers = {"Retry-After": str(wait)} if wait else {}
        if _wants_json():
            return jsonify(error=message, detail=detail, retry_after=wait), 429, headers
        page = render_template("errors/error.html", code=429, message=message, detail=detail)
        return page, 429, headers

    @app.errorhandler(OperationalError)
    def database_error(error: OperationalError):
        if not is_busy(error):
            return unexpected_error(error)
        app.logger.warning("Database busy on %s %s: %s", request.method, request.path, error)
        message = _messages()[503]
        headers = {"Retry-After": str(BUSY_RETRY_AFTER_S)}
        if _wants_json():
            return error_response(503, message), headers
        return render_template("errors/error.html", code=503, message=message), 503, headers

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        message = _messages()[500]
        if _wants_json():
            return error_response(500, message)
        try:
            return render_template("errors/error.html", code=500, message=message), 500
        except Exception:  # the page itself failed: answer in plain text
            app.logger.exception("Error page failed")
            return message, 500, {"Content-Type": "text/plain; charset=utf-8"}

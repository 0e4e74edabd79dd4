"""The stable JSON API under /api/v1 (DESIGN section 8).

One blueprint with one guard (cdt_app.api.blueprint: login → 401, then the CSRF token on
writes; answers are never cached) and one error shape (cdt_app.errors.error_response).
One module per resource, each thin: it parses the request, calls the feature's service or
query, answers.
"""

from __future__ import annotations

from flask import Blueprint


def api_blueprint() -> Blueprint:
    """The /api/v1 blueprint with the routes of every resource module."""
    from . import coverage, docs, indicators, me, periodic, review, sync  # noqa: F401 (importing adds routes)
    from .blueprint import bp

    return bp

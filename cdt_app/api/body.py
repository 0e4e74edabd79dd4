"""Reading an API request's JSON body: one size limit and one answer for bad JSON.

Nesting deeper than ``cdt_app.safety.MAX_JSON_DEPTH`` is malformed JSON (the app's JSON
provider refuses it before parsing), and strings arrive without control characters.
"""

from __future__ import annotations

from typing import Any

from flask import abort, request
from flask_babel import gettext as _

from ..errors import error_response

#: the largest JSON body the API reads: a full sync batch of long notes is about 1 MB
MAX_JSON_BYTES = 2 * 1024 * 1024


def json_object() -> dict[str, Any] | None:
    """The body as a JSON object, or None when it is not one (malformed, too deep, not an
    object); a body over MAX_JSON_BYTES is a 413."""
    if (request.content_length or 0) > MAX_JSON_BYTES:
        abort(413)
    if len(request.get_data(cache=True)) > MAX_JSON_BYTES:
        abort(413)
    body = request.get_json(force=True, silent=True)
    return body if isinstance(body, dict) else None


def not_json():
    """The 400 answer to a body that ``json_object`` could not read."""
    return error_response(400, _("The data sent is not valid JSON."))

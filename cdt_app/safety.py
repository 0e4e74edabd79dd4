"""Small guards used by several views, and the guard on every raw value that comes in."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Request
from flask.json.provider import DefaultJSONProvider
from werkzeug.datastructures import ImmutableMultiDict, MultiDict

from .values import strip_controls


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a local path ("/…", not "//…"), else None: no open redirects."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(ch) < 32 for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


# --- what comes in: query strings, forms, JSON bodies, URL parts ------------------------------

#: the control characters a raw value keeps: tabs and line ends (of multi-line text);
#: ``values.clean_line`` and ``clean_text`` decide what becomes of them
_KEEP = "\t\n\r"
#: the deepest JSON any request may send (a sync item is 5 levels deep)
MAX_JSON_DEPTH = 32
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKETS = bytes(sorted(set(range(256)) - set(b"[]{}")))


def _clean(value: Any) -> Any:
    return strip_controls(value, _KEEP) if isinstance(value, str) else value


class CleanParameters(ImmutableMultiDict):
    """The query string's and the form's values without control characters (NUL, U+001B,
    U+0085, U+FEFF…): no raw value that reaches a form, a filter or a query carries one."""

    def __init__(self, mapping: Any = None) -> None:
        if mapping is None:
            super().__init__()
            return
        if isinstance(mapping, MultiDict):
            pairs: Any = mapping.items(multi=True)
        elif hasattr(mapping, "items"):
            pairs = mapping.items()
        else:
            pairs = mapping
        super().__init__([(_clean(key), _clean(value)) for key, value in pairs])


class CleanRequest(Request):
    """A request whose query string, form and JSON body carry no control character."""

    parameter_storage_class = CleanParameters

    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True) -> Any:
        return _clean_json(super().get_json(force=force, silent=silent, cache=cache))


def json_too_deep(data: str | bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether the JSON text nests arrays and objects deeper than ``limit``, read without
    parsing it (so that no parser recurses into 100.000 "[")."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else bytes(data)
    depth = 0
    for byte in _JSON_STRING.sub(b"", raw).translate(None, _NOT_BRACKETS):
        depth += 1 if byte in (0x5B, 0x7B) else -1
        if depth > limit:
            return True
    return False


def _clean_json(value: Any) -> Any:
    if isinstance(value, str):
        return _clean(value)
    if isinstance(value, list):
        return [_clean_json(item) for item in value]
    if isinstance(value, dict):
        return {_clean(key): _clean_json(item) for key, item in value.items()}
    return value


class GuardedJSONProvider(DefaultJSONProvider):
    """Flask's JSON, read safely: nesting deeper than MAX_JSON_DEPTH is malformed JSON (a
    ValueError: a 400, or None with ``silent``), never a RecursionError."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        if json_too_deep(s):
            raise ValueError("JSON nested too deeply")
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None


def clean_view_args(_endpoint: str | None, values: dict[str, Any] | None) -> None:
    """The URL's own parts (``/audit/<type>/<id>``) without control characters."""
    if values:
        for key, value in values.items():
            if isinstance(value, str):
                values[key] = strip_controls(value)


def guard_input(app: Flask) -> None:
    """Every raw value the app reads goes through ``values.strip_controls`` first."""
    app.request_class = CleanRequest
    app.json = GuardedJSONProvider(app)
    app.url_value_preprocessor(clean_view_args)

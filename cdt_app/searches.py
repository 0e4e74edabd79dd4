"""Searches that keep names and phones out of URLs (and so out of every access log).

A search box that takes names or phones is a POST form. The view hands it to
``search_redirect``: the typed text is kept in the user's session under a random key, and the
answer is a redirect to the same page with ``?s=<key>``. Back and forward, the pages of the
results and a link shared within the session all work, and the URL tells nothing. An old link
with ``?q=`` (a bookmark) is turned into the same redirect. ``search_text`` reads the text of
the current request's ``?s=`` back (empty for a key the session does not hold).
"""

from __future__ import annotations

import secrets

from flask import redirect, request, session, url_for
from werkzeug.wrappers import Response

#: the session's key for the searches kept, and how many are kept (the newest)
SESSION_KEY = "searches"
KEPT = 20
QUERY_MAX = 100
FIELD = "q"  #: the name of the search box
KEY_ARG = "s"  #: the URL's parameter that names a search kept


def remember_search(text: str) -> str:
    """Keep ``text`` (at most QUERY_MAX characters) in the session; its key."""
    kept = dict(session.get(SESSION_KEY) or {})
    text = text[:QUERY_MAX]
    for key, value in kept.items():
        if value == text:  # the same search again: the same URL
            return key
    key = secrets.token_urlsafe(9)
    kept[key] = text
    session[SESSION_KEY] = dict(list(kept.items())[-KEPT:])
    return key


def search_text(key: str | None = None) -> str:
    """The text kept under ``key`` (by default the request's ``?s=``), or ""."""
    key = request.args.get(KEY_ARG, "") if key is None else key
    kept = session.get(SESSION_KEY) or {}
    value = kept.get(key, "") if isinstance(kept, dict) and isinstance(key, str) else ""
    return value if isinstance(value, str) else ""


def search_key_arg() -> str | None:
    """The request's ``?s=`` if the session holds it (for the links of the next pages)."""
    key = request.args.get(KEY_ARG, "")
    return key if key and key in (session.get(SESSION_KEY) or {}) else None


def search_redirect(endpoint: str, **values) -> Response | None:
    """For a search posted (or an old ``?q=`` link): the redirect to ``endpoint`` with the
    key of the search instead of its text; None for any other request."""
    if request.method == "POST":
        text = request.form.get(FIELD, "")
    elif FIELD in request.args:
        text = request.args.get(FIELD, "")
    else:
        return None
    text = text.strip() if isinstance(text, str) else ""
    if text:
        values[KEY_ARG] = remember_search(text)
    return redirect(url_for(endpoint, **values), code=303)

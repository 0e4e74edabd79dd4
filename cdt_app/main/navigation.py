"""The bottom navigation of each role (at most five entries on a phone), with the number of
visits waiting on "Duyệt" for reviewers.

The template context gets the entries ready (``navigation``, cdt_app.register_template_context):
the count is one COUNT query, shared with the home page, and no template runs a query.
"""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask_babel import gettext as _

#: (endpoint, message id, roles) in display order; endpoints not registered are skipped
_ENTRIES = (
    ("main.home", "Home", {"volunteer", "team_lead", "coordinator", "staff", "admin"}),
    ("households.index", "Households", {"volunteer", "team_lead"}),
    ("visits.mine", "My visits", {"volunteer", "team_lead"}),
    ("review.queue", "Review", {"team_lead", "coordinator"}),
    ("reports.coverage", "Coverage", {"coordinator", "staff", "admin"}),
    ("places.index", "Places", {"staff", "admin"}),
    ("users.index", "People", {"coordinator", "staff", "admin"}),
    ("auth.account", "Account", {"volunteer", "team_lead", "coordinator", "staff", "admin"}),
)

#: pages that an entry also stands for (its aria-current): the periodic report is a report
_CURRENT_TOO = {"reports.coverage": ("reports.periodic",)}


def _label(message_id: str) -> str:
    labels = {
        "Home": _("Home"),
        "Households": _("Households"),
        "My visits": _("My visits"),
        "Review": _("Review"),
        "Coverage": _("Coverage"),
        "Places": _("Places"),
        "People": _("People"),
        "Account": _("Account"),
    }
    return labels[message_id]


def _badges(user) -> dict[str, tuple[int, str]]:
    """{endpoint: (number, what it counts)} of the entries with a number on them."""
    from ..db import get_session
    from ..review.queries import waiting_for_review

    waiting = waiting_for_review(get_session(), user)
    return {"review.queue": (waiting, _("waiting for review"))} if waiting else {}


def navigation_for(user, counts: bool = True) -> list[dict[str, Any]]:
    """Entries for ``user``'s role whose endpoints exist in this app; with ``counts``, the
    numbers on them (``badge``, and ``badge_label`` for screen readers)."""
    from flask import current_app

    if not getattr(user, "is_authenticated", False):
        return []
    entries: list[dict[str, Any]] = []
    for endpoint, message_id, roles in _ENTRIES:
        if user.role in roles and endpoint in current_app.view_functions:
            entries.append(
                {
                    "endpoint": endpoint,
                    "url": url_for(endpoint),
                    "label": _label(message_id),
                    "current": _CURRENT_TOO.get(endpoint, ()) + (endpoint,),
                }
            )
    entries = entries[:5]
    badges = (
        _badges(user) if counts and any(e["endpoint"] == "review.queue" for e in entries) else {}
    )
    for entry in entries:
        entry["badge"], entry["badge_label"] = badges.get(entry["endpoint"], (0, ""))
    return entries

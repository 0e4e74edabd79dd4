"""The bottom navigation of each role (at most five entries on a phone)."""

from __future__ import annotations

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


def navigation_for(user) -> list[dict[str, str]]:
    """Entries for ``user``'s role whose endpoints exist in this app."""
    from flask import current_app

    if not getattr(user, "is_authenticated", False):
        return []
    entries = []
    for endpoint, message_id, roles in _ENTRIES:
        if user.role in roles and endpoint in current_app.view_functions:
            entries.append(
                {"endpoint": endpoint, "url": url_for(endpoint), "label": _label(message_id)}
            )
    return entries[:5]

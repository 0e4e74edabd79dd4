"""Who may do what: the role groups and the named rules every view and API endpoint checks.

The roles themselves are listed, lowest first, in ``cdt_app.models.user.ROLES``; DESIGN section 1
says what each needs. A rule is a small named requirement on the user (after FlaskBB's
``flaskbb/utils/requirements.py``): ``can_review(user)`` answers True or False, for None or an
anonymous visitor always False, and rules compose with ``&`` and ``|``. A view states
the rule it needs with ``@requires(rule)`` under ``@login_required`` (pages) or behind the API
guard (cdt_app.api.blueprint); templates get the same rules as ``permissions``.

A rule only decides what a role may do. Which objects the user reaches is decided for every
object on the server by the scope-checked loaders (cdt_app.scope and the features'
``get_…_or_404``), and per-object rules that need the object (may this reviewer judge this
visit?) live with the feature's services and build on the rules here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from flask import abort
from flask_babel import lazy_gettext as _l
from flask_login import current_user

# --- role groups -------------------------------------------------------------------------------

#: the team of a village: they register households, log visits and get visits returned
FIELD_ROLES = ("volunteer", "team_lead")
#: team leads and above: coverage and its exports, activity, the team's visits, personal data
LEAD_ROLES = ("team_lead", "coordinator", "staff", "admin")
#: placed at a commune or above (many villages): two-step login, adding people from a place
AREA_ROLES = ("coordinator", "staff", "admin")
#: they judge the teams' work (staff read the figures but do not review; see cdt_app.review)
REVIEWER_ROLES = ("team_lead", "coordinator", "admin")
#: places, targets, the skills catalogue, the raw visits export and the audit log
MANAGER_ROLES = ("staff", "admin")
#: who may create or manage accounts, and up to which role (team leads: volunteers only)
ACCOUNT_MAX_ROLE = {
    "admin": "admin",
    "staff": "staff",
    "coordinator": "coordinator",
    "team_lead": "volunteer",
}
#: DESIGN section 1: the levels of place each role belongs to. A team works in one village;
#: Đoàn xã / Tỉnh đoàn and the UBND xã / Sở in a commune or the province (in a tree from before
#: 1/7/2025 the huyện between them counts with them); administrators at the top.
ROLE_PLACE_LEVELS: dict[str, tuple[str, ...]] = {
    "volunteer": ("village",),
    "team_lead": ("village",),
    "coordinator": ("commune", "district", "province"),
    "staff": ("commune", "district", "province"),
    "admin": ("province",),
}


def place_fits_role(role: str, place: Any) -> bool:
    """Does a place (anything with a ``level``) fit an account of ``role``? None: never."""
    level = getattr(place, "level", None)
    return level is not None and level in ROLE_PLACE_LEVELS.get(role, ())


def role_labels() -> dict[str, str]:
    """Each role's name in the interface's language (Tổ viên, Tổ trưởng…)."""
    return {
        "volunteer": _l("Team member"),
        "team_lead": _l("Team lead"),
        "coordinator": _l("Coordinator"),
        "staff": _l("Staff"),
        "admin": _l("Administrator"),
    }


# --- rules -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """A named requirement on a signed-in user."""

    name: str
    test: Callable[[Any], bool]

    def __call__(self, user: Any) -> bool:
        """Does ``user`` fulfil the rule? (None or an anonymous visitor: never.)"""
        return getattr(user, "role", None) is not None and bool(self.test(user))

    def __and__(self, other: Rule) -> Rule:
        return Rule(f"({self.name} & {other.name})", lambda user: self(user) and other(user))

    def __or__(self, other: Rule) -> Rule:
        return Rule(f"({self.name} | {other.name})", lambda user: self(user) or other(user))


def has_role(*roles: str) -> Rule:
    return Rule("role in " + "|".join(roles), lambda user: user.role in roles)


#: DESIGN section 1: a user with no place sees nothing
has_place = Rule("has a place", lambda user: bool(user.place_id))

is_field_member = has_role(*FIELD_ROLES)
can_view_reports = has_role(*LEAD_ROLES)  #: the coverage page, its exports and the API
#: the periodic report of a commune or a province (page, XLSX, API)
can_view_periodic_reports = has_role(*AREA_ROLES)
can_see_activity = has_role(*LEAD_ROLES)
can_see_team_visits = has_role(*LEAD_ROLES)
can_handle_personal_data = has_role(*LEAD_ROLES)  #: erase or export a household's data
can_review = has_role(*REVIEWER_ROLES) & has_place  #: which visits: cdt_app.review.services
can_manage_people = has_role(*ACCOUNT_MAX_ROLE)  #: which accounts: cdt_app.users.services
can_add_people_at_places = has_role(*AREA_ROLES)  #: the "add an account here" button
can_use_two_step = has_role(*AREA_ROLES)  #: offered two-step login (required for admins)
can_manage_places = has_role(*MANAGER_ROLES)
can_manage_skills = has_role(*MANAGER_ROLES)
can_manage_reports = has_role(*MANAGER_ROLES)  #: village targets and the raw visits export
can_read_audit_log = has_role(*MANAGER_ROLES)
sees_home_coverage = has_role(*MANAGER_ROLES)


def requires(rule: Rule, status: int = 403):
    """A view decorator: ``status`` (403; 404 where the feature is not even offered to the
    role) unless the current user fulfils ``rule``."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not rule(current_user):
                abort(status)
            return view(*args, **kwargs)

        return wrapped

    return decorator

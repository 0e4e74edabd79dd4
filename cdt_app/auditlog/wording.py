"""The words of the audit log: a label for each action, kind of object and field it stores, and
each stored value in words (roles, statuses, kinds of place, yes/no, dates, names).

The log stores codes (``{"role": ["volunteer", "team_lead"]}``); these tables are the one
place that turns them into what a person reads. A field missing here is shown by its code,
so a new field is noticed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from ..audit import ERASED
from ..i18n import fmt_date, fmt_datetime, fmt_number
from ..models import PLACE_KINDS
from ..reports.exports import status_labels
from ..users.forms import role_labels

#: what ``cdt_app.audit`` stores in place of a masked value
MASKED = "***"


def action_labels() -> dict[str, str]:
    """Each action the log holds, as the filter offers it."""
    return {
        "create": _("Added"),
        "update": _("Changed"),
        "delete": _("Deleted"),
        "review": _("Approved or returned"),
        "import": _("Imported"),
        "export": _("Exported"),
        "merge": _("Merged"),
        "retire": _("Retired"),
        "reactivate": _("Used again or reactivated"),
        "deactivate": _("Account deactivated"),
        "reorder": _("Reordered"),
        "anonymise": _("Personal data erased"),
        "password_change": _("Password changed"),
        "password_reset": _("Password reset"),
        "totp_on": _("Two-step login turned on"),
        "totp_off": _("Two-step login turned off"),
        "recovery_codes": _("New recovery codes"),
        "recovery_code_used": _("Recovery code used"),
    }


def type_labels() -> dict[str, str]:
    return {
        "household": _("Household"),
        "visit": _("Visit"),
        "place": _("Place"),
        "app_user": _("Account"),
        "skill": _("Skill"),
        "report": _("Report"),
    }


#: field → label, whatever the object
FIELD_LABELS = {
    "name": _l("Name"),
    "kind": _l("Kind"),
    "code": _l("Code"),
    "code_scheme": _l("Code list"),
    "parent_id": _l("Parent place"),
    "target_households": _l("Target households"),
    "username": _l("Username"),
    "display_name": _l("Full name"),
    "role": _l("Role"),
    "place_id": _l("Place"),
    "must_change_password": _l("Must choose a new password"),
    "password_hash": _l("Password"),
    "password": _l("Password"),
    "active": _l("In use"),
    "village_id": _l("Village"),
    "head_name": _l("Head of household"),
    "address": _l("Address"),
    "phone": _l("Phone"),
    "members": _l("Members"),
    "smartphone_members": _l("Members with a smartphone"),
    "adults": _l("People aged 15 or more"),
    "smartphone_adults": _l("With their own smartphone"),
    "vneid_level2": _l("VNeID level 2 activated"),
    "payment_adults": _l("With a payment account"),
    "health_record": _l("With an electronic health record"),
    "broadband": _l("Fixed broadband"),
    "profile": _l("Digital profile"),
    "consent": _l("Consent to store the data"),
    "notes": _l("Notes"),
    "visited_on": _l("Visit date"),
    "people_taught": _l("People taught"),
    "lat": _l("Location"),
    "status": _l("Status"),
    "skills": _l("Skills taught"),
    "deleted_at": _l("Deleted on"),
    "review_note": _l("Reason for return"),
    "reviewed_by_id": _l("Reviewed by"),
    "name_vi": _l("Name in Vietnamese"),
    "name_en": _l("Name in English"),
    "group": _l("Group"),
    "sort_order": _l("Order"),
    "merged_into": _l("Merged into"),
    "merged_from": _l("Merged from"),
    "households": _l("Households moved"),
    "visits": _l("Visits moved"),
    "users": _l("Accounts moved"),
    "created": _l("Places added"),
    "updated": _l("Places updated"),
    "reason": _l("Reason"),
    "audit_entries": _l("Log entries erased"),
    "format": _l("Format"),
    "level": _l("Rows"),
    "from": _l("From"),
    "to": _l("To"),
    "approved_only": _l("Approved visits only"),
    "rows": _l("Number of rows"),
    "phones": _l("Phone numbers"),
}
_ORDER = {name: rank for rank, name in enumerate(FIELD_LABELS)}
#: (object type, field) → label, where the object changes the meaning
TYPE_FIELD_LABELS = {
    ("app_user", "active"): _l("Account in use"),
    ("household", "visits"): _l("Visits of the household"),
}
#: fields never shown: ids with no name to show (the household of a visit is personal data),
#: half of a pair shown once (the location), what the sentence already says (the export)
HIDDEN_FIELDS = {"household_id", "lon", "export", "payload_hash", "search_key", "sort_key"}
#: fields whose value is a place id, or a user id
PLACE_FIELDS = {"parent_id", "place_id", "village_id", "merged_into", "merged_from"}
USER_FIELDS = {"reviewed_by_id", "created_by_id", "consent_by_id"}
#: fields whose value is a code shown as it is (a skill's or a place's own code)
CODE_FIELDS = {"code"}
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


@dataclass
class Names:
    """The names of the records that entries refer to, read once for a page."""

    places: dict[int, str] = field(default_factory=dict)
    users: dict[int, str] = field(default_factory=dict)
    visit_dates: dict[str, date] = field(default_factory=dict)
    skills_by_id: dict[int, str] = field(default_factory=dict)
    skills_by_code: dict[str, str] = field(default_factory=dict)


@dataclass
class ChangeLine:
    """One changed field: its label, and its old and new value in words (or, for a masked
    value, one phrase saying what happened to it)."""

    label: str | Markup
    before: str | Markup | None
    after: str | Markup | None
    phrase: str = ""


def field_label(object_type: str, name: str) -> str | Markup:
    label = TYPE_FIELD_LABELS.get((object_type, name)) or FIELD_LABELS.get(name)
    if label is None:
        return Markup("<code>{}</code>").format(name)
    return str(label)


def _value_words() -> dict[str, Mapping[str, str]]:
    """Field → {stored code: words}."""
    return {
        "role": role_labels(),
        "status": status_labels(),
        "kind": {code: label for code, (_level, label) in PLACE_KINDS.items()},
        "code_scheme": {
            "2025": _("from 1/7/2025"),
            "pre2025": _("before 1/7/2025"),
            "local": _("local code"),
        },
        "level": {"children": _("Places directly under it"), "villages": _("All villages")},
        "reason": {"request": _("At the household's request"), "retention": _("Kept too long")},
        "phones": {"masked": _("partly hidden"), "full": _("in full")},
        "format": {"csv": "CSV", "json": "JSON"},
    }


def skill_list(value: str, names: Names) -> str:
    """ "dvc, payment✓" (as visits store their skills) → the skills' names, "(completed)" after
    those the household did on its own."""
    shown = []
    for item in (part.strip() for part in value.split(",")):
        if not item:
            continue
        done = item.endswith("✓")
        code = item.rstrip("✓")
        name = names.skills_by_code.get(code, code)
        shown.append(_("%(skill)s (completed)", skill=name) if done else name)
    return "; ".join(shown)


def show_value(
    object_type: str, name: str, value: Any, names: Names, words: Mapping[str, Mapping[str, str]]
) -> str | Markup | None:
    """One stored value in words; None stays None (shown as a dash)."""
    if value is None or value == "":
        return None
    if value == ERASED:
        return _("[erased]")
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if name in PLACE_FIELDS and isinstance(value, int):
        return names.places.get(value, _("a place that no longer exists"))
    if name in USER_FIELDS and isinstance(value, int):
        return names.users.get(value, _("an account that no longer exists"))
    if name == "skills" and isinstance(value, str):
        return skill_list(value, names)
    if name in words and isinstance(value, str):
        word = words[name].get(value)
        return str(word) if word is not None else Markup("<code>{}</code>").format(value)
    if name in CODE_FIELDS:
        return Markup("<code>{}</code>").format(value)
    if isinstance(value, int | float):
        return fmt_number(value, 0 if float(value).is_integer() else 1)
    if isinstance(value, str):
        return _dated(value)
    return str(value)


def _dated(text: str) -> str:
    """An ISO date or time as dd/mm/yyyy (hh:mm in Vietnam time); other text as it is."""
    try:
        if _ISO_DATETIME.fullmatch(text[:16]):
            return fmt_datetime(datetime.fromisoformat(text))
        if _ISO_DATE.fullmatch(text):
            return fmt_date(date.fromisoformat(text))
    except ValueError:
        pass
    return text


def _masked_phrase(before: Any, after: Any) -> str:
    if before is None:
        return _("added (hidden)")
    if after is None:
        return _("removed")
    return _("changed (hidden)")


def change_lines(
    object_type: str, changes: list[tuple[str, Any, Any]], names: Names
) -> list[ChangeLine]:
    """The changes of one entry, in words, in the order of FIELD_LABELS (the name first)."""
    words = _value_words()
    lines = []
    for name, before, after in sorted(changes, key=lambda change: _ORDER.get(change[0], 999)):
        if name in HIDDEN_FIELDS or (before is None and after is None):
            continue
        label = field_label(object_type, name) if name else ""
        if MASKED in (before, after):
            lines.append(ChangeLine(label, None, None, _masked_phrase(before, after)))
            continue
        lines.append(
            ChangeLine(
                label,
                show_value(object_type, name, before, names, words),
                show_value(object_type, name, after, names, words),
            )
        )
    return lines

"""Audit entries as sentences: who did what to which record, then each change in words.

``describe_entries(session, entries)`` reads the names every entry of a page refers to in one
query per kind of record (places, accounts, visits, skills), whatever the number of entries,
then ``describe(entry, names)`` writes one entry. Actors' names come with the entries.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy import select
from sqlmodel import Session

from ..i18n import fmt_date, in_language
from ..models import Place, Skill, User, Visit
from .wording import PLACE_FIELDS, USER_FIELDS, ChangeLine, Names, action_labels, change_lines

#: (action, object type) → the sentence; "who" is the actor, "what" the record, "other" the
#: second place of a merge. Some actions are told apart by what changed (see ``_verb``).
SENTENCES = {
    ("create", "household"): _l("%(who)s registered %(what)s"),
    ("update", "household"): _l("%(who)s changed the details of %(what)s"),
    ("anonymise", "household"): _l("%(who)s erased the personal data of %(what)s"),
    ("export", "household"): _l("%(who)s exported the data of %(what)s"),
    ("create", "visit"): _l("%(who)s logged %(what)s"),
    ("update", "visit"): _l("%(who)s changed %(what)s"),
    ("fix", "visit"): _l("%(who)s fixed %(what)s and sent it for review again"),
    ("delete", "visit"): _l("%(who)s deleted %(what)s"),
    ("approve", "visit"): _l("%(who)s approved %(what)s"),
    ("return", "visit"): _l("%(who)s returned %(what)s for fixing"),
    ("create", "place"): _l("%(who)s added the place %(what)s"),
    ("update", "place"): _l("%(who)s changed the place %(what)s"),
    ("set_target", "place"): _l("%(who)s set the target households of %(what)s"),
    ("merge", "place"): _l("%(who)s merged %(what)s into %(other)s"),
    ("import", "place"): _l("%(who)s imported places from a file"),
    ("create", "app_user"): _l("%(who)s created an account for %(what)s"),
    ("update", "app_user"): _l("%(who)s changed the account of %(what)s"),
    ("deactivate", "app_user"): _l("%(who)s deactivated the account of %(what)s"),
    ("reactivate", "app_user"): _l("%(who)s reactivated the account of %(what)s"),
    ("password_reset", "app_user"): _l("%(who)s gave %(what)s a new password"),
    ("password_change", "app_user"): _l("%(who)s changed their password"),
    ("totp_on", "app_user"): _l("%(who)s turned on two-step login"),
    ("totp_off", "app_user"): _l("%(who)s turned off two-step login"),
    ("recovery_codes", "app_user"): _l("%(who)s made new recovery codes"),
    ("recovery_code_used", "app_user"): _l("%(who)s logged in with a recovery code"),
    ("create", "skill"): _l("%(who)s added the skill “%(what)s”"),
    ("update", "skill"): _l("%(who)s changed the skill “%(what)s”"),
    ("retire", "skill"): _l("%(who)s stopped using the skill “%(what)s”"),
    ("reactivate", "skill"): _l("%(who)s brought back the skill “%(what)s”"),
    ("reorder", "skill"): _l("%(who)s moved the skill “%(what)s” in the list"),
    ("export", "report"): _l("%(who)s exported %(what)s"),
}
#: what an account does to itself: the sentence names no record
_OWN_ACTIONS = {"password_change", "totp_on", "totp_off", "recovery_codes", "recovery_code_used"}
EXPORTS = {
    "coverage.csv": _l("the coverage table (CSV)"),
    "coverage.xlsx": _l("the coverage table (Excel)"),
    "visits.csv": _l("the list of visits (CSV)"),
}


@dataclass
class AuditLine:
    """One entry as a page shows it."""

    id: int
    at: datetime
    sentence: Markup
    place_name: str
    changes: list[ChangeLine]


def _changed(entry: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    return {name: (before, after) for name, before, after in entry["changes"]}


def _verb(entry: dict[str, Any]) -> str:
    """The action as the sentence tells it: a review approves or returns, a visit edited
    after a return is fixed, a place edited only in its target has its target set."""
    action, changed = entry["action"], _changed(entry)
    status = changed.get("status", (None, None))
    if action == "review":
        return "return" if status[1] == "returned" else "approve"
    if (
        action == "update"
        and entry["object_type"] == "visit"
        and status
        == (
            "returned",
            "submitted",
        )
    ):
        return "fix"
    if (
        action == "update"
        and entry["object_type"] == "place"
        and set(changed) == {"target_households"}
    ):
        return "set_target"
    return action


def _says_more(verb: str, change: tuple[str, Any, Any], entry: dict[str, Any]) -> bool:
    """Whether a change tells more than the sentence: the reviewer is the actor; an approval
    clears the reason of an earlier return."""
    name, _before, after = change
    if name == "reviewed_by_id" and after == entry["actor_id"]:
        return False
    return not (verb == "approve" and name == "review_note" and after is None)


def record_phrase(object_type: str, object_id: str, names: Names, changes: dict) -> str:
    """The record an entry is about, in words ("the visit of 29/11/2026", "Thôn Một")."""
    if object_type == "visit":
        day = names.visit_dates.get(object_id)
        return _("the visit of %(date)s", date=fmt_date(day)) if day else _("a visit")
    if object_type == "household":
        return _("a household")
    if object_type == "place":
        return names.places.get(_int(object_id), _("a place"))
    if object_type == "app_user":
        return names.users.get(_int(object_id), _("an account"))
    if object_type == "skill":
        return names.skills_by_id.get(_int(object_id), _("a skill"))
    if object_type == "report":
        export = changes.get("export", (None, None))[1]
        return str(EXPORTS.get(export, _("a report")))
    return object_type


def object_title(object_type: str, object_id: str, names: Names) -> str:
    """The heading of a record's history ("Lượt hướng dẫn ngày 29/11/2026")."""
    if object_type == "visit" and object_id in names.visit_dates:
        return _("Visit of %(date)s", date=fmt_date(names.visit_dates[object_id]))
    if object_type == "app_user" and _int(object_id) in names.users:
        return _("Account of %(name)s", name=names.users[_int(object_id)])
    if object_type in ("place", "skill"):
        return record_phrase(object_type, object_id, names, {})
    labels = {"household": _("Household"), "report": _("Report"), "visit": _("Visit")}
    return labels.get(object_type, _("Record"))


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _sentence(template: str, **parts: Any) -> Markup:
    """``template`` (translated, with %(…)s) filled with the parts, escaped."""
    return escape(template) % parts


def describe(entry: dict[str, Any], names: Names, link: bool = True) -> AuditLine:
    """One entry (``cdt_app.audit.entry_view``) as a sentence and its changes in words."""
    object_type, object_id = entry["object_type"], entry["object_id"]
    verb, changed = _verb(entry), _changed(entry)
    who = Markup("<strong>{}</strong>").format(entry["actor_name"] or _("The system"))
    what: Any = record_phrase(object_type, object_id, names, changed)
    template = SENTENCES.get((verb, object_type))
    own = verb in _OWN_ACTIONS and entry["actor_id"] == _int(object_id)
    if link and object_id:
        url = url_for("auditlog.history", object_type=object_type, object_id=object_id)
        if own:  # the record is the actor's own account: the name leads to its history
            who = Markup('<a href="{}">{}</a>').format(url, who)
        what = Markup('<a href="{}">{}</a>').format(url, what)
    if template is None or (verb in _OWN_ACTIONS and not own):
        label = action_labels().get(entry["action"]) or Markup("<code>{}</code>").format(verb)
        sentence = _sentence(_("%(who)s: %(action)s, %(what)s"), who=who, action=label, what=what)
    elif verb == "merge":
        into, source = changed.get("merged_into"), changed.get("merged_from")
        if source is not None:  # the entry of the village merged into: the other was merged
            other = names.places.get(source[1], _("a place"))
            sentence = _sentence(str(template), who=who, what=other, other=what)
        else:
            other = names.places.get(into[1] if into else None, _("a place"))
            sentence = _sentence(str(template), who=who, what=what, other=other)
    else:
        sentence = _sentence(str(template), who=who, what=what)
    return AuditLine(
        id=entry["id"],
        at=entry["at"],
        sentence=sentence,
        place_name=entry.get("place_name", ""),
        changes=change_lines(
            object_type, [c for c in entry["changes"] if _says_more(verb, c, entry)], names
        ),
    )


def load_names(session: Session, entries: list[dict[str, Any]]) -> Names:
    """The names the entries refer to: one query per kind of record, none if not needed."""
    place_ids, user_ids, visit_ids = set(), set(), set()
    for entry in entries:
        object_id = entry["object_id"]
        if entry["object_type"] == "place" and _int(object_id) is not None:
            place_ids.add(_int(object_id))
        elif entry["object_type"] == "app_user" and _int(object_id) is not None:
            user_ids.add(_int(object_id))
        elif entry["object_type"] == "visit":
            try:
                visit_ids.add(uuid.UUID(object_id))
            except ValueError:
                pass
        for name, before, after in entry["changes"]:
            ids = {v for v in (before, after) if isinstance(v, int) and not isinstance(v, bool)}
            if name in PLACE_FIELDS:
                place_ids |= ids
            elif name in USER_FIELDS:
                user_ids |= ids
    names = Names()
    if place_ids:
        rows = session.execute(select(Place.id, Place.name).where(Place.id.in_(place_ids)))
        names.places = dict(rows.all())
    if user_ids:
        rows = session.execute(
            select(User.id, User.display_name, User.username).where(User.id.in_(user_ids))
        )
        names.users = {key: name or username for key, name, username in rows}
    if visit_ids:
        rows = session.execute(select(Visit.id, Visit.visited_on).where(Visit.id.in_(visit_ids)))
        names.visit_dates = {str(key): day for key, day in rows}
    if any(e["object_type"] == "skill" or _changed(e).get("skills") for e in entries):
        for key, code, name_vi, name_en in session.execute(
            select(Skill.id, Skill.code, Skill.name_vi, Skill.name_en)
        ):
            names.skills_by_id[key] = names.skills_by_code[code] = in_language(name_vi, name_en)
    return names


def describe_entries(
    session: Session, entries: list[dict[str, Any]], link: bool = True
) -> tuple[list[AuditLine], Names]:
    """Every entry of a page in words, and the names read for them."""
    names = load_names(session, entries)
    return [describe(entry, names, link) for entry in entries], names

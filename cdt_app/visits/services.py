"""Logging, editing and deleting visits. Services never commit.

``save_visit`` only adds its rows to the session: the caller's commit (or a sync batch's one
flush for all its items) writes them, so that many visits cost one INSERT per table. With no
``relationship()`` between them, SQLAlchemy's unit of work orders the tables by class name:
``visit`` before ``visit_skill`` and ``visit_status_change``, as their foreign keys need
(tests/test_api_sync.py writes such batches on both engines, whose foreign keys are checked).

One validation source: the web form and the sync API both call ``save_visit`` with raw values
and get the same Vietnamese messages back in a ``ValidationError``.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import delete, event, select
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session

from ..audit import diff, record
from ..db import resent
from ..errors import ValidationError
from ..households.profile import (
    check_profile,
    forget_visit,
    profiles_on,
    read_profile,
    record_values,
    refresh_current,
    visit_values,
)
from ..i18n import today_local
from ..models import (
    PROFILE_FIELDS,
    AuditLog,
    Household,
    Place,
    Skill,
    User,
    Visit,
    VisitSkill,
    VisitStatusChange,
    utcnow,
)
from ..scope import get_village_record_or_404, place_in_area
from ..values import (
    NOTES_MAX,
    BadValue,
    clean_text,
    is_blank,
    parse_bool,
    parse_date,
    parse_float,
    parse_int,
    parse_uuid,
)

VISIT_FIELDS = ("household_id", "visited_on", "skills", "people_taught", "notes", "lat", "lon")
#: optional: the profile values observed at the visit, {field: value} (DESIGN section 10)
VISIT_PROFILE = "profile"
#: the prefix of the profile fields' errors (and of the visit form's profile inputs)
PROFILE_PREFIX = "profile_"
#: what a skill code can look like (cdt_app.skills.services); anything else is never looked up
_SKILL_CODE = re.compile(r"[a-z0-9_]{1,40}")
#: no visit before the teams existed; guards against typing mistakes such as 0205
EARLIEST_VISIT = date(2020, 1, 1)


class VisitLocked(Exception):  # noqa: N818 (the name is the interface other features use)
    """The visit can no longer be edited or deleted by this actor (approved, deleted, or
    not theirs)."""


#: audit actions that write a visit's content (a review moves only its status)
CONTENT_ACTIONS = ("create", "update")


def can_edit(actor: User, visit: Visit) -> bool:
    """Only the author changes a visit, until it is approved: a reviewer (a team lead, a
    coordinator) returns it with a reason and never rewrites it (DESIGN sections 5 and 6)."""
    return actor is not None and not visit.is_locked and visit.volunteer_id == actor.id


def content_writers(session: Session, visits: list[Visit]) -> dict[uuid.UUID, set[int]]:
    """Who wrote the content of each visit: its author and every actor of a content entry of
    the audit log (edits made before only authors could edit count too): one query."""
    writers = {visit.id: {visit.volunteer_id} for visit in visits}
    by_key = {str(visit.id): visit.id for visit in visits}
    if by_key:
        rows = session.execute(
            select(AuditLog.object_id, AuditLog.actor_id)
            .where(
                AuditLog.object_type == "visit",
                AuditLog.object_id.in_(list(by_key)),
                AuditLog.action.in_(CONTENT_ACTIONS),
                AuditLog.actor_id.is_not(None),
            )
            .distinct()
        )
        for object_id, actor_id in rows:
            writers[by_key[object_id]].add(actor_id)
    return writers


def _household(session: Session, actor: User, raw: Any) -> Household | None:
    try:
        household_id = parse_uuid(raw)
    except BadValue:
        return None
    household = session.get(Household, household_id)
    if household is None or household.deleted_at is not None:
        return None
    if not place_in_area(session, actor, session.get(Place, household.village_id)):
        return None
    return household


def _skills(
    session: Session, raw: Any, allowed_retired: set[int]
) -> tuple[dict[int, bool], str | None]:
    """{skill id: completed} from [{"code", "completed"}], or an error message."""
    if not isinstance(raw, (list, tuple)) or not raw:
        return {}, _("Please tick at least one skill taught.")
    if len(raw) > 100:
        return {}, _("Unknown skill.")
    wanted: dict[str, bool] = {}
    for item in raw:
        if not isinstance(item, Mapping) or not isinstance(item.get("code"), str):
            return {}, _("Unknown skill.")
        try:
            completed = parse_bool(item.get("completed", False))
        except BadValue:
            return {}, _("Unknown skill.")
        code = item["code"].strip()
        if not _SKILL_CODE.fullmatch(code):
            return {}, _("Unknown skill.")
        wanted[code] = wanted.get(code, False) or completed
    found = _skills_by_code(session, list(wanted))
    chosen: dict[int, bool] = {}
    for code, completed in wanted.items():
        skill = found.get(code)
        if skill is None:
            return {}, _("Unknown skill.")
        if not skill.active and skill.id not in allowed_retired:
            return {}, _(
                "The skill “%(name)s” is no longer in use; please choose another.",
                name=skill.name_vi,
            )
        chosen[skill.id] = completed
    return chosen, None


def _clean(
    session: Session, actor: User, data: Mapping[str, Any], visit: Visit | None
) -> dict[str, Any]:
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {}

    household = _household(session, actor, data.get("household_id"))
    if household is None:
        errors["household_id"] = _("Please choose a household in your area.")
    clean["household"] = household

    try:
        visited_on = parse_date(data.get("visited_on"))
    except BadValue:
        errors["visited_on"] = _("Please enter the date of the visit (dd/mm/yyyy).")
    else:
        if visited_on > today_local():
            errors["visited_on"] = _("The date of the visit cannot be in the future.")
        elif visited_on < EARLIEST_VISIT:
            errors["visited_on"] = _("Please check the date of the visit: it is too far back.")
        clean["visited_on"] = visited_on

    retired_ok: set[int] = set()
    if visit is not None:
        retired_ok = set(
            session.scalars(select(VisitSkill.skill_id).where(VisitSkill.visit_id == visit.id))
        )
    skills, skill_error = _skills(session, data.get("skills"), retired_ok)
    if skill_error:
        errors["skills"] = skill_error
    clean["skills"] = skills

    clean["profile"] = _observed_profile(
        session, data, household, clean.get("visited_on"), visit, errors
    )
    observed = clean["profile"]
    high = observed.get("members") or (household.members if household is not None else 99)
    try:
        clean["people_taught"] = parse_int(data.get("people_taught"), low=1, high=high)
    except BadValue:
        errors["people_taught"] = _(
            "The number of people taught must be a whole number from 1 to %(max)d (the "
            "household's members).",
            max=high,
        )

    try:
        clean["notes"] = clean_text(data.get("notes"), NOTES_MAX)
    except BadValue:
        errors["notes"] = _("The notes are too long (at most 1000 characters).")

    for field, limit in (("lat", 90.0), ("lon", 180.0)):
        raw = data.get(field)
        if is_blank(raw):
            clean[field] = None
            continue
        try:
            clean[field] = parse_float(raw, low=-limit, high=limit)
        except BadValue:
            errors[field] = _("The location is not valid.")
    paired = (clean.get("lat") is None) == (clean.get("lon") is None)
    if not paired and "lat" not in errors and "lon" not in errors:
        errors["lat"] = _("The location is not valid.")

    if errors:
        raise ValidationError(errors)
    return clean


def _observed_profile(
    session: Session,
    data: Mapping[str, Any],
    household: Household | None,
    visited_on: date | None,
    visit: Visit | None,
    errors: dict[str, str],
) -> dict[str, Any]:
    """The profile values observed at the visit (blank: not observed), checked with the
    household's profile on the visit's day without this visit's own values."""
    raw = data.get(VISIT_PROFILE)
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        errors[VISIT_PROFILE] = _("The profile must be a JSON object.")
        return {}
    observed = read_profile(
        raw, errors, PROFILE_FIELDS, error_prefix=PROFILE_PREFIX, blank_is_unknown=False
    )
    if not observed or household is None or visited_on is None:
        return observed
    base = profiles_on(
        session, [household.id], visited_on, exclude_visit=visit.id if visit else None
    )[household.id]
    base.setdefault("members", household.members)
    check_profile({**base, **observed}, errors, prefix=PROFILE_PREFIX, only=observed)
    return observed


def _profile_text(values: Mapping[str, Any]) -> str:
    return ", ".join(f"{field}={values[field]}" for field in PROFILE_FIELDS if field in values)


_SKILL_CACHE = "cdt_skills_by_code"


@event.listens_for(OrmSession, "after_transaction_end")
def _forget_skills(session: OrmSession, transaction) -> None:
    if transaction.parent is None:  # the outermost transaction ended: skills may change
        session.info.pop(_SKILL_CACHE, None)


def _skills_by_code(session: Session, codes: list[str]) -> dict[str, Skill]:
    """Skills by code, read once per transaction (a sync batch names the same few skills)."""
    cache: dict[str, Skill] = session.info.setdefault(_SKILL_CACHE, {})
    missing = [code for code in codes if code not in cache]
    if missing:
        for skill in session.scalars(select(Skill).where(Skill.code.in_(missing))):
            cache[skill.code] = skill
    return {code: cache[code] for code in codes if code in cache}


def _skills_of(session: Session, visit_id: uuid.UUID) -> list[tuple[str, bool]]:
    rows = session.execute(
        select(Skill.code, VisitSkill.completed)
        .join(Skill, Skill.id == VisitSkill.skill_id)
        .where(VisitSkill.visit_id == visit_id)
        .order_by(Skill.sort_order, Skill.code)
    ).all()
    return [(code, bool(completed)) for code, completed in rows]


def _audit_state(
    session: Session,
    visit: Visit,
    skills: list[tuple[str, bool]] | None = None,
    profile: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    if skills is None:
        skills = _skills_of(session, visit.id) if visit.id else []
    if profile is None:
        profile = visit_values(session, visit.id) if visit.id else {}
    state = {
        "household_id": str(visit.household_id) if visit.household_id else None,
        "visited_on": visit.visited_on,
        "people_taught": visit.people_taught,
        "notes": visit.notes,
        "lat": visit.lat,
        "lon": visit.lon,
        "status": visit.status,
        "skills": ", ".join(f"{code}{'✓' if done else ''}" for code, done in skills),
        "deleted_at": visit.deleted_at,
    }
    if profile:
        state["profile"] = _profile_text(profile)
    return state


def save_visit(
    session: Session,
    actor: User,
    data: Mapping[str, Any],
    visit: Visit | None = None,
    visit_id: uuid.UUID | None = None,
) -> Visit:
    """Create (with ``visit_id`` if given) or update a visit from raw values.

    Raises VisitLocked when ``visit`` can no longer be edited by ``actor``, ValidationError on
    bad input. A returned visit that is edited goes back to the review queue (submitted). A
    visit of a household whose personal data was erased keeps no notes or position.
    """
    if visit is not None and not can_edit(actor, visit):
        raise VisitLocked(visit.id)
    clean = _clean(session, actor, data, visit)
    household: Household = clean["household"]
    if household.anonymised_at is not None:
        # the family's data was erased: what a phone still holds (an edit or a new visit
        # waiting in its outbox) must not bring its notes or position back
        clean.update(notes="", lat=None, lon=None)
    creating = visit is None
    now = utcnow()
    if creating:
        visit = Visit(volunteer_id=actor.id, created_at=now, status="submitted")
        if visit_id is not None:
            visit.id = visit_id
        before: dict[str, Any] = {}
        had: dict[str, Any] = {}
        old_household = None
    else:
        had = visit_values(session, visit.id)
        before = _audit_state(session, visit, profile=had)
        old_household = visit.household_id
    visit.household_id = household.id
    visit.village_id = household.village_id
    visit.visited_on = clean["visited_on"]
    visit.people_taught = clean["people_taught"]
    visit.notes = clean["notes"]
    visit.lat, visit.lon = clean["lat"], clean["lon"]
    visit.updated_at = now
    session.add(visit)
    if creating:
        session.add(VisitStatusChange(visit_id=visit.id, to_status="submitted", actor_id=actor.id))
    else:
        session.execute(delete(VisitSkill).where(VisitSkill.visit_id == visit.id))
        if visit.status == "returned":
            session.add(visit.change_status("submitted", actor.id))
    for skill_id, completed in clean["skills"].items():
        session.add(VisitSkill(visit_id=visit.id, skill_id=skill_id, completed=completed))
    by_id = {skill.id: skill for skill in session.info.get(_SKILL_CACHE, {}).values()}
    chosen = sorted(
        (by_id[skill_id] for skill_id in clean["skills"]), key=lambda k: (k.sort_order, k.code)
    )
    after_skills = [(skill.code, clean["skills"][skill.id]) for skill in chosen]
    # the values observed, dated by the visit (the forms and the phone send only the values
    # changed from the profile shown); an edit replaces what the visit had set
    if had:
        forget_visit(session, visit.id)
    stored = record_values(
        session, household.id, clean["profile"], visit.visited_on, "visit", visit_id=visit.id
    )
    if stored or had:
        refresh_current(session, household)
        if had and old_household is not None and old_household != household.id:
            refresh_current(session, session.get(Household, old_household))
    after_profile = {field: clean["profile"][field] for field in stored}
    changes = diff(before, _audit_state(session, visit, after_skills, after_profile))
    if creating or changes:
        record(
            session,
            actor,
            "create" if creating else "update",
            visit,
            changes,
            place_id=visit.village_id,
        )
    return visit


def log_visit(
    session: Session, actor: User, data: Mapping[str, Any], client_id: Any
) -> tuple[Visit, bool]:
    """A new visit from the visit form with the id the form made when shown, and whether it
    is new: the same form sent twice (a double tap) gives back the visit the actor saved the
    first time instead of a second copy."""
    saved, new_id = resent(session, Visit, client_id, "volunteer_id", actor.id)
    if saved is not None:
        return saved, False
    return save_visit(session, actor, data, visit_id=new_id), True


def delete_visit(session: Session, actor: User, visit: Visit) -> None:
    """Soft-delete the visit (it stays in the audit log); refused once approved."""
    if not can_edit(actor, visit):
        raise VisitLocked(visit.id)
    had = visit_values(session, visit.id)
    before = _audit_state(session, visit, profile=had)
    visit.deleted_at = visit.updated_at = utcnow()
    session.add(visit)
    if had:  # what it had set is derived again from the other values
        forget_visit(session, visit.id)
        refresh_current(session, session.get(Household, visit.household_id))
    session.flush()
    record(
        session,
        actor,
        "delete",
        visit,
        diff(before, _audit_state(session, visit, profile={})),
        place_id=visit.village_id,
    )


def get_visit_or_404(session: Session, actor: User, visit_id: Any) -> Visit:
    """The visit if it exists, is not deleted and lies in the actor's area; 404 otherwise."""
    return get_village_record_or_404(session, actor, Visit, visit_id)


def visit_payload(session: Session, visit: Visit) -> dict[str, Any]:
    """The visit in the shape of the sync API's visit payload (DESIGN section 8), with the
    profile values it set when it set any."""
    payload = {
        "household_id": str(visit.household_id),
        "visited_on": visit.visited_on.isoformat(),
        "skills": [
            {"code": code, "completed": completed}
            for code, completed in _skills_of(session, visit.id)
        ],
        "people_taught": visit.people_taught,
        "notes": visit.notes,
        "lat": visit.lat,
        "lon": visit.lon,
    }
    profile = visit_values(session, visit.id)
    if profile:
        payload[VISIT_PROFILE] = profile
    return payload

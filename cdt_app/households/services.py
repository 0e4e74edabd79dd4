"""Registering and editing households; the duplicate guard. Services never commit.

``save_household`` only adds its rows to the session; the caller's commit or flush writes them.

One validation source: the web form and the sync API both call ``save_household`` with raw
values and get the same Vietnamese messages back in a ``ValidationError``.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlmodel import Session

from ..audit import diff, record, snapshot
from ..db import MAX_ID, resent
from ..errors import ValidationError
from ..i18n import duplicate_key, normalise_phone, search_key, sort_key, today_local
from ..models import Household, Place, User, Visit, utcnow
from ..scope import get_village_record_or_404, place_in_area
from ..values import (
    NOTES_MAX,
    BadValue,
    clean_line,
    clean_text,
    is_blank,
    parse_bool,
    parse_int,
    parse_uuid,
)
from .profile import (
    EXTRA_FIELDS,
    OLD_NAMES,
    check_profile,
    current_profile,
    read_profile,
    record_values,
)

HOUSEHOLD_FIELDS = (
    "village_id",
    "head_name",
    "address",
    "phone",
    "members",
    "consent",
    "notes",
)
#: the profile fields a household payload or form may carry besides ``members`` (section 10)
HOUSEHOLD_PROFILE_FIELDS = EXTRA_FIELDS
_AUDITED = (*HOUSEHOLD_FIELDS, *EXTRA_FIELDS)
MAX_MEMBERS = 99
NAME_MAX, ADDRESS_MAX = 120, 255


def household_search_key(head_name: str, address: str, phone: str | None) -> str:
    """The folded text searched by the household list (name, address and phone)."""
    return search_key(f"{head_name} {address} {phone or ''}")


def _village(session: Session, actor: User, raw: Any) -> Place | None:
    try:
        village_id = parse_int(raw, low=1, high=MAX_ID)
    except BadValue:
        return None
    village = session.get(Place, village_id)
    if village is None or not village.is_village or not place_in_area(session, actor, village):
        return None
    return village


def _clean(
    session: Session, actor: User, data: Mapping[str, Any], household: Household | None = None
) -> dict[str, Any]:
    """Check every field; return the clean values or raise ValidationError with all errors.

    ``clean["profile"]`` holds the profile fields present in ``data`` (older payloads have
    none: the household keeps its profile)."""
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {}

    village = _village(session, actor, data.get("village_id"))
    if village is None:
        errors["village_id"] = _("Please choose a village in your area.")
    else:
        clean["village_id"] = village.id

    try:
        name = clean_line(data.get("head_name"))
    except BadValue:
        name = ""
    if not name:
        errors["head_name"] = _("Please enter the name of the head of household.")
    elif len(name) > NAME_MAX:
        errors["head_name"] = _("The name is too long (at most 120 characters).")
    clean["head_name"] = name

    try:
        clean["address"] = clean_line(data.get("address"), ADDRESS_MAX)
    except BadValue:
        errors["address"] = _("The address is too long (at most 255 characters).")

    raw_phone = data.get("phone")
    if is_blank(raw_phone):
        clean["phone"] = None
    else:
        phone = normalise_phone(raw_phone) if isinstance(raw_phone, str) else None
        if phone is None:
            errors["phone"] = _(
                "This is not a Vietnamese phone number: enter 10 digits starting with 03, 05, "
                "07, 08 or 09 (e.g. 0912 345 678), or a landline starting with 02."
            )
        clean["phone"] = phone

    try:
        clean["members"] = parse_int(data.get("members"), low=1, high=MAX_MEMBERS)
    except BadValue:
        errors["members"] = _("The number of members must be a whole number from 1 to 99.")

    profile = read_profile(data, errors)
    merged = {**(current_profile(household) if household is not None else {}), **profile}
    if "members" in clean:
        merged["members"] = clean["members"]
    check_profile(merged, errors, only=profile)
    clean["profile"] = profile
    for old, new in OLD_NAMES.items():  # an older client hears of the field it sent
        if old in data and new not in data and new in errors:
            errors[old] = errors.pop(new)

    consent = parse_bool(data.get("consent"), default=False)
    if not consent:
        errors["consent"] = _(
            "Please tick the box once the household agrees that the team stores this information."
        )
    clean["consent"] = consent

    try:
        clean["notes"] = clean_text(data.get("notes"), NOTES_MAX)
    except BadValue:
        errors["notes"] = _("The notes are too long (at most 1000 characters).")

    if errors:
        raise ValidationError(errors)
    return clean


def save_household(
    session: Session,
    actor: User,
    data: Mapping[str, Any],
    household: Household | None = None,
    household_id: uuid.UUID | None = None,
) -> Household:
    """Create (with ``household_id`` if given) or update a household from raw values."""
    if household is not None and household.anonymised_at is not None:
        raise ValidationError(
            {"head_name": _("The personal data of this household was erased; it cannot be edited.")}
        )
    if household is not None and household.deleted_at is not None:
        raise ValidationError({"head_name": _("This household has been deleted.")})
    clean = _clean(session, actor, data, household)
    now = utcnow()
    creating = household is None
    if creating:
        household = Household(created_by_id=actor.id, created_at=now)
        if household_id is not None:
            household.id = household_id
        before: dict[str, Any] = {}
    else:
        before = snapshot(household, _AUDITED)
    profile_before = {} if creating else current_profile(household)
    for field in HOUSEHOLD_FIELDS:
        setattr(household, field, clean[field])
    for field, value in clean["profile"].items():
        setattr(household, field, value)
    if not household.consent_at or (not creating and not before.get("consent")):
        household.consent_by_id, household.consent_at = actor.id, now
    household.search_key = household_search_key(
        household.head_name, household.address, household.phone
    )
    household.duplicate_key = duplicate_key(household.head_name)
    household.sort_key = sort_key(household.head_name)
    household.updated_at = now
    session.add(household)
    # the profile values are dated today (Vietnam time): the registration's, or the edit's
    record_values(
        session,
        household.id,
        {"members": household.members, **clean["profile"]},
        today_local(),
        "registration" if creating else "edit",
        base=profile_before,
    )
    if not creating and before["village_id"] != household.village_id:
        # the visits follow the household, so that every figure of a village stays its sum
        session.execute(
            update(Visit)
            .where(Visit.household_id == household.id)
            .values(village_id=household.village_id)
            .execution_options(synchronize_session="fetch")
        )
    changes = diff(before, snapshot(household, _AUDITED))
    if creating or changes:
        record(
            session,
            actor,
            "create" if creating else "update",
            household,
            changes,
            place_id=household.village_id,
        )
    return household


def register_household(
    session: Session, actor: User, data: Mapping[str, Any], client_id: Any
) -> tuple[Household, bool]:
    """A new household from the registration form with the id the form made when shown, and
    whether it is new: the same form sent twice (a double tap) gives back the household the
    actor saved the first time instead of a second copy."""
    saved, new_id = resent(session, Household, client_id, "created_by_id", actor.id)
    if saved is not None:
        return saved, False
    return save_household(session, actor, data, household_id=new_id), True


def find_duplicates(
    session: Session,
    actor: User,
    village_id: Any,
    head_name: Any,
    address: Any,
    phone: Any,
    exclude_id: Any = None,
) -> list[Household]:
    """Households of the village with the same head name and the same address or phone,
    folded by ``duplicate_key`` (no case, diacritics, punctuation or spacing), but
    ``exclude_id`` (the household being edited, or the one a form sent twice has saved).

    It only ever looks inside ``actor``'s area (DESIGN section 3): a village outside it, or
    anything that is not an active village, finds nothing. Candidates come from SQL by the
    indexed (village, folded name) pair; the address and phone comparisons run on those few
    rows.
    """
    village = _village(session, actor, village_id)
    if village is None:
        return []
    try:
        name = duplicate_key(clean_line(head_name))
        folded_address = duplicate_key(clean_line(address))
    except BadValue:
        return []
    if not name:
        return []
    try:
        exclude_id = parse_uuid(exclude_id) if exclude_id is not None else None
    except BadValue:
        exclude_id = None
    phone_value = normalise_phone(phone) if isinstance(phone, str) and phone.strip() else None
    query = select(Household).where(
        Household.village_id == village.id,
        Household.duplicate_key == name,
        Household.deleted_at.is_(None),
        Household.anonymised_at.is_(None),
    )
    if exclude_id is not None:
        query = query.where(Household.id != exclude_id)
    found = []
    for candidate in session.scalars(query.order_by(Household.created_at).limit(50)):
        same_address = duplicate_key(candidate.address) == folded_address
        same_phone = phone_value is not None and candidate.phone == phone_value
        if same_address or same_phone:
            found.append(candidate)
    return found


def get_household_or_404(session: Session, actor: User, household_id: Any) -> Household:
    """The household if it exists, is not deleted and lies in the actor's area; 404 otherwise."""
    return get_village_record_or_404(session, actor, Household, household_id)


def household_payload(household: Household) -> dict[str, Any]:
    """The household in the shape of the sync API's household payload (DESIGN section 8)."""
    return {
        "village_id": household.village_id,
        "head_name": household.head_name,
        "address": household.address,
        "phone": household.phone,
        "members": household.members,
        **{field: getattr(household, field) for field in EXTRA_FIELDS},
        "consent": household.consent,
        "notes": household.notes,
    }

"""The digital profile of a household (DESIGN section 10): reading, checking, dating.

One validation source for the household form, the visit form and the sync API: ``read_profile``
parses the fields present in a payload and ``check_profile`` holds the rules between them
(adults ≤ members, each count ≤ its denominator), with Vietnamese field errors.

Dated values (``ProfileValue``): the profile on day D is, field by field, the latest value dated
on or before D (ties: the one recorded last). ``record_values`` stores what changed;
``refresh_current`` puts the profile as of today back on the household's columns after a
visit's values were added, changed or removed. Services flush, never commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import delete, select
from sqlmodel import Session

from ..models import PROFILE_FIELDS, Household, ProfileValue
from ..values import BadValue, is_blank, parse_bool, parse_int

#: the profile fields other than ``members`` (which every household has)
EXTRA_FIELDS = PROFILE_FIELDS[1:]
#: counts whose denominator is the adults (or the members while the adults are unknown)
ADULT_COUNTS = ("smartphone_adults", "vneid_level2", "payment_adults")
COUNT_MAX = 99
#: the old name of ``smartphone_adults`` in household payloads, still accepted
OLD_NAMES = {"smartphone_members": "smartphone_adults"}
_UNKNOWN_WORDS = {"", "unknown", "null", "none", "chua biet", "chưa biết", "?"}

ProfileDict = dict[str, int | bool | None]


def parse_broadband(raw: Any) -> bool | None:
    """Yes / no / unknown (None) from a JSON boolean or null, or a form value."""
    if raw is None or (isinstance(raw, str) and raw.strip().lower() in _UNKNOWN_WORDS):
        return None
    return parse_bool(raw)


def _count_error() -> str:
    return _("Please enter a whole number from 0 to 99, or leave it empty if not known.")


def read_profile(
    data: Mapping[str, Any],
    errors: dict[str, str],
    fields: Iterable[str] = EXTRA_FIELDS,
    error_prefix: str = "",
    blank_is_unknown: bool = True,
) -> ProfileDict:
    """The profile fields present in ``data``, parsed (``smartphone_members``, the old name,
    is read as ``smartphone_adults``).

    A blank value is None (unknown) when ``blank_is_unknown``, else left out ("not observed",
    as on the visit form). Bad values add an error under ``error_prefix + field``.
    """
    found: ProfileDict = {}
    for old, new in OLD_NAMES.items():
        if new not in data and old in data:
            data = {**data, new: data[old]}
    for field in fields:
        key = error_prefix + field
        if field not in data:
            continue
        raw = data[field]
        if field == "broadband":
            try:
                value = parse_broadband(raw)
            except BadValue:
                errors[key] = _("Please choose yes, no or not known.")
                continue
        elif is_blank(raw):
            value = None
        else:
            try:
                value = parse_int(raw, low=1 if field == "members" else 0, high=COUNT_MAX)
            except BadValue:
                errors[key] = (
                    _("The number of members must be a whole number from 1 to 99.")
                    if field == "members"
                    else _count_error()
                )
                continue
        if value is None and not blank_is_unknown:
            continue
        found[field] = value
    return found


def check_profile(
    profile: Mapping[str, Any], errors: dict[str, str], prefix: str = "", only: Iterable = ()
) -> None:
    """The rules between the fields of a whole profile: adults ≤ members, each count ≤ its
    denominator (unknown values are never checked). Errors go under the fields in ``only``
    when one of them is involved (the fields the user sent), else under the count."""
    members, adults = profile.get("members"), profile.get("adults")
    sent = set(only)

    def fail(field: str, message: str) -> None:
        errors.setdefault(prefix + field, message)

    if adults is not None and members is not None and adults > members:
        fail(
            "adults",
            _(
                "The people aged 15 or more cannot be more than the members (%(max)d).",
                max=members,
            ),
        )
    for field in ADULT_COUNTS:
        value = profile.get(field)
        if value is None:
            continue
        if adults is not None and value > adults:
            target = "adults" if sent and field not in sent and "adults" in sent else field
            fail(
                target,
                _("This cannot be more than the people aged 15 or more (%(max)d).", max=adults),
            )
        elif members is not None and value > members:
            fail(field, _("This cannot be more than the members (%(max)d).", max=members))
    value = profile.get("health_record")
    if value is not None and members is not None and value > members:
        fail("health_record", _("This cannot be more than the members (%(max)d).", max=members))


def current_profile(household: Household) -> ProfileDict:
    """The profile as of today, from the household's columns."""
    return {field: getattr(household, field) for field in PROFILE_FIELDS}


def profiles_on(
    session: Session,
    household_ids: Iterable[uuid.UUID],
    day: date | None = None,
    exclude_visit: uuid.UUID | None = None,
) -> dict[uuid.UUID, ProfileDict]:
    """{household: {field: value}} of the latest values dated on or before ``day`` (all when
    None), leaving out those set by ``exclude_visit``. Fields never recorded are absent."""
    ids = list(household_ids)
    result: dict[uuid.UUID, ProfileDict] = {key: {} for key in ids}
    for start in range(0, len(ids), 500):
        query = select(ProfileValue.household_id, ProfileValue.field, ProfileValue.value).where(
            ProfileValue.household_id.in_(ids[start : start + 500])
        )
        if day is not None:
            query = query.where(ProfileValue.valid_on <= day)
        if exclude_visit is not None:
            query = query.where(
                (ProfileValue.visit_id.is_(None)) | (ProfileValue.visit_id != exclude_visit)
            )
        query = query.order_by(ProfileValue.valid_on, ProfileValue.id)
        for household_id, field, value in session.execute(query):
            result[household_id][field] = (
                bool(value) if field == "broadband" and value is not None else value
            )
    return result


def record_values(
    session: Session,
    household_id: uuid.UUID,
    values: Mapping[str, Any],
    day: date,
    source: str,
    base: Mapping[str, Any] | None = None,
    visit_id: uuid.UUID | None = None,
) -> list[str]:
    """Add a dated value for each field of ``values`` that differs from ``base`` (missing
    fields of ``base`` are unknown); the fields stored."""
    base = base or {}
    stored = []
    for field in PROFILE_FIELDS:
        if field not in values:
            continue
        value = values[field]
        if field in base and base[field] == value or (field not in base and value is None):
            continue
        number = None if value is None else int(value)
        session.add(
            ProfileValue(
                household_id=household_id,
                field=field,
                value=number,
                valid_on=day,
                visit_id=visit_id,
                source=source,
            )
        )
        stored.append(field)
    return stored


def forget_visit(session: Session, visit_id: uuid.UUID) -> None:
    """Remove the values a visit had set (it was edited or deleted)."""
    session.execute(
        delete(ProfileValue)
        .where(ProfileValue.visit_id == visit_id)
        .execution_options(synchronize_session=False)
    )


def refresh_current(session: Session, household: Household) -> None:
    """Put the latest values (the profile as of today) on the household's columns."""
    latest = profiles_on(session, [household.id])[household.id]
    for field in PROFILE_FIELDS:
        value = latest.get(field)
        if field == "members" and value is None:
            continue  # every household keeps a number of members
        setattr(household, field, value)
    session.add(household)


def visit_values(session: Session, visit_id: uuid.UUID) -> ProfileDict:
    """The values a visit set, {field: value}."""
    rows = session.execute(
        select(ProfileValue.field, ProfileValue.value).where(ProfileValue.visit_id == visit_id)
    )
    return {
        field: (bool(value) if field == "broadband" and value is not None else value)
        for field, value in rows
    }

"""The indicators' figures computed directly from the dated profile values, in SQL.

For day D, the latest value of each (household, field) dated on or before D is picked with a
window function (ROW_NUMBER over valid_on, id), the fields are turned into one row per
household, and the additive figures are summed per village. Deleted households never count;
unknown values (never recorded, or recorded as unknown) count in no figure, neither numerator
nor denominator.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy import func, select
from sqlmodel import Session

from ..models import Household, Place, ProfileValue

#: the additive figures, in the order of the API, the exports and the page
ADDITIVE = (
    "profiled_households",
    "adults",
    "members_profiled",
    "smartphone_adults",
    "smartphone_base",
    "vneid_level2",
    "vneid_base",
    "payment_adults",
    "payment_base",
    "health_record",
    "broadband_yes",
    "broadband_known",
)
#: rate → (numerator, denominator), each summed over the households where both are known
RATES = {
    "smartphone_rate": ("smartphone_adults", "smartphone_base"),
    "vneid_rate": ("vneid_level2", "vneid_base"),
    "payment_rate": ("payment_adults", "payment_base"),
    "health_record_rate": ("health_record", "members_profiled"),
    "broadband_rate": ("broadband_yes", "broadband_known"),
}

_pv = ProfileValue.__table__
_hh = Household.__table__
_place = Place.__table__


def _smaller(a, b):
    """The smaller of two known counts (a count above its denominator counts as it)."""
    return sa.case((a < b, a), else_=b)


def household_contributions(a: dict[str, Any]) -> dict[str, int]:
    """What one household with profile ``a`` adds to each figure (the Python twin of the SQL
    below, used by the tests and by nothing else)."""
    members, adults = a.get("members"), a.get("adults")
    out = dict.fromkeys(ADDITIVE, 0)
    if adults is not None:
        out["profiled_households"] = 1
        out["adults"] = adults
        for count, base in (
            ("smartphone_adults", "smartphone_base"),
            ("vneid_level2", "vneid_base"),
            ("payment_adults", "payment_base"),
        ):
            if a.get(count) is not None:
                out[count] = min(a[count], adults)
                out[base] = adults
    if members is not None and a.get("health_record") is not None:
        out["health_record"] = min(a["health_record"], members)
        out["members_profiled"] = members
    if a.get("broadband") is not None:
        out["broadband_known"] = 1
        out["broadband_yes"] = 1 if a["broadband"] else 0
    return out


def _latest(root_path: str, day: date):
    """One row per household under ``root_path`` (not deleted) with its profile on ``day``."""
    ranked = (
        select(
            _pv.c.household_id,
            _pv.c.field,
            _pv.c.value,
            func.row_number()
            .over(
                partition_by=(_pv.c.household_id, _pv.c.field),
                order_by=(_pv.c.valid_on.desc(), _pv.c.id.desc()),
            )
            .label("rank"),
        )
        .join(_hh, _hh.c.id == _pv.c.household_id)
        .join(_place, _place.c.id == _hh.c.village_id)
        .where(
            _pv.c.valid_on <= day,
            _hh.c.deleted_at.is_(None),
            _place.c.path >= root_path,
            _place.c.path < root_path[:-1] + "0",
        )
        .subquery("ranked")
    )

    def field(name: str):
        return func.max(sa.case((ranked.c.field == name, ranked.c.value))).label(name)

    return (
        select(
            ranked.c.household_id,
            field("members"),
            field("adults"),
            field("smartphone_adults"),
            field("vneid_level2"),
            field("payment_adults"),
            field("health_record"),
            field("broadband"),
        )
        .where(ranked.c.rank == 1)
        .group_by(ranked.c.household_id)
        .subquery("profile")
    )


def village_figures(session: Session, root: Place, day: date) -> dict[int, dict[str, int]]:
    """{village id: {additive figure: sum}} for the villages under ``root`` on ``day`` (those
    without any profiled household are absent)."""
    p = _latest(root.path, day)
    adults_known = p.c.adults.is_not(None)

    def adult_count(name: str):
        known = sa.and_(adults_known, p.c[name].is_not(None))
        return (
            func.sum(sa.case((known, _smaller(p.c[name], p.c.adults)), else_=0)).label(name),
            func.sum(sa.case((known, p.c.adults), else_=0)).label(name.split("_")[0] + "_base"),
        )

    health_known = sa.and_(p.c.members.is_not(None), p.c.health_record.is_not(None))
    columns = [
        func.sum(sa.case((adults_known, 1), else_=0)).label("profiled_households"),
        func.sum(sa.case((adults_known, p.c.adults), else_=0)).label("adults"),
        func.sum(sa.case((health_known, p.c.members), else_=0)).label("members_profiled"),
        *adult_count("smartphone_adults"),
        *adult_count("vneid_level2"),
        *adult_count("payment_adults"),
        func.sum(sa.case((health_known, _smaller(p.c.health_record, p.c.members)), else_=0)).label(
            "health_record"
        ),
        func.sum(sa.case((p.c.broadband == 1, 1), else_=0)).label("broadband_yes"),
        func.sum(sa.case((p.c.broadband.is_not(None), 1), else_=0)).label("broadband_known"),
    ]
    statement = (
        select(_hh.c.village_id, *columns)
        .join(p, p.c.household_id == _hh.c.id)
        .group_by(_hh.c.village_id)
    )
    return {
        row.village_id: {name: int(row._mapping[name] or 0) for name in ADDITIVE}
        for row in session.execute(statement)
    }


def child_places(session: Session, place: Place, level: str) -> list[Place]:
    """The rows of a report: the places directly under ``place``, or all its villages."""
    if level == "villages":
        condition = sa.and_(
            Place.level == "village",
            Place.path >= place.path,
            Place.path < place.path[:-1] + "0",
        )
    else:
        condition = Place.parent_id == place.id
    return list(session.scalars(select(Place).where(condition).order_by(Place.sort_key, Place.id)))


def village_paths(session: Session, place: Place) -> dict[int, str]:
    """{village id: path} of the villages under ``place``."""
    rows = session.execute(
        select(Place.id, Place.path).where(
            Place.level == "village",
            Place.path >= place.path,
            Place.path < place.path[:-1] + "0",
        )
    )
    return dict(rows.all())

"""Reads for the places pages: one grouped query per list, no query per row."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import String, and_, case, func, select, type_coerce
from sqlalchemy.orm import aliased
from sqlmodel import Session

from ..models import CoverageVillage, Household, Place, User
from ..scope import area_condition


@dataclass
class ChildRow:
    place: Place
    villages: int  #: villages in its subtree (itself, for a village)
    households: int  #: registered households (not deleted) in those villages
    target: int  #: sum of the villages' targets (those that have one): the official target
    without_target: int = 0  #: villages in use with no target (coverage counts their households)


def _under(descendant_path, ancestor_path):
    """``descendant_path`` lies in the subtree of the place whose path column is given.

    The same range as cdt_app.scope.subtree_condition, with the root taken from a column, so
    an index on the descendant's path serves the join.
    """
    upper = type_coerce(func.substr(ancestor_path, 1, func.length(ancestor_path) - 1), String) + "0"
    return and_(descendant_path >= ancestor_path, descendant_path < upper)


def children_with_counts(session: Session, place: Place) -> list[ChildRow]:
    """The children of ``place`` with their village, household and target totals: one query.

    Registered households come from the per-village aggregates (``coverage_village``, kept in
    step with the households by cdt_app.reports.upkeep), so a province page adds up a few
    thousand village rows instead of counting a million households.
    """
    village = aliased(Place, name="village")
    rows = session.execute(
        select(
            Place,
            func.count(case((village.active.is_(True), village.id))),
            func.coalesce(func.sum(CoverageVillage.registered_households), 0),
            func.coalesce(func.sum(village.target_households), 0),
            func.count(
                case((and_(village.active.is_(True), village.target_households.is_(None)), 1))
            ),
        )
        .select_from(Place)
        .outerjoin(village, and_(_under(village.path, Place.path), village.level == "village"))
        .outerjoin(CoverageVillage, CoverageVillage.village_id == village.id)
        .where(Place.parent_id == place.id)
        .group_by(Place.id)
        .order_by(Place.active.desc(), Place.sort_key)
    ).all()
    return [
        ChildRow(child, villages, households, target, without_target)
        for child, villages, households, target, without_target in rows
    ]


def household_count(session: Session, village: Place) -> int:
    return session.scalar(
        select(func.count())
        .select_from(Household)
        .where(Household.village_id == village.id, Household.deleted_at.is_(None))
    )


def people_count(session: Session, place: Place) -> int:
    return session.scalar(
        select(func.count())
        .select_from(User)
        .where(User.place_id == place.id, User.active.is_(True))
    )


def merge_candidates(session: Session, user: User, village: Place) -> list[Place]:
    """Active villages of the same parent, inside the user's area, that ``village`` may join."""
    return list(
        session.scalars(
            select(Place)
            .where(
                Place.parent_id == village.parent_id,
                Place.level == "village",
                Place.active.is_(True),
                Place.id != village.id,
                area_condition(session, user),
            )
            .order_by(Place.sort_key)
        )
    )

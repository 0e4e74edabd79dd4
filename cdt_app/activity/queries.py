"""The activity overview of a place: SQL GROUP BY only, a fixed number of queries whatever the
number of visits, volunteers or villages (DESIGN section 6).

Visits count when they are not deleted, whatever their review status. "Today" is the date in
Asia/Ho_Chi_Minh. Long lists stop at LIST_MAX rows and carry their full length.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import distinct, func, or_, select
from sqlalchemy.orm import aliased
from sqlmodel import Session

from ..models import Place, User, Visit
from ..permissions import FIELD_ROLES
from ..scope import subtree_condition

WINDOW_DAYS = 30  #: the chart and the "last 30 days" columns
INACTIVE_DAYS = 14  #: a volunteer with no visit in this many days is listed as inactive
STALE_DAYS = 30  #: a village with no visit in this many days is listed as stalled
LIST_MAX = 100


@dataclass
class Listing:
    rows: list[dict[str, Any]] = field(default_factory=list)
    total: int = 0

    @property
    def truncated(self) -> bool:
        return self.total > len(self.rows)


@dataclass
class Overview:
    place: Place
    today: date
    start: date  #: first day of the window
    days: list[tuple[date, int]]
    volunteers: Listing
    inactive: Listing
    villages: Listing
    stale_villages: Listing

    @property
    def window_visits(self) -> int:
        return sum(count for _, count in self.days)


def _villages_under(place: Place):
    return select(Place.id).where(subtree_condition(Place.path, place.path))


def visits_per_day(
    session: Session, place: Place, start: date, end: date
) -> list[tuple[date, int]]:
    """Visits per day under ``place`` from ``start`` to ``end`` (every day, zeros included)."""
    counts = dict(
        session.execute(
            select(Visit.visited_on, func.count())
            .where(
                Visit.deleted_at.is_(None),
                Visit.village_id.in_(_villages_under(place)),
                Visit.visited_on >= start,
                Visit.visited_on <= end,
            )
            .group_by(Visit.visited_on)
        ).all()
    )
    return [
        (start + timedelta(days=n), counts.get(start + timedelta(days=n), 0))
        for n in range((end - start).days + 1)
    ]


def _member_rows(session: Session, place: Place, start: date, today: date, inactive: bool):
    """Active team members placed under ``place``: visits and households reached in the
    window, last visit ever. ``inactive`` keeps only those without a visit in INACTIVE_DAYS."""
    member_place = aliased(Place)
    members = (
        select(User.id)
        .join(member_place, member_place.id == User.place_id)
        .where(
            subtree_condition(member_place.path, place.path),
            User.role.in_(FIELD_ROLES),
            User.active.is_(True),
        )
    )
    recent = (
        select(
            Visit.volunteer_id,
            func.count().label("visits"),
            func.count(distinct(Visit.household_id)).label("households"),
        )
        .where(
            Visit.deleted_at.is_(None),
            Visit.village_id.in_(_villages_under(place)),
            Visit.visited_on >= start,
            Visit.visited_on <= today,
        )
        .group_by(Visit.volunteer_id)
        .subquery()
    )
    # one index seek per member (ix_visit_activity_volunteer), not a scan of every visit
    last_on = (
        select(func.max(Visit.visited_on))
        .where(Visit.volunteer_id == User.id, Visit.deleted_at.is_(None))
        .correlate(User)
        .scalar_subquery()
    )
    last = last_on.label("last_on")
    visits = func.coalesce(recent.c.visits, 0)
    query = (
        select(
            User.id,
            User.display_name,
            User.username,
            User.role,
            member_place.name.label("place_name"),
            visits.label("visits"),
            func.coalesce(recent.c.households, 0).label("households"),
            last,
            func.count().over().label("total"),
        )
        .select_from(User)
        .join(member_place, member_place.id == User.place_id)
        .outerjoin(recent, recent.c.volunteer_id == User.id)
        .where(User.id.in_(members))
    )
    if inactive:
        cutoff = today - timedelta(days=INACTIVE_DAYS - 1)
        query = query.where(or_(last_on.is_(None), last_on < cutoff)).order_by(
            last.asc().nulls_first(), User.display_name, User.id
        )
    else:
        query = query.order_by(visits.desc(), last.desc().nulls_last(), User.display_name, User.id)
    rows = session.execute(query.limit(LIST_MAX)).all()
    return Listing(
        rows=[
            {
                "id": row.id,
                "name": row.display_name or row.username,
                "role": row.role,
                "place_name": row.place_name,
                "visits": row.visits,
                "households": row.households,
                "last_on": row.last_on,
            }
            for row in rows
        ],
        total=rows[0].total if rows else 0,
    )


def _village_rows(session: Session, place: Place, start: date, today: date, stale: bool):
    """Active villages under ``place`` with visits and households reached in the window and
    their last visit. ``stale`` keeps only those without a visit in STALE_DAYS."""
    village, parent = aliased(Place), aliased(Place)
    under = subtree_condition(village.path, place.path)
    # the window's visits only (ix_visit_activity_village), and each village's last visit by
    # one index seek: no scan of every visit since the start
    per_village = (
        select(
            Visit.village_id,
            func.count().label("visits"),
            func.count(distinct(Visit.household_id)).label("households"),
        )
        .where(
            Visit.deleted_at.is_(None),
            Visit.village_id.in_(_villages_under(place)),
            Visit.visited_on >= start,
            Visit.visited_on <= today,
        )
        .group_by(Visit.village_id)
        .subquery()
    )
    last_on = (
        select(func.max(Visit.visited_on))
        .where(
            Visit.village_id == village.id,
            Visit.deleted_at.is_(None),
            Visit.visited_on <= today,
        )
        .correlate(village)
        .scalar_subquery()
    )
    last = last_on.label("last_on")
    visits = func.coalesce(per_village.c.visits, 0)
    query = (
        select(
            village.id,
            village.name,
            parent.name.label("parent_name"),
            visits.label("visits"),
            func.coalesce(per_village.c.households, 0).label("households"),
            last,
            func.count().over().label("total"),
        )
        .select_from(village)
        .outerjoin(parent, parent.id == village.parent_id)
        .outerjoin(per_village, per_village.c.village_id == village.id)
        .where(under, village.level == "village", village.active.is_(True))
    )
    if stale:
        cutoff = today - timedelta(days=STALE_DAYS - 1)
        query = query.where(or_(last_on.is_(None), last_on < cutoff)).order_by(
            last.asc().nulls_first(), village.sort_key, village.id
        )
    else:
        query = query.order_by(visits.desc(), village.sort_key, village.id)
    rows = session.execute(query.limit(LIST_MAX)).all()
    return Listing(
        rows=[
            {
                "id": row.id,
                "name": row.name,
                "parent_name": row.parent_name or "",
                "visits": row.visits,
                "households": row.households,
                "last_on": row.last_on,
            }
            for row in rows
        ],
        total=rows[0].total if rows else 0,
    )


def activity_overview(session: Session, place: Place, today: date) -> Overview:
    """Everything the activity page shows for ``place``: five queries."""
    start = today - timedelta(days=WINDOW_DAYS - 1)
    return Overview(
        place=place,
        today=today,
        start=start,
        days=visits_per_day(session, place, start, today),
        volunteers=_member_rows(session, place, start, today, inactive=False),
        inactive=_member_rows(session, place, start, today, inactive=True),
        villages=_village_rows(session, place, start, today, stale=False),
        stale_villages=_village_rows(session, place, start, today, stale=True),
    )

"""What the periodic report reads besides the coverage figures: households reached by each
volunteer in a period (the visits that count are those of DESIGN section 7, by the same
conditions as the coverage report: ``cdt_app.reports.sources.counted_visits``)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import func, select
from sqlmodel import Session

from ..models import Place, User, Visit
from .periods import Period
from .sources import counted_visits, statement_params

_visit = Visit.__table__
_place = Place.__table__
_user = User.__table__


@dataclass
class VolunteerFigures:
    id: int
    name: str
    sort_key: str
    village_id: int | None  #: the volunteer's own place (a village)
    households: int  #: distinct households with a counted visit by this volunteer
    visits: int


@lru_cache(maxsize=4)
def _volunteers_statement(approved_only: bool):
    vil = _place.alias("vil")
    counted = (
        select(
            _visit.c.volunteer_id,
            func.count(_visit.c.household_id.distinct()).label("households"),
            func.count().label("visits"),
        )
        .select_from(_visit)
        .join(vil, vil.c.id == _visit.c.village_id)
        .where(counted_visits(vil, True, approved_only))
        .group_by(_visit.c.volunteer_id)
        .subquery("counted")
    )
    return select(
        _user.c.id,
        _user.c.display_name,
        _user.c.username,
        _user.c.sort_key,
        _user.c.place_id,
        counted.c.households,
        counted.c.visits,
    ).join(counted, counted.c.volunteer_id == _user.c.id)


def volunteer_figures(session: Session, place: Place, period: Period) -> list[VolunteerFigures]:
    """Every volunteer with a counted visit under ``place`` in ``period`` (a bounded period),
    most households first; ties by visits, then by name."""
    assert period.start is not None, "a periodic report has a start"  # noqa: S101
    params = statement_params(place, period, period.end)
    rows = [
        VolunteerFigures(
            id=uid,
            name=display_name or username,
            sort_key=sort_key or "",
            village_id=place_id,
            households=int(households),
            visits=int(visits),
        )
        for uid, display_name, username, sort_key, place_id, households, visits in session.execute(
            _volunteers_statement(period.approved_only), params
        )
    ]
    rows.sort(key=lambda r: (-r.households, -r.visits, r.sort_key, r.id))
    return rows


def place_labels(session: Session, ids: set[int]) -> dict[int, str]:
    """{id: name} of the given places."""
    if not ids:
        return {}
    return dict(session.execute(select(Place.id, Place.name).where(Place.id.in_(ids))).all())

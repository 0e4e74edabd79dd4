"""The indicators of a place on a day and their change over a period, and the goals.

Figures (DESIGN section 10) are sums over the villages under a place, so every additive figure
of a place is the sum of its children's; the rates are ratios of two of them (0 when the
denominator is 0), each summed only over the households where both of its fields are known
(``smartphone_base`` is the adults of the households whose smartphones are known, …).

Goals: a goal set by staff on a commune overrides its province's; without either, the national
target of QĐ 411/QĐ-TTg applies (none for VNeID until staff set one). Services flush, never
commit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlmodel import Session

from ..audit import record
from ..errors import ValidationError
from ..models import GOAL_INDICATORS, IndicatorGoal, Place, User, utcnow
from ..values import BadValue, clean_line, is_blank, parse_float
from .queries import ADDITIVE, RATES, child_places, village_figures, village_paths

#: the national targets for 2025 (percent) and where they come from
NATIONAL_SOURCE = "QĐ 411/QĐ-TTg ngày 31/3/2022, mục tiêu năm 2025"
NATIONAL_GOALS: dict[str, float] = {
    "smartphone_rate": 80.0,
    "payment_rate": 80.0,
    "broadband_rate": 80.0,
    "health_record_rate": 90.0,
}
RATE_LABELS = {
    "smartphone_rate": _l("Adults with a smartphone"),
    "vneid_rate": _l("Adults with VNeID level 2"),
    "payment_rate": _l("Adults with a payment account"),
    "health_record_rate": _l("People with an electronic health record"),
    "broadband_rate": _l("Households with fixed broadband"),
}
#: the places a goal may be set on
GOAL_LEVELS = ("province", "commune")


def rates_of(figures: Mapping[str, int]) -> dict[str, float]:
    return {
        name: (figures[num] / figures[den] if figures[den] else 0.0)
        for name, (num, den) in RATES.items()
    }


def with_rates(figures: Mapping[str, int]) -> dict[str, Any]:
    return {**figures, **rates_of(figures)}


def _zero() -> dict[str, int]:
    return dict.fromkeys(ADDITIVE, 0)


def _add(total: dict[str, int], part: Mapping[str, int]) -> None:
    for name in ADDITIVE:
        total[name] += part.get(name, 0)


@dataclass
class Goal:
    percent: float | None
    source: str
    place_name: str | None = None  #: where it was set (None: the national default)

    @property
    def ratio(self) -> float | None:
        return None if self.percent is None else self.percent / 100


@dataclass
class IndicatorRow:
    place: Place
    figures: dict[str, Any]
    goals: dict[str, Goal]
    change: dict[str, Any] | None = None

    def place_dict(self) -> dict[str, Any]:
        p = self.place
        return {"id": p.id, "code": p.code, "name": p.name, "kind": p.kind}

    @property
    def has_data(self) -> bool:
        """Some household under the place has a profile value that counts."""
        return any(self.figures[den] for _num, den in RATES.values())

    def meets(self, rate: str) -> bool | None:
        goal = self.goals[rate].ratio
        return None if goal is None else self.figures[rate] >= goal


@dataclass
class IndicatorReport:
    place: Place
    on: date
    start: date | None
    totals: IndicatorRow
    rows: list[IndicatorRow] = field(default_factory=list)

    def as_api(self) -> dict[str, Any]:
        def one(row: IndicatorRow, with_place: bool) -> dict[str, Any]:
            out: dict[str, Any] = dict(row.figures)
            if with_place:
                out = {"place": row.place_dict(), **out}
            if row.change is not None:
                out["change"] = row.change
            out["goals"] = {name: row.goals[name].ratio for name in GOAL_INDICATORS}
            return out

        answer: dict[str, Any] = {
            "place": self.totals.place_dict(),
            "on": self.on.isoformat(),
            "totals": one(self.totals, False),
            "children": [one(row, True) for row in self.rows],
        }
        if self.start is not None:
            answer["from"] = self.start.isoformat()
        return answer


def _sums(session: Session, place: Place, day: date, rows: list[Place]):
    """The totals of ``place`` and of each row place on ``day``."""
    by_village = village_figures(session, place, day)
    paths = village_paths(session, place) if rows else {}
    totals, per_row = _zero(), {row.id: _zero() for row in rows}
    for figures in by_village.values():
        _add(totals, figures)
    if rows:
        # every village lies under exactly one row (a child place, or itself)
        row_paths = sorted(((row.path, row.id) for row in rows), reverse=True)
        for village_id, figures in by_village.items():
            path = paths.get(village_id, "")
            for row_path, row_id in row_paths:
                if path.startswith(row_path):
                    _add(per_row[row_id], figures)
                    break
    return totals, per_row


def _change(now: Mapping[str, Any], before: Mapping[str, Any]) -> dict[str, Any]:
    return {name: now[name] - before[name] for name in now}


def indicator_report(
    session: Session,
    place: Place,
    on: date,
    start: date | None = None,
    level: str = "children",
) -> IndicatorReport:
    """The indicators of ``place`` and of its children (or all its villages) on ``on``; with
    ``start``, the change of each figure from the day before ``start`` to ``on``."""
    rows = child_places(session, place, level) if place.level != "village" else []
    totals, per_row = _sums(session, place, on, rows)
    goals = goals_for(session, [place, *rows])
    report = IndicatorReport(
        place=place,
        on=on,
        start=start,
        totals=IndicatorRow(place, with_rates(totals), goals[place.id]),
        rows=[IndicatorRow(row, with_rates(per_row[row.id]), goals[row.id]) for row in rows],
    )
    if start is not None:
        before_totals, before_rows = _sums(session, place, start - timedelta(days=1), rows)
        report.totals.change = _change(report.totals.figures, with_rates(before_totals))
        for row in report.rows:
            row.change = _change(row.figures, with_rates(before_rows[row.place.id]))
    return report


def monthly_rates(session: Session, place: Place, on: date, months: int = 12):
    """[(day, rates)] at the end of each of the last ``months`` months (the last one: ``on``)."""
    days = []
    day = on
    for _index in range(months):
        days.append(day)
        day = day.replace(day=1) - timedelta(days=1)
    days.reverse()
    return [(day, rates_of(_sums(session, place, day, [])[0])) for day in days]


# --- goals -----------------------------------------------------------------------------------


def goals_for(session: Session, places: list[Place]) -> dict[int, dict[str, Goal]]:
    """{place id: {rate: Goal}}: the goal set on the place or its nearest province or commune
    above it, else the national default."""
    chains = {place.id: place.ancestor_ids() for place in places}
    ids = {i for chain in chains.values() for i in chain}
    set_goals: dict[tuple[int, str], IndicatorGoal] = {}
    names: dict[int, str] = {}
    if ids:
        for goal in session.scalars(select(IndicatorGoal).where(IndicatorGoal.place_id.in_(ids))):
            set_goals[(goal.place_id, goal.indicator)] = goal
        owners = {key[0] for key in set_goals}
        if owners:
            names = dict(
                session.execute(select(Place.id, Place.name).where(Place.id.in_(owners))).all()
            )
    result: dict[int, dict[str, Goal]] = {}
    for place_id, chain in chains.items():
        goals = {}
        for rate in GOAL_INDICATORS:
            found = next(
                (set_goals[(i, rate)] for i in reversed(chain) if (i, rate) in set_goals), None
            )
            if found is not None:
                goals[rate] = Goal(found.percent, found.source, names.get(found.place_id))
            else:
                goals[rate] = Goal(NATIONAL_GOALS.get(rate), NATIONAL_SOURCE)
        result[place_id] = goals
    return result


def own_goals(session: Session, place: Place) -> dict[str, IndicatorGoal]:
    return {
        goal.indicator: goal
        for goal in session.scalars(select(IndicatorGoal).where(IndicatorGoal.place_id == place.id))
    }


def set_goals(
    session: Session, actor: User, place: Place, values: Mapping[str, Any], source: Any = ""
) -> int:
    """Set (a percent) or clear (blank: the goal above applies) the goals of a province or a
    commune; how many changed. Raises ValidationError with Vietnamese messages."""
    if place.level not in GOAL_LEVELS:
        raise ValidationError({"place": _("Goals are set on a province or a commune.")})
    errors: dict[str, str] = {}
    clean: dict[str, float | None] = {}
    for rate in GOAL_INDICATORS:
        raw = values.get(rate)
        if is_blank(raw):
            clean[rate] = None
            continue
        text = raw.replace(",", ".").replace("%", "").strip() if isinstance(raw, str) else raw
        try:
            clean[rate] = parse_float(text, low=0, high=100)
        except BadValue:
            errors[rate] = _("Please enter a percentage from 0 to 100, or leave it empty.")
    try:
        source_text = clean_line(source, 200)
    except BadValue:
        errors["source"] = _("This is too long (at most %(max)d characters).", max=200)
        source_text = ""
    if errors:
        raise ValidationError(errors)
    existing = own_goals(session, place)
    changes: dict[str, list] = {}
    for rate, percent in clean.items():
        goal = existing.get(rate)
        before = goal.percent if goal is not None else None
        if percent is None and goal is not None:
            session.delete(goal)
        elif percent is not None and goal is None:
            session.add(
                IndicatorGoal(
                    place_id=place.id,
                    indicator=rate,
                    percent=percent,
                    source=source_text,
                    updated_by_id=actor.id,
                )
            )
        elif percent is not None and (goal.percent != percent or goal.source != source_text):
            goal.percent, goal.source = percent, source_text
            goal.updated_by_id, goal.updated_at = actor.id, utcnow()
            session.add(goal)
        else:
            continue
        if before != percent:
            changes[rate] = [before, percent]
    if changes:
        record(session, actor, "update", place, changes, place_id=place.id)
    session.flush()
    return len(changes)


@dataclass
class IndicatorSection:
    """What the coverage page shows: the report on the period's last day (the change over
    the period when it has a start) and each rate over the last 12 months."""

    report: IndicatorReport
    trends: dict[str, list[float]]
    months: list[date]


def indicator_section(
    session: Session, place: Place, on: date, start: date | None
) -> IndicatorSection:
    report = indicator_report(session, place, on, start, "children")
    monthly = monthly_rates(session, place, on)
    trends = {rate: [rates[rate] for _day, rates in monthly] for rate in GOAL_INDICATORS}
    return IndicatorSection(report, trends, [day for day, _rates in monthly])

"""The periodic report (báo cáo định kỳ) of a commune or a province for a month, a quarter or a
year: the coverage figures of the period (DESIGN section 7) next to the previous period and
the same period a year before, the villages that fell behind and those with no visit, the top
volunteers and teams, the per-skill results.

One function, ``periodic_report``, makes it; the page, the XLSX export and the API all show
what it returns. It reads the coverage figures through ``coverage_report`` (so they are the
coverage report's for the same dates) and the volunteers through
``periodic_queries.volunteer_figures``. The caller checks the role and the scope.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlmodel import Session

from ..i18n import sort_key, today_local
from ..models import Place
from .export_queries import hierarchy_names
from .periodic_queries import place_labels, volunteer_figures
from .periods import preset_period
from .queries import coverage_report
from .report_periods import ReportPeriod
from .rows import Figures, PlaceRow, SkillInfo

#: the levels a periodic report is made for
REPORT_LEVELS = ("province", "district", "commune")
TOP = 10  #: volunteers and teams in the rankings
#: a village fell behind when its coverage in the period is below this share of the area's
BEHIND_SHARE = 0.5
#: the figures compared with the previous period and the year before, in page order
COMPARED = ("reached_households", "coverage", "visits", "people_taught", "active_volunteers")


@dataclass(frozen=True)
class Change:
    """A figure of the period against the same figure of another period."""

    current: float
    before: float

    @property
    def absolute(self) -> float:
        return self.current - self.before

    @property
    def relative(self) -> float | None:
        """(current − before) ÷ before; None when ``before`` is 0 (no base to compare with)."""
        if not self.before:
            return None
        return (self.current - self.before) / self.before

    def as_api(self) -> dict[str, Any]:
        return {"absolute": self.absolute, "relative": self.relative}


@dataclass
class VillageLine:
    """A village (its team) in one of the report's lists."""

    id: int
    code: str
    name: str
    commune: str  #: the commune (or ward…) it lies in
    households: int  #: households reached in the period
    target: int
    coverage: float
    visits: int
    last_visit_on: date | None = None  #: the latest counted visit up to today, in any period

    def as_api(self) -> dict[str, Any]:
        return {
            "place": {"id": self.id, "code": self.code, "name": self.name},
            "commune": self.commune,
            "reached_households": self.households,
            "target_households": self.target,
            "coverage": self.coverage,
            "visits": self.visits,
            "last_visit_on": self.last_visit_on.isoformat() if self.last_visit_on else None,
        }


@dataclass
class VolunteerLine:
    id: int
    name: str
    village: str  #: the volunteer's village
    households: int
    visits: int

    def as_api(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "village": self.village,
            "reached_households": self.households,
            "visits": self.visits,
        }


@dataclass
class PeriodicReport:
    place: PlaceRow  #: the report's place, with the figures of the period
    period: ReportPeriod
    approved_only: bool
    today: date
    current: Figures
    before: Figures  #: the previous period
    year_ago: Figures  #: the same period a year before
    skills: list[SkillInfo]
    villages: int  #: active villages under the place
    behind_threshold: float  #: coverage below which a village that had visits fell behind
    behind: list[VillageLine] = field(default_factory=list)
    no_visit: list[VillageLine] = field(default_factory=list)
    top_volunteers: list[VolunteerLine] = field(default_factory=list)
    volunteers: int = 0  #: volunteers with a counted visit in the period
    top_teams: list[VillageLine] = field(default_factory=list)
    #: the digital-profile indicators (DESIGN section 10) once they exist; see profile_indicators
    indicators: dict[str, Any] | None = None

    @property
    def previous(self) -> ReportPeriod:
        return self.period.previous()

    @property
    def year_before(self) -> ReportPeriod:
        return self.period.year_before()

    @property
    def over(self) -> bool:
        """The period has ended (else the figures run up to today)."""
        return self.period.is_over(self.today)

    def value(self, figures: Figures, key: str) -> float:
        """A compared figure (COMPARED) or ``skill:<code>`` (households reached)."""
        if key.startswith("skill:"):
            return figures.skills[key[6:]].reached
        return getattr(figures, key)

    def change(self, key: str, against: str) -> Change:
        """``key`` of the period against "previous" or "year_before"."""
        other = self.before if against == "previous" else self.year_ago
        return Change(self.value(self.current, key), self.value(other, key))

    def compared_keys(self) -> list[str]:
        return [*COMPARED, *(f"skill:{s.code}" for s in self.skills)]


def _period_api(period: ReportPeriod, approved_only: bool) -> dict[str, Any]:
    return {
        "kind": period.kind,
        "year": period.year,
        "number": period.number,
        "code": period.code,
        "label": period.label(),
        "from": period.start.isoformat(),
        "to": period.end.isoformat(),
        "approved_only": approved_only,
    }


def report_as_api(report: PeriodicReport, summary: str) -> dict[str, Any]:
    """The JSON of GET /api/v1/reports/periodic (the ``summary`` paragraph is made by
    cdt_app.reports.periodic_text)."""
    changes = {
        against: {key: report.change(key, against).as_api() for key in report.compared_keys()}
        for against in ("previous", "year_before")
    }
    return {
        "place": report.place.as_api_place(),
        "period": {**_period_api(report.period, report.approved_only), "over": report.over},
        "previous": _period_api(report.previous, report.approved_only),
        "year_before": _period_api(report.year_before, report.approved_only),
        "figures": {
            "current": report.current.as_api(),
            "previous": report.before.as_api(),
            "year_before": report.year_ago.as_api(),
        },
        "changes": changes,
        "villages": {
            "count": report.villages,
            "behind_share": BEHIND_SHARE,
            "behind_threshold": report.behind_threshold,
            "behind": [line.as_api() for line in report.behind],
            "no_visit": [line.as_api() for line in report.no_visit],
        },
        "volunteers": report.volunteers,
        "top_volunteers": [line.as_api() for line in report.top_volunteers],
        "top_teams": [line.as_api() for line in report.top_teams],
        "summary": summary,
        "indicators": report.indicators,
    }


def profile_indicators(session: Session, place: Place, period: ReportPeriod) -> None:
    """HOOK for issue 14: the digital-profile indicators of ``place`` at the end of ``period``
    and their change over it (DESIGN section 10). They do not exist in this code base yet, so
    the report has none (None, shown nowhere; ``indicators`` is null in the API). When they
    exist, return {name: value, "change": {name: value}} here and show them on the page."""
    return None


def _village_line(row: PlaceRow, commune: str, last_visit_on: date | None) -> VillageLine:
    f = row.figures
    return VillageLine(
        id=row.id,
        code=row.code,
        name=row.name,
        commune=commune,
        households=f.reached_households,
        target=f.target_households,
        coverage=f.coverage,
        visits=f.visits,
        last_visit_on=last_visit_on,
    )


def periodic_report(
    session: Session,
    place: Place,
    period: ReportPeriod,
    approved_only: bool = False,
    today: date | None = None,
) -> PeriodicReport:
    """The periodic report of ``place`` (a commune, district or province) for ``period``."""
    today = today or today_local()
    current = coverage_report(
        session, place, period.as_period(approved_only), "villages", today=today
    )
    before = coverage_report(
        session, place, period.previous().as_period(approved_only), "children", today=today
    )
    year_ago = coverage_report(
        session, place, period.year_before().as_period(approved_only), "children", today=today
    )
    to_date = coverage_report(
        session, place, preset_period("all", today, approved_only), "villages", today=today
    )
    last_visits = {row.id: row.figures.last_visit_on for row in to_date.rows}
    villages = [row for row in current.rows if row.is_village and row.active]
    chains = hierarchy_names(session, place, villages)
    lines = {
        row.id: _village_line(row, chains[row.id].get("commune", ""), last_visits.get(row.id))
        for row in villages
    }
    order = {row.id: (row.sort_key, row.id) for row in villages}
    threshold = current.totals.coverage * BEHIND_SHARE
    behind = sorted(
        (
            line
            for line in lines.values()
            if line.visits and line.target and line.coverage < threshold
        ),
        key=lambda line: (line.coverage, order[line.id]),
    )
    no_visit = sorted(
        (line for line in lines.values() if not line.visits),
        key=lambda line: (sort_key(line.commune), order[line.id]),
    )
    teams = sorted(
        (line for line in lines.values() if line.households),
        key=lambda line: (-line.households, -line.coverage, order[line.id]),
    )[:TOP]
    volunteers = volunteer_figures(session, place, period.as_period(approved_only))
    top = volunteers[:TOP]
    names = place_labels(session, {v.village_id for v in top if v.village_id})
    return PeriodicReport(
        place=current.place,
        period=period,
        approved_only=approved_only,
        today=today,
        current=current.totals,
        before=before.totals,
        year_ago=year_ago.totals,
        skills=current.skills,
        villages=len(villages),
        behind_threshold=threshold,
        behind=behind,
        no_visit=no_visit,
        top_volunteers=[
            VolunteerLine(v.id, v.name, names.get(v.village_id, ""), v.households, v.visits)
            for v in top
        ],
        volunteers=len(volunteers),
        top_teams=teams,
        indicators=profile_indicators(session, place, period),
    )

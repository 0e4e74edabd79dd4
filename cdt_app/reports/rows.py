"""The rows of a coverage report: a place with its figures (DESIGN section 7), the skills."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..models import PLACE_KINDS
from .periods import Period


@dataclass
class SkillFigures:
    reached: int = 0
    completed: int = 0


@dataclass
class Figures:
    target_households: int = 0
    registered_households: int = 0
    reached_households: int = 0
    visits: int = 0
    people_taught: int = 0
    active_volunteers: int = 0
    skills: dict[str, SkillFigures] = field(default_factory=dict)
    # for the page only
    #: the official targets alone (villages without one add nothing)
    official_target_households: int = 0
    villages: int = 0
    villages_without_target: int = 0
    stalled_villages: int = 0
    #: the last counted visit: in the period, approved when only approved visits count
    last_visit_on: date | None = None
    #: the newest visit of any date and status (it picks the source of the figures)
    newest_visit_on: date | None = None

    @property
    def coverage(self) -> float:
        """reached ÷ target, unrounded; 0 when the target is 0."""
        if not self.target_households:
            return 0.0
        return self.reached_households / self.target_households

    def skill_coverage(self, code: str) -> float:
        skill = self.skills.get(code)
        if skill is None or not self.target_households:
            return 0.0
        return skill.reached / self.target_households

    def as_api(self) -> dict[str, Any]:
        return {
            "target_households": self.target_households,
            "registered_households": self.registered_households,
            "reached_households": self.reached_households,
            "coverage": self.coverage,
            "visits": self.visits,
            "people_taught": self.people_taught,
            "active_volunteers": self.active_volunteers,
            "skills": {
                code: {"reached": s.reached, "completed": s.completed}
                for code, s in self.skills.items()
            },
        }


@dataclass
class PlaceRow:
    id: int
    code: str
    name: str
    kind: str
    level: str
    path: str
    sort_key: str
    active: bool
    target_set: bool  #: the place's own target is set (villages)
    figures: Figures = field(default_factory=Figures)

    @property
    def kind_label(self) -> str:
        return PLACE_KINDS.get(self.kind, ("", self.kind))[1]

    @property
    def is_village(self) -> bool:
        return self.level == "village"

    def as_api_place(self) -> dict[str, Any]:
        return {"id": self.id, "code": self.code, "name": self.name, "kind": self.kind}


@dataclass
class SkillInfo:
    id: int
    code: str
    name_vi: str
    name_en: str
    active: bool


@dataclass
class CoverageReport:
    place: PlaceRow  #: with the totals
    period: Period
    level: str
    rows: list[PlaceRow]
    skills: list[SkillInfo]
    source: str  #: "aggregates", "months" or "raw"
    today: date

    @property
    def totals(self) -> Figures:
        return self.place.figures

    def as_api(self) -> dict[str, Any]:
        return {
            "place": self.place.as_api_place(),
            "period": {
                "from": self.period.start.isoformat() if self.period.start else None,
                "to": self.period.end.isoformat(),
                "approved_only": self.period.approved_only,
            },
            "totals": self.totals.as_api(),
            "children": [
                {"place": row.as_api_place(), **row.figures.as_api()} for row in self.rows
            ],
        }

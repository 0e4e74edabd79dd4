"""Per-village coverage aggregates, kept in step with the raw rows in the same transaction.

They make "coverage to date" of a whole province a GROUP BY over a few thousand village rows
instead of millions of visits. ``cdt_app.reports.aggregates`` recomputes a village's rows from
its visits and households, and ``cdt_app.reports.upkeep`` has it done whenever they change; a
test proves they always equal the figures computed from the raw rows.

The month tables answer the presets (this month, quarter, year: from the first of a month up to
today). Visits cannot be dated in the future, so a household reached in [start, today] is one
whose *latest* counted visit falls on or after start: the tables count households by the month
of their latest visit (per skill: latest visit teaching it, latest visit completing it), and
visits and people by the month of the visit. Other periods read the per-visit rows of
``cdt_app.models.coverage_period``.

"all" columns count every visit that is not deleted; "approved" columns only approved ones.
Visits of deleted households never count.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, SQLModel

from .base import utcnow


class CoverageVillage(SQLModel, table=True):
    __tablename__ = "coverage_village"

    village_id: int = Field(foreign_key="place.id", primary_key=True)
    registered_households: int = 0  #: households not deleted
    reached_all: int = 0  #: distinct households with a counted visit
    reached_approved: int = 0
    visits_all: int = 0
    visits_approved: int = 0
    people_all: int = 0  #: sum of people_taught
    people_approved: int = 0
    last_visit_on: date | None = None  #: latest visit not deleted, any status
    refreshed_at: datetime = Field(default_factory=utcnow)


class CoverageVillageSkill(SQLModel, table=True):
    __tablename__ = "coverage_village_skill"

    village_id: int = Field(foreign_key="place.id", primary_key=True)
    skill_id: int = Field(foreign_key="skill.id", primary_key=True)
    reached_all: int = 0  #: distinct households taught this skill
    completed_all: int = 0  #: distinct households that completed it during a visit
    reached_approved: int = 0
    completed_approved: int = 0


class CoverageVillageVolunteer(SQLModel, table=True):
    """Who visited where: active volunteers are distinct across villages, so not additive."""

    __tablename__ = "coverage_village_volunteer"

    village_id: int = Field(foreign_key="place.id", primary_key=True)
    volunteer_id: int = Field(foreign_key="app_user.id", primary_key=True, index=True)
    visits_all: int = 0
    visits_approved: int = 0
    last_all: date | None = None  #: latest counted visit of this volunteer in this village
    last_approved: date | None = None


class CoverageVillageMonth(SQLModel, table=True):
    __tablename__ = "coverage_village_month"

    village_id: int = Field(foreign_key="place.id", primary_key=True)
    month: str = Field(primary_key=True, max_length=7)  #: "YYYY-MM"
    visits_all: int = 0  #: visits dated in this month
    visits_approved: int = 0
    people_all: int = 0
    people_approved: int = 0
    reached_all: int = 0  #: households whose latest counted visit is in this month
    reached_approved: int = 0  #: households whose latest approved visit is in this month


class CoverageVillageSkillMonth(SQLModel, table=True):
    __tablename__ = "coverage_village_skill_month"

    village_id: int = Field(foreign_key="place.id", primary_key=True)
    skill_id: int = Field(foreign_key="skill.id", primary_key=True)
    month: str = Field(primary_key=True, max_length=7)  #: "YYYY-MM"
    reached_all: int = 0  #: households whose latest visit teaching the skill is in this month
    completed_all: int = 0  #: … whose latest visit completing it is in this month
    reached_approved: int = 0
    completed_approved: int = 0

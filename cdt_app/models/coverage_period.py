"""One row per counted visit (and per counted visit and skill) with the date of the previous one.

They make "households reached in [from, to]" a count of rows in a date range instead of a
distinct count over millions of visits: a household is reached in the period exactly when
one of its counted visits lies in the period and the previous counted visit of the household
(in that village) lies before ``from`` or does not exist. Every household reached has exactly
one such visit (the first of the period, ties broken by visit id). Per skill the chain is the
household's counted visits teaching the skill (completing it, for "completed"); with
"approved only" the chain is the approved ones only.

Only counted visits have rows: not deleted, their household not deleted. The rows of a
village are recomputed with its other aggregates in the same transaction as every write
(``cdt_app.reports.aggregates``); a property-based test proves the figures equal to the raw
computation.
"""

from __future__ import annotations

import uuid
from datetime import date

from sqlmodel import Field, SQLModel


class CoverageVisit(SQLModel, table=True):
    """A counted visit: its village, date, author, people taught, and previous visits' dates."""

    __tablename__ = "coverage_visit"
    __table_args__ = ({"sqlite_with_rowid": False},)  # clustered by (village, date) on SQLite

    village_id: int = Field(foreign_key="place.id", primary_key=True)
    visited_on: date = Field(primary_key=True)
    visit_id: uuid.UUID = Field(primary_key=True)
    volunteer_id: int
    people_taught: int = 1
    approved: bool = False
    #: the previous counted visit of the household in this village (any status), or None
    previous_on: date | None = None
    #: approved visits: the previous approved visit of the household, or None
    previous_approved_on: date | None = None


class CoverageVisitSkill(SQLModel, table=True):
    """A skill taught in a counted visit, with the previous visits teaching / completing it."""

    __tablename__ = "coverage_visit_skill"
    __table_args__ = ({"sqlite_with_rowid": False},)

    village_id: int = Field(foreign_key="place.id", primary_key=True)
    skill_id: int = Field(primary_key=True)  #: before the date: read per village and skill
    visited_on: date = Field(primary_key=True)
    visit_id: uuid.UUID = Field(primary_key=True)
    completed: bool = False
    approved: bool = False
    previous_on: date | None = None  #: previous counted visit teaching the skill
    previous_done_on: date | None = None  #: completed rows: previous visit completing it
    previous_approved_on: date | None = None  #: approved rows: previous approved, teaching
    previous_done_approved_on: date | None = None  #: approved and completed rows

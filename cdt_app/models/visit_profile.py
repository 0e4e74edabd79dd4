"""The digital profile of a household (DESIGN section 10): dated values, and the goals.

(The module is named after ``visit`` on purpose: with no ``relationship()``, SQLAlchemy's unit of
work inserts the tables in the order of their classes' module and name, and a visit's values
must come after the visit and the household they refer to.)

A profile value is one field of one household as recorded on one day: by the registration
(the day it was registered, Vietnam time), an edit of the household, or a visit (the visit's
date, ``visit_id`` set). The profile of a household on day D is, field by field, the latest
value dated on or before D (ties: the one recorded last, by ``id``). ``value`` None means the
field became unknown; ``broadband`` is 1 (yes) or 0 (no). Counts only: nothing here is
personal data, so erasure keeps these rows.

The household's own columns (``members``, ``adults``…) hold its profile as of today, kept in
step by ``cdt_app.households.profile``.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from .base import utcnow

#: the fields of the profile, in the order of the forms
PROFILE_FIELDS = (
    "members",
    "adults",
    "smartphone_adults",
    "vneid_level2",
    "payment_adults",
    "health_record",
    "broadband",
)
#: where a value comes from
PROFILE_SOURCES = ("registration", "edit", "visit", "migration")
#: the indicators that have a goal (rates), in display order
GOAL_INDICATORS = (
    "smartphone_rate",
    "vneid_rate",
    "payment_rate",
    "health_record_rate",
    "broadband_rate",
)


class ProfileValue(SQLModel, table=True):
    __tablename__ = "household_profile_value"
    __table_args__ = (
        sa.Index("ix_household_profile_value_lookup", "household_id", "field", "valid_on"),
    )

    id: int | None = Field(default=None, primary_key=True)
    household_id: uuid.UUID = Field(foreign_key="household.id")
    field: str = Field(max_length=20)
    value: int | None = None
    valid_on: date = Field(index=True)
    visit_id: uuid.UUID | None = Field(default=None, foreign_key="visit.id", index=True)
    source: str = Field(max_length=12)
    recorded_at: datetime = Field(default_factory=utcnow)


class IndicatorGoal(SQLModel, table=True):
    """A goal (percent) for a rate, set by staff on a province or a commune; a commune's goal
    overrides its province's, and with neither the national default applies."""

    __tablename__ = "indicator_goal"
    __table_args__ = (sa.UniqueConstraint("place_id", "indicator"),)

    id: int | None = Field(default=None, primary_key=True)
    place_id: int = Field(foreign_key="place.id", index=True)
    indicator: str = Field(max_length=30)
    percent: float
    source: str = Field(default="", max_length=200)
    updated_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    updated_at: datetime = Field(default_factory=utcnow)

"""Visits (lượt hướng dẫn) and the skills taught in each."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from .base import utcnow

VISIT_STATUSES = ("submitted", "approved", "returned")
#: the legal status moves: review (approve / return) and the volunteer's fix (resubmit)
VISIT_TRANSITIONS = {
    ("submitted", "approved"),
    ("submitted", "returned"),
    ("returned", "submitted"),
    ("returned", "approved"),
}


class IllegalTransition(ValueError):
    """A status change that the review workflow does not allow."""


class Visit(SQLModel, table=True):
    __tablename__ = "visit"
    __table_args__ = (
        sa.Index("ix_visit_village_date", "village_id", "visited_on"),
        sa.Index("ix_visit_status_date", "status", "visited_on"),
        # the activity page (migration 0003): the window's visits and each village's last one
        sa.Index(
            "ix_visit_activity_village",
            "village_id",
            "deleted_at",
            "visited_on",
            "volunteer_id",
            "household_id",
        ),
        # and each member's last visit, by one seek
        sa.Index("ix_visit_activity_volunteer", "volunteer_id", "deleted_at", "visited_on"),
        # the review queue: its counts and its page of visits from the index alone
        sa.Index(
            "ix_visit_review_queue",
            "status",
            "deleted_at",
            "village_id",
            "visited_on",
            "created_at",
            "id",
            "volunteer_id",
        ),
    )

    #: made by the client; the idempotency key of the sync API
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    household_id: uuid.UUID = Field(foreign_key="household.id", index=True)
    #: the household's village, copied so that reports need no join
    village_id: int = Field(foreign_key="place.id")
    volunteer_id: int = Field(foreign_key="app_user.id", index=True)  #: the author
    visited_on: date
    people_taught: int = 1
    notes: str = Field(default="", max_length=1000)
    lat: float | None = None
    lon: float | None = None
    status: str = Field(default="submitted", max_length=12)  #: one of VISIT_STATUSES
    review_note: str | None = Field(default=None, max_length=500)  #: lý do trả lại
    reviewed_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    reviewed_at: datetime | None = None
    #: hash of the last payload received through sync, to tell a replay from an update
    payload_hash: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    deleted_at: datetime | None = None

    @property
    def is_locked(self) -> bool:
        """Approved or deleted visits can no longer be edited by their author."""
        return self.status == "approved" or self.deleted_at is not None

    def change_status(
        self, to_status: str, actor_id: int, reason: str | None = None
    ) -> VisitStatusChange:
        """Move to ``to_status`` or raise IllegalTransition; returns the history row to add."""
        if (self.status, to_status) not in VISIT_TRANSITIONS or self.deleted_at is not None:
            raise IllegalTransition(f"{self.status} → {to_status}")
        change = VisitStatusChange(
            visit_id=self.id,
            from_status=self.status,
            to_status=to_status,
            actor_id=actor_id,
            reason=reason,
        )
        now = utcnow()
        if to_status in ("approved", "returned"):
            self.reviewed_by_id, self.reviewed_at = actor_id, now
            self.review_note = reason if to_status == "returned" else None
        self.status = to_status
        self.updated_at = now
        return change


class VisitSkill(SQLModel, table=True):
    __tablename__ = "visit_skill"

    visit_id: uuid.UUID = Field(foreign_key="visit.id", primary_key=True)
    skill_id: int = Field(foreign_key="skill.id", primary_key=True, index=True)
    completed: bool = False  #: đã tự làm được


class VisitStatusChange(SQLModel, table=True):
    __tablename__ = "visit_status_change"

    id: int | None = Field(default=None, primary_key=True)
    visit_id: uuid.UUID = Field(foreign_key="visit.id", index=True)
    from_status: str | None = Field(default=None, max_length=12)
    to_status: str = Field(max_length=12)
    actor_id: int = Field(foreign_key="app_user.id")
    at: datetime = Field(default_factory=utcnow)
    reason: str | None = Field(default=None, max_length=500)

"""The append-only audit log."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from .base import utcnow


class AuditLog(SQLModel, table=True):
    __tablename__ = "audit_log"
    __table_args__ = (sa.Index("ix_audit_object", "object_type", "object_id"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor_id: int | None = Field(default=None, foreign_key="app_user.id", index=True)
    action: str = Field(max_length=40)  #: create, update, delete, review, import, export, …
    object_type: str = Field(max_length=40)  #: household, visit, place, user, skill, report
    object_id: str = Field(default="", max_length=64)
    place_id: int | None = Field(default=None, foreign_key="place.id", index=True)
    #: JSON {field: [before, after]} with personal data masked
    changes: str = Field(default="{}", sa_type=sa.Text)

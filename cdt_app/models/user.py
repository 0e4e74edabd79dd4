"""Accounts and roles."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlmodel import Field, SQLModel

from .base import utcnow

#: roles from the lowest to the highest
ROLES = ("volunteer", "team_lead", "coordinator", "staff", "admin")
ROLE_RANK = {role: rank for rank, role in enumerate(ROLES)}


class User(UserMixin, SQLModel, table=True):
    __tablename__ = "app_user"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True)  #: lower case; a phone is normalised
    display_name: str = Field(default="", max_length=120)
    password_hash: str = Field(max_length=255)
    role: str = Field(max_length=20)  #: one of ROLES
    place_id: int | None = Field(default=None, foreign_key="place.id", index=True)
    active: bool = True
    #: bumped on logout-everywhere, password change and deactivation; part of the login id
    session_version: int = 0
    must_change_password: bool = False
    totp_secret: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    created_by_id: int | None = Field(default=None, foreign_key="app_user.id")

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:
        return self.active

    def outranks_or_equals(self, role: str) -> bool:
        return ROLE_RANK[self.role] >= ROLE_RANK.get(role, 99)

    def has_role(self, *roles: str) -> bool:
        return self.role in roles

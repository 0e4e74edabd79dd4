"""Accounts and roles."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlmodel import Field, SQLModel

from .base import binary_string, utcnow

#: roles from the lowest to the highest
ROLES = ("volunteer", "team_lead", "coordinator", "staff", "admin")
ROLE_RANK = {role: rank for rank, role in enumerate(ROLES)}


class User(UserMixin, SQLModel, table=True):
    __tablename__ = "app_user"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True)  #: lower case; a phone is normalised
    display_name: str = Field(default="", max_length=120)
    #: Vietnamese collation key of display_name (cdt_app.i18n.sort_key): lists sort by it in SQL
    sort_key: str = Field(default="", sa_type=binary_string(400), index=True)
    #: folded display name and username (cdt_app.i18n.search_key) for diacritic-free search
    search_key: str = Field(default="", sa_type=binary_string(200), index=True)
    password_hash: str = Field(max_length=255)
    role: str = Field(max_length=20)  #: one of ROLES
    place_id: int | None = Field(default=None, foreign_key="place.id", index=True)
    active: bool = True
    #: bumped on logout-everywhere, password change and deactivation; part of the login id
    session_version: int = 0
    must_change_password: bool = False
    totp_secret: str | None = Field(default=None, max_length=64)
    #: two-step login is on (the secret above was confirmed with a code)
    totp_enabled: bool = False
    #: the last TOTP time step accepted: a code is never accepted twice
    totp_last_step: int | None = None
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


class RecoveryCode(SQLModel, table=True):
    """One-time recovery codes for two-step login, stored hashed (scrypt)."""

    __tablename__ = "recovery_code"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    code_hash: str = Field(max_length=255)
    used_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)

"""The skills catalogue (nội dung hướng dẫn): editable data, never deleted."""

from __future__ import annotations

from sqlmodel import Field, SQLModel


class Skill(SQLModel, table=True):
    __tablename__ = "skill"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True)
    name_vi: str = Field(max_length=200)
    name_en: str = Field(default="", max_length=200)
    group: str = Field(default="", max_length=80)
    active: bool = True  #: retired skills are not offered in new visits but stay in history
    sort_order: int = 0
